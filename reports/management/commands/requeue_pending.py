"""Queue again the builds and mails that were committed as pending but never reached a worker.

Celery beat runs the same every SWEEP_SECONDS (reports.tasks.requeue_pending); this command is
for cron, or by hand after a broker outage:

    */5 * * * *  cd /srv/akiruno && .venv/bin/python manage.py requeue_pending

Exits non-zero while the broker is still unreachable, so that cron reports it.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from reports.services import sweeper


class Command(BaseCommand):
    help = (
        "待機中のまま作業プロセスに届いていない構築とメール、応答の途絶えた構築を、"
        "もう一度 Celery の待ち行列に入れます（cron から実行できます）。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--grace",
            type=int,
            default=None,
            metavar="SECONDS",
            help="これより古い待機中の作業だけを対象にする（既定: QUEUE_SWEEP_GRACE_SECONDS）",
        )

    def handle(self, *args, grace: int | None, **options):
        if grace is not None and grace < 0:
            raise CommandError("--grace は 0 以上の秒数で指定してください。")
        counted = sweeper.sweep(grace_seconds=grace)
        self.stdout.write(
            f"再投入: 構築 {counted['builds']}件、報告書 {counted['reports']}件、"
            f"メール {counted['mails']}件"
        )
        if counted["failed"]:
            raise CommandError(
                f"{counted['failed']}件を待ち行列に入れられませんでした（ブローカーに接続できません）。"
                "ブローカーの復旧後にもう一度実行してください。"
            )
