"""Lift a login lockout: `manage.py unlock_login <username>` or `--address <IP>` (recorded).

.venv/bin/python manage.py unlock_login koshitsu-tanto
.venv/bin/python manage.py unlock_login --address 203.0.113.7
"""

from __future__ import annotations

import ipaddress

from django.core.management.base import BaseCommand, CommandError

from akiruno.auth import unlock_login
from akiruno.exceptions import ApplicationError


class Command(BaseCommand):
    help = (
        "ログインの失敗が続いてロックされたアカウント（または接続元アドレス）のロックを解除します。"
        "解除はログイン記録に残ります。"
    )

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", default="", help="ロックを解除するユーザー名")
        parser.add_argument(
            "--address", default="", metavar="IP", help="ロックを解除する接続元アドレス"
        )

    def handle(self, *args, username: str, address: str, **options):
        if address:
            try:
                address = str(ipaddress.ip_address(address.strip()))
            except ValueError:
                raise CommandError(f"「{address}」はIPアドレスではありません。") from None
        try:
            done = unlock_login(username=username, address=address, via="管理コマンド")
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write("ロックを解除しました: " + "、".join(done))
