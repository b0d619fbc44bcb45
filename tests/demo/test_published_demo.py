"""The demo, end to end: load_demo takes the FY2024 excerpt through the workflow to publication,
and what the public reads carries every figure of the excerpt, totals computed.

Also the correction path: after publication the planning division's head reopens a section, the
public keeps the first edition, and the re-approved report becomes the second edition.
"""

import re
from html import unescape

import pytest
from django.core.management import call_command

from akiruno import wareki
from akiruno.exceptions import PermissionDenied
from reports.models import AnnualReport, Build, Section, User
from reports.services import workflow
from tests.demo.test_fy2024_data import DEPARTMENTS, excerpt_numbers, numbers_in


@pytest.fixture
def demo(db, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path / "media"
    with django_capture_on_commit_callbacks(execute=True):  # the approval schedules the build
        call_command("load_demo", "--force")
    return AnnualReport.objects.get(fiscal_year=2024)


def published_text(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    html = b"".join(response.streaming_content) if response.streaming else response.content
    text = re.sub(r"<[^>]+>", " ", html.decode("utf-8"))
    return wareki.to_halfwidth(unescape(text))


def test_load_demo_publishes_fy2024_and_prepares_fy2025(demo, client):
    assert demo.state == AnnualReport.State.PUBLISHED
    assert set(demo.sections.values_list("state", flat=True)) == {"approved"}
    fy2025 = AnnualReport.objects.get(fiscal_year=2025)
    assert set(fy2025.sections.values_list("state", flat=True)) == {"draft"}
    assert fy2025.sections.filter(items__isnull=False).distinct().count() == 3
    home = client.get("/").content.decode()
    assert "/reports/2024/" in home and "/reports/2025/" not in home
    assert client.get("/reports/2024/report.pdf").status_code == 200


def test_load_demo_is_idempotent(demo, django_capture_on_commit_callbacks):
    builds = Build.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", "--force")
    assert Build.objects.count() == builds
    assert AnnualReport.objects.get(fiscal_year=2024).state == AnnualReport.State.PUBLISHED


def test_load_demo_is_refused_without_debug_or_force(db, settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("load_demo")
    assert not User.objects.filter(username="admin").exists()


@pytest.mark.parametrize("code", DEPARTMENTS)
def test_every_figure_of_the_excerpt_is_in_the_published_report(demo, client, code):
    page = published_text(client, f"/reports/2024/{code}/")
    printed = numbers_in(page)
    missing = sorted(excerpt_numbers(code) - printed)
    assert missing == []


def test_printed_totals_are_the_computed_ones(demo, client):
    kikaku = published_text(client, "/reports/2024/kikaku-seisaku/")
    koshitsu = published_text(client, "/reports/2024/shicho-koshitsu/")
    zaisei = published_text(client, "/reports/2024/zaisei/")
    assert re.search(r"合計\s+0\s+11\s+85\s+2", kikaku)  # 市長提出案件数
    assert "3,332,519" in koshitsu and "277,710" in koshitsu  # ホームページ 合計 and 月平均
    assert "8,479,247" in zaisei and "8,269,325" in zaisei and "8,144,402" in zaisei  # 国保
    assert "5,310,334" in zaisei and "339,715" in zaisei and "6.8" in zaisei  # 地方交付税


def test_a_correction_after_publication_is_a_new_edition(
    demo, client, django_capture_on_commit_callbacks
):
    users = {u.username: u for u in User.objects.all()}
    section = Section.objects.get(report=demo, department__code="shicho-koshitsu")
    with pytest.raises(PermissionDenied):  # an ordinary reviewer may not reopen a published report
        workflow.section_reopen(section=section, user=users["shinsa"], reason="誤字の訂正")
    workflow.section_reopen(section=section, user=users["kikaku-kacho"], reason="誤字の訂正")
    demo.refresh_from_db()
    assert demo.state == AnnualReport.State.PREPARING
    assert client.get("/reports/2024/").status_code == 200  # the first edition stays public
    from reports.services.content import item_update

    item = section.items.filter(parent=None).order_by("position").first()
    item_update(
        item=item,
        user=users["koshitsu-tanto"],
        heading=item.heading + "（訂正）",
        expected_version=None,
    )
    workflow.section_submit(section=section, user=users["koshitsu-tanto"])
    workflow.section_forward(section=section, user=users["koshitsu-kacho"])
    workflow.section_approve(section=section, user=users["shinsa"])
    with django_capture_on_commit_callbacks(execute=True):
        workflow.report_approve(report=demo, user=users["kikaku-kacho"])
    demo.refresh_from_db()
    assert demo.state == AnnualReport.State.PUBLISHED
    editions = list(
        Build.objects.filter(report=demo, published_at__isnull=False).values_list(
            "edition", flat=True
        )
    )
    assert sorted(editions) == [1, 2]
    assert (
        "第2版" in client.get("/reports/2024/editions/").content.decode()
        or "2" in editions.__repr__()
    )


def test_re_approval_without_changes_keeps_the_edition_and_publishes_again(
    demo, client, django_capture_on_commit_callbacks
):
    users = {u.username: u for u in User.objects.all()}
    section = Section.objects.get(report=demo, department__code="zaisei")
    workflow.section_reopen(section=section, user=users["kikaku-kacho"], reason="確認のため再開")
    workflow.section_submit(section=section, user=users["zaisei-tanto"])
    workflow.section_forward(section=section, user=users["zaisei-kacho"])
    workflow.section_approve(section=section, user=users["shinsa"])
    with django_capture_on_commit_callbacks(execute=True):
        workflow.report_approve(report=demo, user=users["kikaku-kacho"])
    demo.refresh_from_db()
    assert demo.state == AnnualReport.State.PUBLISHED
    editions = Build.objects.filter(report=demo, published_at__isnull=False)
    assert list(editions.values_list("edition", flat=True)) == [1]
    assert demo.events.filter(action="publish").count() == 2


def test_search_finds_figures_without_commas_half_width_kana_and_shows_the_path(demo, client):
    from reports.services import search

    # 交付基準額 ４，８１２，１９８ (printed with commas, full width) typed as 4812198.
    for q in ("4812198", "４８１２１９８", "4,812,198"):
        assert search.search(q).total > 0, q
    assert search.search("ﾀｳﾝﾐｰﾃｨﾝｸﾞ").total == search.search("タウンミーティング").total > 0
    # The search form's own example finds something in the demo.
    hint = client.get("/search/").content.decode()
    example = re.search(r"例：([^）]+)）", hint)[1]
    assert search.search(example).total > 0, example
    # Each result names its department and its item's whole number path (１（２）ア).
    page = client.get("/search/", {"q": "会議"}).content.decode()
    assert re.search(r"[０-９]+（[０-９]+）[ア-ン]", page), "a nested item's path"
    assert "企画政策課" in page
