"""Rewrite the public site's pointers (MEDIA_ROOT/public/<year>.json) from the database.

Run after a restore or after moving the media store: publication writes them by itself.
"""

from django.core.management.base import BaseCommand

from reports.public_files import rewrite_pointers


class Command(BaseCommand):
    help = (
        "公開サイトが参照する各年度の公開版の指標を、データベースから書き直します（復元後に実行）。"
    )

    def handle(self, *args, **options) -> None:
        years = rewrite_pointers()
        if not years:
            self.stdout.write("公開中の事務報告書はありません。")
            return
        self.stdout.write("公開版の指標を書き直しました: " + "、".join(f"{y}年度" for y in years))
