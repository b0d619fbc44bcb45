"""Accessibility of the staff side: axe-core (wcag2a, wcag2aa) on every kind of staff page,
logged in as the role that uses it, on the FY2024 demo data."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from reports.management.commands.load_demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from reports.models import Section
from tests.browser.helpers import sign_in, totp_now
from tests.browser.test_accessibility import CHROMIUM_ARGS, _axe

pytestmark = [pytest.mark.browser]


@pytest.fixture
def demo_site(transactional_db, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo", "--force", stdout=open("/dev/null", "w"))
    return live_server.url


def _pages() -> dict[str, tuple[str, list[str]]]:
    koshitsu = Section.objects.get(report__fiscal_year=2025, department__code="shicho-koshitsu").pk
    zaisei = Section.objects.get(report__fiscal_year=2024, department__code="zaisei").pk
    return {
        "koshitsu-tanto": (
            "koshitsu-tanto",
            [
                "/staff/",
                "/staff/reports/2025/",
                f"/staff/sections/{koshitsu}/",
                f"/staff/sections/{koshitsu}/preview/",
                f"/staff/sections/{koshitsu}/history/",
                "/staff/meetings/",
                "/accounts/two-factor/enrol/",
            ],
        ),
        "shinsa": (
            "shinsa",
            [
                f"/staff/sections/{zaisei}/review/",
                "/staff/reports/2024/dashboard/",
                "/staff/reports/2024/audit/",
                "/staff/notifications/",
                "/staff/review/",
                "/accounts/two-factor/",
            ],
        ),
        "zaisei-tanto": ("zaisei-tanto", ["/staff/finance/", "/staff/finance/2024/"]),
        "admin": ("admin", ["/staff/import/", "/staff/reports/2024/builds/"]),
    }


def test_axe_finds_no_violations_on_staff_pages(demo_site):
    from playwright.sync_api import sync_playwright

    pages = _pages()  # database reads happen before Playwright starts its event loop
    report = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for _, (username, paths) in pages.items():
            context = browser.new_context(bypass_csp=True, locale="ja-JP")
            page = context.new_page()
            # The reviewer and the administrator type the code from the demo's TOTP secret.
            sign_in(page, demo_site, username, DEMO_PASSWORD, totp_now(DEMO_TOTP_SECRET))
            for path in paths:
                response = page.goto(demo_site + path)
                assert response.status == 200, path
                report[path] = [
                    {"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:3]}
                    for v in _axe(page)
                ]
            context.close()
        browser.close()
    assert report == {path: [] for path in report}, json.dumps(report, ensure_ascii=False, indent=1)
