"""Shared pieces of the staff browser tests: a browser, a logged-in context, axe."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.test import Client

from tests.browser.test_accessibility import CHROMIUM, CHROMIUM_ARGS, _axe  # noqa: F401

SHOTS = Path("/work/notes/ux-shots")
TEST_PASSWORD = "pass-for-tests-1234"  # tests.factories.make_user's


def login_context(browser, live_url: str, user, password: str = TEST_PASSWORD, **kwargs):
    """A browser context already logged in as `user`. A user with an authenticator app (the
    roles that require one: reviewers, the planning division's head, administrators) signs in
    through the login page and types the TOTP code computed from their device's secret; others
    get the session cookie of a forced login, so the tests do not depend on the form's steps."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.otp import totp_code

    kwargs.setdefault("viewport", {"width": 1400, "height": 1000})
    context = browser.new_context(bypass_csp=True, locale="ja-JP", **kwargs)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        page = context.new_page()
        sign_in(page, live_url, user.get_username(), password, totp_code(device))
        page.close()
        return context
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
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


def sign_in(page, live_url: str, username: str, password: str, code: str | None = None):
    """Sign in through the login page; when the code page follows, type `code` (the TOTP code
    computed from the user's secret, as the user would read it from their app)."""
    page.goto(live_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    if page.url.startswith(live_url + "/accounts/login/code/"):
        assert code, f"{username} には2段階認証の確認コードが必要です"
        page.fill("#id_otp", code)
        with page.expect_navigation():
            page.click("form[action='/accounts/login/code/'] button[type=submit]")
    assert "/accounts/login/" not in page.url, page.url


def shot(page, name: str) -> None:
    """A screenshot for the notes, when the notes directory is there (not in CI)."""
    if SHOTS.parent.exists():
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
