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


def totp_now(secret_base32: str) -> str:
    """The code an authenticator app shows now for a base32 secret (no database: this runs
    inside Playwright's event loop)."""
    from base64 import b32decode

    from django_otp.oath import TOTP

    key = b32decode(secret_base32.upper() + "=" * (-len(secret_base32) % 8))
    return f"{TOTP(key, step=30, digits=6).token():06d}"


def sign_in(page, live_url: str, username: str, password: str, totp_secret: str | None = None):
    """Sign in through the login page; when the code page follows, type the TOTP code computed
    from the user's secret, as the user would from their app."""
    page.goto(live_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    if page.url.startswith(live_url + "/accounts/login/code/"):
        assert totp_secret, f"{username} には2段階認証の秘密鍵が必要です"
        page.fill("#id_otp", totp_now(totp_secret))
        with page.expect_navigation():
            page.click("form[action='/accounts/login/code/'] button[type=submit]")
    assert "/accounts/login/" not in page.url, page.url


def shot(page, name: str) -> None:
    """A screenshot for the notes, when the notes directory is there (not in CI)."""
    if SHOTS.parent.exists():
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
