"""The demo's second factor (issue 14): load_demo enrols the demo users whose role requires one
with the TOTP secret AKIRUNODEMOTOTPSECRET234, printed with the logins; nowhere else has it."""

from __future__ import annotations

from base64 import b32decode
from pathlib import Path

from django.conf import settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from reports.management.commands.load_demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from tests.demo.test_published_demo import demo  # noqa: F401

SECRET = "AKIRUNODEMOTOTPSECRET234"


def code_from_secret(secret: str) -> str:
    return f"{TOTP(b32decode(secret)).token():06d}"


def test_load_demo_enrols_the_roles_that_need_it_with_the_demo_secret(demo, client):  # noqa: F811
    assert DEMO_TOTP_SECRET == SECRET
    devices = TOTPDevice.objects.filter(confirmed=True).select_related("user")
    assert sorted(d.user.username for d in devices) == ["admin", "kikaku-kacho", "shinsa"]
    for device in devices:
        assert device.bin_key == b32decode(SECRET)
        assert (device.step, device.digits, device.t0) == (30, 6, 0)
    # Signing in as the demo's reviewer: password, then the code computed from the secret.
    response = client.post("/accounts/login/", {"username": "shinsa", "password": DEMO_PASSWORD})
    assert response["Location"] == "/accounts/login/code/"
    response = client.post("/accounts/login/code/", {"otp": code_from_secret(SECRET)})
    assert response.status_code == 302 and client.get("/staff/review/").status_code == 200
    # An editor of the demo signs in with the password alone.
    other = client.__class__()
    other.post("/accounts/login/", {"username": "koshitsu-tanto", "password": DEMO_PASSWORD})
    assert other.get("/staff/").status_code == 200


def test_the_demo_secret_is_printed_with_the_logins_and_exists_nowhere_else():
    base = Path(settings.BASE_DIR)
    assert SECRET in (base / "README.md").read_text(encoding="utf-8")
    holders = {
        str(path.relative_to(base))
        for folder in ("akiruno", "reports", "meetings", "finance", "templates", "docs")
        for path in (base / folder).rglob("*")
        if path.is_file()
        and path.suffix in {".py", ".html", ".md", ".txt", ".json", ".toml", ".cfg"}
        and SECRET in path.read_text(encoding="utf-8", errors="ignore")
    }
    assert holders == {"reports/management/commands/load_demo.py"}
    assert not hasattr(settings, "DEMO_TOTP_SECRET")
