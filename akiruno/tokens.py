"""API tokens: issue, look up and revoke. The views in akiruno.api_auth only call these.

A user may hold several named tokens (one per tool); each can be revoked alone, by its owner or
by an administrator. Tokens expire after API_TOKEN_LIFETIME_DAYS (default 365; 0 = never).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from akiruno.exceptions import Conflict, InvalidInput
from akiruno.login_audit import Kind, record_login_event
from akiruno.models import ApiToken, new_token_key, token_digest
from reports.permissions import Actor, is_admin, is_staff_user, policy

# last_used_at is written at most this often per token, so reads do not all become writes.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def token_lifetime() -> dt.timedelta | None:
    days = int(getattr(settings, "API_TOKEN_LIFETIME_DAYS", 365))
    return dt.timedelta(days=days) if days > 0 else None


def tokens_per_user() -> int:
    return int(getattr(settings, "API_TOKENS_PER_USER", 20))


@transaction.atomic
def token_create(*, user, name: str = "") -> tuple[ApiToken, str]:
    """Issue a token for `user`. Returns the row and the key, which is shown only this once."""
    name = (name or "").strip() or f"API トークン（{timezone.localdate().isoformat()}）"
    if len(name) > 100:
        raise InvalidInput(
            "トークンの名前が長すぎます。", details={"name": "100文字以内で入力してください。"}
        )
    limit = tokens_per_user()
    if ApiToken.objects.filter(user=user).count() >= limit:
        raise Conflict(
            f"トークンは1人{limit}件までです。使っていないトークンを失効させてから発行してください。"
        )
    key = new_token_key()
    lifetime = token_lifetime()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=key[:12],
        digest=token_digest(key),
        expires_at=timezone.now() + lifetime if lifetime else None,
    )
    record_login_event(Kind.TOKEN_CREATED, user=user, detail=f"{token.name}（{token.prefix}…）")
    return token, key


def token_for_key(key: str) -> tuple[ApiToken | None, str]:
    """The live token for `key`, or None and the reason (Japanese) it cannot be used."""
    token = (
        ApiToken.objects.select_related("user", "user__department")
        .filter(digest=token_digest(key))
        .first()
    )
    if token is None:
        return None, "トークンが正しくないか、失効しています。"
    now = timezone.now()
    if token.expires_at is not None and token.expires_at <= now:
        return None, "トークンの有効期限が切れています。新しいトークンを発行してください。"
    if not token.user.is_active:
        return None, "このトークンの利用者は無効になっています。"
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token, ""


@transaction.atomic
def token_revoke(*, token: ApiToken, actor) -> None:
    """Revoke (delete) a token: its owner or an administrator."""
    policy.check(actor, "revoke", token)
    ApiToken.objects.filter(pk=token.pk).delete()
    record_login_event(
        Kind.TOKEN_REVOKED,
        user=token.user,
        actor=actor if actor.pk != token.user_id else None,
        detail=f"{token.name}（{token.prefix}…）",
    )


# -- the policy's rules for tokens ------------------------------------------------------------


def _visible_tokens(user: Actor, qs):
    if is_admin(user):
        return qs
    if is_staff_user(user):
        return qs.filter(user_id=user.pk)
    return qs.none()


def _can_token(user: Actor, action: str, token: ApiToken) -> bool:
    own = is_staff_user(user) and token.user_id == user.pk
    if action in {"view", "revoke"}:
        return own or is_admin(user)
    if action == "create":
        return own
    return False


def register_rules() -> None:
    policy.register(ApiToken, can=_can_token, visible=_visible_tokens)
