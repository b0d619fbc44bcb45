"""The second factor's entries in the login audit (issue 14, item 4).

One place that the two-factor pages call; it hands the event to the login audit. Until the
audit model is there, events go to the `akiruno.security` log.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest

logger = logging.getLogger("akiruno.security")


def record_event(
    request: HttpRequest | None, event: str, *, user=None, actor=None, **extra
) -> None:
    """Record a second-factor event: otp_failed, otp_enrolled, otp_reset, recovery_code_used,
    recovery_codes_regenerated."""
    logger.info(
        "login event %s user=%s actor=%s %s",
        event,
        getattr(user, "pk", None),
        getattr(actor, "pk", None),
        extra or "",
    )
