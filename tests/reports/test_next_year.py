"""Starting a fiscal year from the previous year's sections: structure and text kept, figures
kept or cleared per block."""

import pytest
from django.urls import reverse

from akiruno.exceptions import Conflict, PermissionDenied
from reports.models import Block, Section, SectionRevision
from reports.services import content as svc
from reports.snapshot import section_content
from tests import factories
from tests.reports.excerpt_koshitsu import CONTENT


@pytest.fixture
def last_year(section, editor):
    svc.section_replace_content(section=section, content=CONTENT, user=editor, summary="取込")
    return section


def blocks_of(section, kind):
    return list(
        Block.objects.filter(item__section=section, kind=kind).order_by("item__id", "position")
    )


def test_administrator_starts_next_year_with_numbers_cleared(admin_user, last_year):
    report = svc.report_start_from_previous(fiscal_year=2025, user=admin_user, keep_numbers=False)
    new = Section.objects.get(report=report, department=last_year.department)
    old_content = section_content(last_year, resolve=False)
    new_content = section_content(new, resolve=False)

    def headings(items):
        return [(i["heading"], headings(i["children"])) for i in items]

    assert headings(new_content["items"]) == headings(old_content["items"])
    monthly = blocks_of(new, "monthly_table")[0]
    assert monthly.data["measures"][0]["values"] == [None] * 12
    table = next(
        b for b in blocks_of(new, "table") if b.item.heading == "市民ポスト設置場所別利用状況"
    )
    assert table.data["rows"][0] == {"place": "秋川駅", "count": None}  # names stay, counts go
    text = blocks_of(new, "text")[0]
    assert text.data == blocks_of(last_year, "text")[0].data
    assert new.state == "draft"
    revision = SectionRevision.objects.filter(section=new).first()
    assert revision.user == admin_user and "令和6年度の内容から作成" in revision.summary
    # last year is untouched
    assert section_content(last_year, resolve=False) == old_content


def test_numbers_kept_per_block(admin_user, last_year):
    chosen = blocks_of(last_year, "monthly_table")[0]
    report = svc.report_start_from_previous(
        fiscal_year=2025, user=admin_user, keep_numbers={str(chosen.uid): True}
    )
    new = Section.objects.get(report=report, department=last_year.department)
    monthly = blocks_of(new, "monthly_table")
    assert monthly[0].data["measures"][0]["values"] == chosen.data["measures"][0]["values"]
    assert monthly[1].data["measures"][0]["values"] == [None] * 12


def test_sections_with_content_are_left_alone(admin_user, last_year, editor):
    report = factories.make_report(2025)
    new = factories.make_section(last_year.department, report)
    svc.item_create(section=new, user=editor, heading="今年書いた")
    svc.report_start_from_previous(fiscal_year=2025, user=admin_user, keep_numbers=True)
    assert [i["heading"] for i in section_content(new, resolve=False)["items"]] == ["今年書いた"]


def test_only_administrators_start_a_year(editor, reviewer, last_year):
    for user in (editor, reviewer):
        with pytest.raises(PermissionDenied):
            svc.report_start_from_previous(fiscal_year=2025, user=user, keep_numbers=False)
    assert not Section.objects.filter(report__fiscal_year=2025).exists()


def test_editor_starts_own_empty_section_choosing_blocks(client, editor, last_year):
    report = factories.make_report(2025)
    new = factories.make_section(last_year.department, report)
    client.force_login(editor)
    url = reverse("section-start-from-previous", args=[new.pk])
    page = client.get(url).content.decode()
    keep = next(
        b for b in blocks_of(last_year, "counts") if b.data["entries"][0]["label"] == "通常総会"
    )
    assert f'name="keep-{keep.uid}"' in page
    response = client.post(url, {f"keep-{keep.uid}": "1"})
    assert response.status_code == 302
    by_label = {b.data["entries"][0]["label"]: b for b in blocks_of(new, "counts")}
    assert by_label["通常総会"].data["entries"][0]["value"] == 1
    assert by_label["全体会議"].data["entries"][0]["value"] is None
    with pytest.raises(Conflict):
        svc.section_start_from_previous(section=new, user=editor, keep_numbers=True)


def test_renamed_department_starts_from_its_predecessor(admin_user, last_year, editor):
    successor = factories.make_department("koho", "広報課", display_order=21)
    last_year.department.successor = successor
    last_year.department.is_active = False
    last_year.department.save()
    report = svc.report_start_from_previous(fiscal_year=2025, user=admin_user, keep_numbers=False)
    new = Section.objects.get(report=report, department=successor)
    assert new.department_name == "広報課"
    assert section_content(new, resolve=False)["items"][0]["heading"] == "会議への出席状況"
    assert not Section.objects.filter(report=report, department=last_year.department).exists()


def test_command_goes_through_the_policy(admin_user, editor, last_year):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="システム管理者"):
        call_command("start_fiscal_year", "2025", "--user", editor.username, "--from-previous")
    assert not Section.objects.filter(report__fiscal_year=2025).exists()
    call_command("start_fiscal_year", "2025", "--user", admin_user.username, "--from-previous")
    new = Section.objects.get(report__fiscal_year=2025, department=last_year.department)
    assert section_content(new, resolve=False)["items"][0]["heading"] == "会議への出席状況"
