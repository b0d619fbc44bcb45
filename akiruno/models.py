"""Models of the platform itself (not of the report): API tokens for tools, and the
optimistic-locking fields that every editable record of the report shares.

A user may hold several named tokens (one per tool or script), so revoking one does not break
the others. Only a SHA-256 digest of each key is stored: a leaked database does not leak working
keys, and the key itself is shown once, when it is created.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

TOKEN_PREFIX = "akr_"  # noqa: S105 (a public marker, not a secret)


class VersionedRecord(models.Model):
    """A record edited by people, locked optimistically: every save raises `version`, and a save
    based on an older version is refused naming `updated_by` and `updated_at`."""

    version = models.PositiveIntegerField("版", default=1, editable=False)
    updated_at = models.DateTimeField("更新日時", auto_now=True)
    updated_by = models.ForeignKey(
        "reports.User",
        verbose_name="更新者",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True


def new_token_key() -> str:
    """A fresh random key: a fixed prefix (for secret scanners) and 40 URL-safe characters."""
    return TOKEN_PREFIX + secrets.token_urlsafe(30)


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """A named API token. Sent as `Authorization: Token <key>`; revoked by deleting the row."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="利用者",
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField("名前", max_length=100)
    prefix = models.CharField("先頭の文字", max_length=12, help_text="どのトークンかを見分けるため")
    digest = models.CharField("ダイジェスト", max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    last_used_at = models.DateTimeField("最終利用日時", null=True, blank=True)
    expires_at = models.DateTimeField("有効期限", null=True, blank=True)

    class Meta:
        verbose_name = "API トークン"
        verbose_name_plural = "API トークン"
        ordering = ["user_id", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"


# -- the login audit ----------------------------------------------------------------------------


class AppendOnlyError(Exception):
    """A login-audit entry was about to be changed or deleted: the log only grows."""


class LoginEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        # The one change allowed is the database's own: a deleted user's (or actor's) entries
        # keep their username and address and lose only the link (on_delete=SET_NULL).
        if kwargs and all(k in {"user", "actor"} and v is None for k, v in kwargs.items()):
            return super().update(**kwargs)
        raise AppendOnlyError("ログイン記録は追記のみで、変更できません。")

    def delete(self):
        raise AppendOnlyError("ログイン記録は追記のみで、削除できません。")

    delete.queryset_only = True

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("ログイン記録は追記のみで、変更できません。")


class LoginEvent(models.Model):
    """One entry of the login audit: who (as typed, and the account if known), what, when, from
    where. Append-only: saving an existing entry or deleting one raises AppendOnlyError."""

    class Kind(models.TextChoices):
        LOGIN_OK = "login_ok", "ログイン成功"
        LOGIN_FAILED = "login_failed", "ログイン失敗"
        LOGIN_LOCKED = "login_locked", "ロック中のログイン試行"
        LOCKOUT = "lockout", "ロックアウト"
        UNLOCK = "unlock", "ロック解除"
        LOGOUT = "logout", "ログアウト"
        PASSWORD_CHANGED = "password_changed", "パスワード変更"
        OTP_OK = "otp_ok", "二要素認証の成功"
        OTP_FAILED = "otp_failed", "二要素認証の失敗"
        OTP_ENROLLED = "otp_enrolled", "二要素認証の登録"
        OTP_RESET = "otp_reset", "二要素認証のリセット"
        RECOVERY_CODE_USED = "recovery_code_used", "リカバリーコードの使用"
        TOKEN_CREATED = "token_created", "API トークンの発行"
        TOKEN_REVOKED = "token_revoked", "API トークンの失効"
        SESSIONS_REVOKED = "sessions_revoked", "全端末からのログアウト"
        SESSION_EXPIRED = "session_expired", "無操作によるセッション終了"
        PRIVILEGE_CHANGED = "privilege_changed", "権限の変更"

    created_at = models.DateTimeField("日時", default=timezone.now, db_index=True, editable=False)
    kind = models.CharField("種類", max_length=32, choices=Kind.choices, db_index=True)
    username = models.CharField("ユーザー名（入力値）", max_length=150, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="利用者",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="login_events",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作した管理者",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    address = models.CharField("接続元アドレス", max_length=45, blank=True)
    user_agent = models.CharField("ブラウザ等", max_length=255, blank=True)
    detail = models.CharField("詳細", max_length=500, blank=True)

    objects = LoginEventQuerySet.as_manager()

    class Meta:
        verbose_name = "ログイン記録"
        verbose_name_plural = "ログイン記録"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="loginevent_user_time")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.get_kind_display()} {self.username}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("ログイン記録は追記のみで、変更できません。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("ログイン記録は追記のみで、削除できません。")
