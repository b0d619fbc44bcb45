"""Shared pieces of the staff browser tests: a browser, a logged-in context, axe."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.test import Client

from tests.browser.test_accessibility import CHROMIUM, CHROMIUM_ARGS, _axe  # noqa: F401

SHOTS = Path("/work/notes/ux-shots")


def login_context(browser, live_url: str, user, **kwargs):
    """A browser context already logged in as `user` (the session cookie of a forced login,
    so the tests do not depend on the login form's steps)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    kwargs.setdefault("viewport", {"width": 1400, "height": 1000})
    context = browser.new_context(bypass_csp=True, locale="ja-JP", **kwargs)
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_url}]
    )
    return context


def shot(page, name: str) -> None:
    """A screenshot for the notes, when the notes directory is there (not in CI)."""
    if SHOTS.parent.exists():
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
