"""Helpers shared by the management commands: acting as a user, printing domain errors."""

from __future__ import annotations

from django.core.management.base import CommandError

from akiruno.exceptions import ApplicationError
from reports.models import User


def acting_user(username: str | None) -> User:
    """The user a command acts as; every command asks the permission policy as that user."""
    if not username:
        raise CommandError("--user で操作する職員のユーザー名を指定してください。")
    try:
        return User.objects.get(username=username, is_active=True)
    except User.DoesNotExist:
        raise CommandError(f"ユーザー「{username}」は存在しないか、無効です。") from None


def command_error(exc: ApplicationError, *, limit: int = 200) -> CommandError:
    lines = [exc.message]
    details = exc.details if isinstance(exc.details, dict) else {}
    for index, (where, message) in enumerate(details.items()):
        if index >= limit:
            lines.append(f"  …ほか {len(details) - limit} 件")
            break
        lines.append(f"  {where}: {message}")
    return CommandError("\n".join(lines))
