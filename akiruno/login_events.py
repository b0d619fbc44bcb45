"""The second factor's entries in the login audit (issue 14, item 4): a thin layer over
akiruno.login_audit.record_login_event, so the two-factor pages name what happened and the
audit decides how it is stored."""

from __future__ import annotations

from django.http import HttpRequest

from .login_audit import record_login_event

# What the two-factor code calls an event → (the audit's kind, a detail for the entry).
EVENTS = {
    "otp_ok": ("otp_ok", ""),
    "otp_failed": ("otp_failed", ""),
    "otp_enrolled": ("otp_enrolled", ""),
    "otp_reset": ("otp_reset", ""),
    "recovery_code_used": ("recovery_code_used", ""),
    "recovery_codes_regenerated": ("otp_enrolled", "リカバリーコードの作り直し"),
}


def record_event(
    request: HttpRequest | None, event: str, *, user=None, actor=None, detail: str = ""
) -> None:
    """Record a second-factor event: otp_ok, otp_failed, otp_enrolled, otp_reset,
    recovery_code_used, recovery_codes_regenerated."""
    kind, default_detail = EVENTS[event]
    record_login_event(
        kind, request=request, user=user, actor=actor, detail=detail or default_detail
    )
