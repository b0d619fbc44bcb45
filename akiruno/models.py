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
