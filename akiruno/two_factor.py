"""Two-factor sign-in (issue 14): TOTP devices and one-time recovery codes, with django-otp.

A user has at most one TOTP device (an authenticator app) and one static device holding the
recovery codes. An unconfirmed TOTP device is an enrolment in progress; only confirmed devices
count. Whether a user *must* have one is the policy's decision
(reports.permissions.requires_second_factor).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from base64 import b32decode, b32encode
from binascii import hexlify
from dataclasses import dataclass

import segno
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from reports.models import User

TOTP_DEVICE_NAME = "認証アプリ"
RECOVERY_DEVICE_NAME = "リカバリーコード"

WRONG_CODE_MESSAGE = (
    "確認コードが正しくないか、有効期限が切れています。認証アプリに表示されている最新の"
    "6桁のコード、またはリカバリーコードを入力してください（一度使ったコードは使えません）。"
)
MISSING_CODE_MESSAGE = "確認コード（6桁）またはリカバリーコードを入力してください。"


@dataclass(frozen=True)
class Verification:
    """A code that was accepted: by which device, and whether it was a recovery code."""

    device: Device
    recovery: bool


def normalize_code(code: str) -> str:
    """Spaces and hyphens are for reading; recovery codes are stored in lower case."""
    return re.sub(r"[\s\-]", "", code or "").lower()


def totp_device(user: User, *, confirmed: bool | None = True) -> TOTPDevice | None:
    qs = TOTPDevice.objects.filter(user=user)
    if confirmed is not None:
        qs = qs.filter(confirmed=confirmed)
    return qs.order_by("-id").first()


def has_second_factor(user: User) -> bool:
    """A confirmed authenticator app (recovery codes alone do not count as enrolment)."""
    return bool(user.pk) and TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def secret_base32(device: TOTPDevice) -> str:
    return b32encode(device.bin_key).decode("ascii").rstrip("=")


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code (server-side, no script)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=5, border=4, title="QRコード")


@transaction.atomic
def start_enrolment(user: User) -> TOTPDevice:
    """The unconfirmed device of an enrolment in progress (a new secret the first time)."""
    device = totp_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def recovery_digest(user: User, code: str) -> str:
    """What is stored for a recovery code: a keyed hash (the code itself is shown once and
    kept nowhere), short enough for django-otp's 16-character token column."""
    message = f"recovery-code:{user.pk}:{normalize_code(code)}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:16]


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        [StaticToken(device=device, token=recovery_digest(user, code)) for code in codes]
    )
    return codes


@transaction.atomic
def confirm_enrolment(user: User, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the enrolment with a code from the app → the new recovery codes (shown once),
    or None when the code is wrong (nothing changes but the device's replay counter)."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
    token = normalize_code(code)
    if not token.isdigit() or not device.verify_token(token):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return _new_recovery_codes(user)


@transaction.atomic
def regenerate_recovery_codes(user: User) -> list[str]:
    """Replace every recovery code (the old ones stop working)."""
    return _new_recovery_codes(user)


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def verify_code(user: User, code: str) -> Verification | None:
    """Check a 6-digit TOTP code (a used or expired step is refused) or a recovery code
    (consumed). Returns what accepted it, or None."""
    token = normalize_code(code)
    if not token:
        return None
    if token.isdigit():
        devices = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True)
        for device in devices:
            if device.verify_token(token):
                return Verification(device=device, recovery=False)
        return None
    devices = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True)
    for device in devices:
        if device.verify_token(recovery_digest(user, token)):
            return Verification(device=device, recovery=True)
    return None


@transaction.atomic
def reset_second_factor(user: User) -> int:
    """Remove every device of the user (the administrator's reset): they enrol again at their
    next sign-in. Sessions verified with the removed devices lose their verification."""
    deleted = TOTPDevice.objects.filter(user=user).delete()[0]
    deleted += StaticDevice.objects.filter(user=user).delete()[0]
    return deleted


def mark_verified(request: HttpRequest, device: Device) -> None:
    """Record in the session that its user has given this device's second factor."""
    otp_login(request, device)


def is_verified(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user and user.is_authenticated and getattr(user, "is_verified", lambda: False)())


def session_is_verified(session) -> bool:
    return bool(session.get(DEVICE_ID_SESSION_KEY))


@transaction.atomic
def enrol_with_secret(user: User, secret: str) -> TOTPDevice:
    """Enrol `user` with a known base32 secret (the demo's only: load_demo)."""
    padded = secret.upper() + "=" * (-len(secret) % 8)
    key = hexlify(b32decode(padded)).decode("ascii")
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(
        user=user, name=TOTP_DEVICE_NAME, key=key, step=30, digits=6, confirmed=True
    )


# -- the unfinished sign-in (password right, code not yet given) ------------------------------

PENDING_SESSION_KEY = "akiruno_otp_pending"


def begin_second_step(request: HttpRequest, user, next_url: str) -> HttpResponse:
    """The password was right and the user has an authenticator app: ask for the code."""
    request.session[PENDING_SESSION_KEY] = {
        "user": user.pk,
        "backend": getattr(user, "backend", None) or settings.AUTHENTICATION_BACKENDS[0],
        "next": next_url,
        "at": int(time.time()),
    }
    request.second_factor_pending = True
    return redirect("login-otp")


def pending_sign_in(request: HttpRequest):
    """(user, backend, next) of an unfinished sign-in, or None (expired or absent)."""
    pending = request.session.get(PENDING_SESSION_KEY)
    if not isinstance(pending, dict):
        return None
    if time.time() - pending.get("at", 0) > settings.OTP_PENDING_LOGIN_SECONDS:
        request.session.pop(PENDING_SESSION_KEY, None)
        return None
    user = get_user_model().objects.filter(pk=pending.get("user"), is_active=True).first()
    if user is None:
        return None
    return user, pending.get("backend"), pending.get("next") or ""
