"""History: a readable diff between revisions, and restoring an earlier one (itself recorded)."""

from django.urls import reverse

from reports.models import Item, SectionRevision
from reports.services import content as svc
from reports.snapshot import section_content
from tests import factories


def build(section, editor):
    item = svc.item_create(section=section, user=editor, heading="市民ポスト")
    section.refresh_from_db()
    block = svc.block_create(
        item=item, user=editor, kind="text", data={"paragraphs": ["市内２５か所に設置した。"]}
    )
    return item, block


def test_history_lists_every_change_with_user(client, section, editor):
    _item, block = build(section, editor)
    svc.block_update(
        block=block,
        user=editor,
        data={"paragraphs": ["市内２６か所に設置した。"]},
        expected_version=1,
    )
    client.force_login(editor)
    html = client.get(reverse("section-history", args=[section.pk])).content.decode()
    assert html.count("<td>koshitsu-tanto 氏</td>") == 3
    assert "項目「市民ポスト」を追加" in html and "本文を変更" in html


def test_diff_shows_removed_and_added_lines_with_numbers(client, section, editor):
    _item, block = build(section, editor)
    svc.block_update(
        block=block,
        user=editor,
        data={"paragraphs": ["市内２６か所に設置した。"]},
        expected_version=1,
    )
    latest = SectionRevision.objects.filter(section=section).first()
    client.force_login(editor)
    response = client.get(reverse("section-revision", args=[section.pk, latest.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<li class="diff-removed">' in html and "市内２５か所" in html
    assert '<li class="diff-added">' in html and "市内２６か所" in html
    assert "１ 市民ポスト" in html  # numbering is part of the readable text


def test_restore_puts_back_old_content_and_is_itself_a_revision(client, section, editor):
    item, _block = build(section, editor)
    first = SectionRevision.objects.filter(section=section).first()
    wanted = section_content(section, resolve=False)
    svc.item_update(item=item, user=editor, heading="変えた見出し", expected_version=item.version)
    section.refresh_from_db()
    svc.item_create(section=section, user=editor, heading="追加した項目")
    count = SectionRevision.objects.count()
    section.refresh_from_db()
    client.force_login(editor)
    response = client.post(
        reverse("section-restore", args=[section.pk, first.pk]), {"version": section.version}
    )
    assert response.status_code == 302
    assert section_content(section, resolve=False) == wanted
    assert SectionRevision.objects.count() == count + 1
    latest = SectionRevision.objects.filter(section=section).first()
    assert f"第{first.content_version}版" in latest.summary and latest.user == editor


def test_restore_refused_when_section_changed_since_the_page_was_opened(client, section, editor):
    _item, _block = build(section, editor)
    first = SectionRevision.objects.filter(section=section).first()
    section.refresh_from_db()
    seen = section.version
    svc.item_create(section=section, user=editor, heading="後から追加")
    client.force_login(editor)
    response = client.post(
        reverse("section-restore", args=[section.pk, first.pk]), {"version": seen}, follow=True
    )
    assert "あなたが開いた後に" in response.content.decode()
    assert Item.objects.filter(heading="後から追加").exists()


def test_restore_is_refused_to_reviewers_and_other_departments(
    client, section, editor, reviewer, other_editor
):
    build(section, editor)
    first = SectionRevision.objects.filter(section=section).last()
    count = SectionRevision.objects.count()
    client.force_login(reviewer)
    url = reverse("section-restore", args=[section.pk, first.pk])
    assert client.post(url).status_code == 403
    client.force_login(other_editor)
    assert client.post(url).status_code == 404
    assert SectionRevision.objects.count() == count


def test_restore_refused_when_not_editable(client, section, editor):
    build(section, editor)
    first = SectionRevision.objects.filter(section=section).last()
    factories.set_state(section, "in_review")
    client.force_login(editor)
    response = client.post(reverse("section-restore", args=[section.pk, first.pk]))
    assert response.status_code == 403
    assert Item.objects.filter(section=section).count() == 1


def test_history_page_query_count_is_fixed(client, section, editor, django_assert_max_num_queries):
    _item, block = build(section, editor)
    for n in range(30):
        svc.block_update(
            block=block, user=editor, data={"paragraphs": [f"版{n}"]}, expected_version=n + 1
        )
    client.force_login(editor)
    with django_assert_max_num_queries(7):
        assert client.get(reverse("section-history", args=[section.pk])).status_code == 200
