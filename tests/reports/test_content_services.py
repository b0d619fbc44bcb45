"""Content services: numbering after every kind of change, locking, revisions, whole-tree writes."""

import pytest

from akiruno.exceptions import Conflict, InvalidInput, NotFound, PermissionDenied, StaleVersion
from reports.models import Block, Item, Section, SectionRevision
from reports.services import content as svc
from reports.snapshot import section_content
from reports.tree import flatten, render_tree
from tests import factories


def numbered(section: Section) -> list[str]:
    """The section's headings as printed: ["１ A", "（１） B", ...]."""
    items = render_tree(section_content(section, resolve=False))
    return [f"{i.number} {i.heading}" for i in flatten(items)]


def add(section, user, heading, parent=None, position=None):
    section.refresh_from_db()
    return svc.item_create(
        section=section, user=user, heading=heading, parent=parent, position=position
    )


@pytest.fixture
def tree(section, editor):
    """A: (a1, a2 [x]), B, C"""
    a = add(section, editor, "A")
    a1 = add(section, editor, "a1", parent=a)
    a2 = add(section, editor, "a2", parent=a)
    x = add(section, editor, "x", parent=a2)
    b = add(section, editor, "B")
    c = add(section, editor, "C")
    return {"A": a, "a1": a1, "a2": a2, "x": x, "B": b, "C": c}


def test_numbering_follows_depth_and_position(section, tree):
    assert numbered(section) == ["１ A", "（１） a1", "（２） a2", "ア x", "２ B", "３ C"]


def test_insert_renumbers_everything_after(section, editor, tree):
    add(section, editor, "new", position=1)
    assert numbered(section) == ["１ A", "（１） a1", "（２） a2", "ア x", "２ new", "３ B", "４ C"]


def test_delete_renumbers_and_takes_sub_items(section, editor, tree):
    svc.item_delete(item=tree["A"], user=editor, expected_version=tree["A"].version)
    assert numbered(section) == ["１ B", "２ C"]
    assert not Item.objects.filter(heading__in=["a1", "a2", "x"]).exists()
    assert (
        SectionRevision.objects.filter(section=section)
        .first()
        .summary.startswith("項目「A」を削除")
    )


def test_move_up_and_down(section, editor, tree):
    svc.item_shift(item=tree["C"], user=editor, direction="up")
    assert numbered(section)[-2:] == ["２ C", "３ B"]
    svc.item_shift(item=tree["a1"], user=editor, direction="down")
    assert numbered(section)[:4] == ["１ A", "（１） a2", "ア x", "（２） a1"]
    with pytest.raises(InvalidInput, match="先頭"):
        svc.item_shift(item=tree["A"], user=editor, direction="up")


def test_indent_makes_item_last_child_of_previous_sibling(section, editor, tree):
    svc.item_indent(item=tree["B"], user=editor)
    assert numbered(section) == ["１ A", "（１） a1", "（２） a2", "ア x", "（３） B", "２ C"]


def test_outdent_puts_item_after_its_parent(section, editor, tree):
    svc.item_outdent(item=tree["a1"], user=editor)
    assert numbered(section) == ["１ A", "（１） a2", "ア x", "２ a1", "３ B", "４ C"]
    svc.item_outdent(item=tree["x"], user=editor)
    assert numbered(section) == ["１ A", "（１） a2", "（２） x", "２ a1", "３ B", "４ C"]


def test_move_with_subtree_to_another_parent(section, editor, tree):
    svc.item_move(item=tree["a2"], user=editor, parent=tree["C"], position=0)
    assert numbered(section) == ["１ A", "（１） a1", "２ B", "３ C", "（１） a2", "ア x"]


def test_move_into_own_subtree_is_refused(section, editor, tree):
    before = numbered(section)
    with pytest.raises(InvalidInput, match="自分自身"):
        svc.item_move(item=tree["A"], user=editor, parent=tree["x"])
    assert numbered(section) == before


def test_tenth_item_is_half_width(section, editor):
    for n in range(1, 12):
        add(section, editor, f"h{n}")
    assert numbered(section)[8:] == ["９ h9", "10 h10", "11 h11"]


def test_no_seventh_level(section, editor):
    parent = None
    for depth in range(1, 7):
        parent = add(section, editor, f"d{depth}", parent=parent)
    assert numbered(section)[-1] == "（ａ） d6"
    count = Item.objects.count()
    with pytest.raises(InvalidInput, match="6階層"):
        add(section, editor, "d7", parent=parent)
    assert Item.objects.count() == count


def test_indent_refused_when_subtree_would_pass_six_levels(section, editor):
    a = add(section, editor, "a")
    b = add(section, editor, "b")
    parent = b
    for depth in range(2, 7):
        parent = add(section, editor, f"b{depth}", parent=parent)
    before = numbered(section)
    with pytest.raises(InvalidInput, match="6階層"):
        svc.item_indent(item=b, user=editor)
    assert numbered(section) == before
    assert a.pk


def test_katakana_level_has_46_labels(section, editor):
    top = add(section, editor, "top")
    mid = add(section, editor, "mid", parent=top)
    for n in range(46):
        add(section, editor, f"k{n}", parent=mid)
    assert numbered(section)[-1] == "ン k45"
    with pytest.raises(InvalidInput, match="46個"):
        add(section, editor, "k46", parent=mid)


def test_every_change_is_a_revision_with_user_and_whole_content(section, editor, tree):
    count = SectionRevision.objects.filter(section=section).count()
    assert count == 6
    item = Item.objects.get(pk=tree["B"].pk)
    svc.item_update(item=item, user=editor, heading="B2", expected_version=item.version)
    latest = SectionRevision.objects.filter(section=section).first()
    assert latest.user == editor and "B2" in latest.summary
    assert [i["heading"] for i in latest.content["items"]] == ["A", "B2", "C"]
    section.refresh_from_db()
    assert latest.section_version == section.version


def test_unchanged_heading_writes_nothing(section, editor, tree):
    section.refresh_from_db()
    version, count = section.version, SectionRevision.objects.count()
    item = Item.objects.get(pk=tree["B"].pk)
    svc.item_update(item=item, user=editor, heading="B", expected_version=item.version)
    section.refresh_from_db()
    assert (section.version, SectionRevision.objects.count()) == (version, count)


def test_stale_heading_save_names_who_and_when(section, editor, tree):
    colleague = factories.make_user("colleague", department=section.department, editor=True)
    seen = Item.objects.get(pk=tree["B"].pk)
    svc.item_update(
        item=seen, user=colleague, heading="by colleague", expected_version=seen.version
    )
    count = SectionRevision.objects.count()
    with pytest.raises(StaleVersion) as exc:
        svc.item_update(item=seen, user=editor, heading="mine", expected_version=seen.version)
    assert "colleague 氏さん" in exc.value.message
    assert "に変更しました" in exc.value.message
    assert exc.value.details["updated_by"] == "colleague 氏"
    assert Item.objects.get(pk=seen.pk).heading == "by colleague"
    assert SectionRevision.objects.count() == count


def test_stale_block_save_is_refused_and_nothing_changes(section, editor):
    item = add(section, editor, "item")
    block = svc.block_create(item=item, user=editor, kind="text", data={"paragraphs": ["v1"]})
    colleague = factories.make_user("colleague2", department=section.department, editor=True)
    svc.block_update(block=block, user=colleague, data={"paragraphs": ["v2"]}, expected_version=1)
    with pytest.raises(StaleVersion, match="colleague2"):
        svc.block_update(block=block, user=editor, data={"paragraphs": ["v3"]}, expected_version=1)
    assert Block.objects.get(pk=block.pk).data["paragraphs"] == ["v2"]


def test_saving_a_deleted_block_says_who_removed_it(section, editor):
    item = add(section, editor, "item")
    block = svc.block_create(item=item, user=editor, kind="text")
    svc.block_delete(block=block, user=editor, expected_version=1)
    with pytest.raises(StaleVersion, match="削除"):
        svc.block_update(block=block, user=editor, data={"paragraphs": ["x"]}, expected_version=1)


@pytest.mark.parametrize("state", ["awaiting_head", "in_review", "approved"])
def test_no_content_write_outside_editable_states(section, editor, state):
    item = add(section, editor, "item")
    factories.set_state(section, state)
    count = SectionRevision.objects.count()
    with pytest.raises(PermissionDenied, match="編集できません"):
        svc.item_create(section=section, user=editor, heading="x")
    with pytest.raises(PermissionDenied):
        svc.item_update(item=item, user=editor, heading="y", expected_version=None)
    assert SectionRevision.objects.count() == count
    assert Item.objects.get(pk=item.pk).heading == "item"


def test_state_changed_after_the_page_was_loaded_is_a_conflict(section, editor):
    stale_copy = Section.objects.get(pk=section.pk)  # loaded while still a draft
    factories.set_state(section, "in_review")
    with pytest.raises(Conflict, match="企画政策課審査中"):
        svc.item_create(section=stale_copy, user=editor, heading="x")
    assert not Item.objects.filter(section=section).exists()


def test_other_department_cannot_even_see(section, other_editor):
    with pytest.raises(NotFound):
        svc.item_create(section=section, user=other_editor, heading="x")
    assert not Item.objects.exists()


def test_invalid_block_data_saves_nothing(section, editor):
    item = add(section, editor, "item")
    block = svc.block_create(item=item, user=editor, kind="table")
    bad = {
        "columns": [
            {"key": "name", "label": "名前", "type": "text"},
            {"key": "n", "label": "件数", "type": "integer"},
        ],
        "rows": [["a", "1"], ["b", "たくさん"], ["c"]],
    }
    with pytest.raises(InvalidInput) as exc:
        svc.block_update(block=block, user=editor, data=bad, expected_version=block.version)
    assert "/rows/1/n" in exc.value.details and "たくさん" in exc.value.details["/rows/1/n"]
    assert "/rows/2" in exc.value.details
    assert Block.objects.get(pk=block.pk).data["rows"] == []


def test_replace_content_reports_every_problem_with_pointers(section, editor):
    content = {
        "items": [
            {"heading": "ok", "blocks": [{"kind": "text", "data": {"paragraphs": ["a"]}}]},
            {
                "heading": "bad",
                "blocks": [
                    {"kind": "nope", "data": {}},
                    {"kind": "counts", "data": {"entries": [{"label": "x", "value": "abc"}]}},
                ],
            },
        ]
    }
    with pytest.raises(InvalidInput) as exc:
        svc.section_replace_content(section=section, content=content, user=editor, summary="t")
    assert set(exc.value.details) == {
        "/items/1/blocks/0/kind",
        "/items/1/blocks/1/data/entries/0/value",
    }
    assert not Item.objects.exists()


def test_two_hundred_levels_are_refused_once_without_recursion_trouble(section, editor):
    node = {"heading": "leaf", "blocks": [], "children": []}
    for depth in range(200):
        node = {"heading": f"l{depth}", "blocks": [], "children": [node]}
    with pytest.raises(InvalidInput) as exc:
        svc.section_replace_content(
            section=section, content={"items": [node]}, user=editor, summary="t"
        )
    (pointer,) = exc.value.details
    assert pointer.count("children") == 6
    assert "6階層" in exc.value.details[pointer]
    assert not Item.objects.exists()


def test_replace_content_keeps_uids_and_order(section, editor):
    from tests.reports.excerpt_koshitsu import CONTENT

    svc.section_replace_content(section=section, content=CONTENT, user=editor, summary="取込")
    first = section_content(section, resolve=False)
    svc.section_replace_content(section=section, content=first, user=editor, summary="再")
    second = section_content(section, resolve=False)
    assert first == second


def test_replace_content_with_stale_section_version(section, editor):
    section.refresh_from_db()
    seen = section.version
    add(section, editor, "someone else's item")
    with pytest.raises(StaleVersion):
        svc.section_replace_content(
            section=section, content={"items": []}, user=editor, summary="x", expected_version=seen
        )
    assert Item.objects.filter(section=section).count() == 1


def test_report_create_makes_sections_for_active_ka_in_tree_order(admin_user, planning, koshitsu):
    factories.make_department("bu", "企画政策部", kind="bu", display_order=1)
    factories.make_department("old", "廃止課", is_active=False, display_order=5)
    report = svc.report_create(fiscal_year=2025, user=admin_user)
    assert report.title == "令和7年度 事務報告書"
    names = list(
        Section.objects.filter(report=report)
        .order_by("department__display_order")
        .values_list("department_name", flat=True)
    )
    assert names == ["企画政策課", "市長公室"]
    with pytest.raises(Conflict):
        svc.report_create(fiscal_year=2025, user=admin_user)


def test_report_create_is_for_administrators(editor, reviewer):
    for user in (editor, reviewer):
        with pytest.raises(PermissionDenied):
            svc.report_create(fiscal_year=2030, user=user)
    assert not Section.objects.exists()


def test_block_move_and_delete_keep_positions_contiguous(section, editor):
    item = add(section, editor, "item")
    b1 = svc.block_create(item=item, user=editor, kind="text", data={"paragraphs": ["1"]})
    b2 = svc.block_create(item=item, user=editor, kind="text", data={"paragraphs": ["2"]})
    b3 = svc.block_create(item=item, user=editor, kind="text", data={"paragraphs": ["3"]})
    svc.block_shift(block=b3, user=editor, direction="up")
    order = list(Block.objects.filter(item=item).order_by("position").values_list("pk", flat=True))
    assert order == [b1.pk, b3.pk, b2.pk]
    svc.block_delete(block=b1, user=editor, expected_version=1)
    positions = list(
        Block.objects.filter(item=item).order_by("position").values_list("position", flat=True)
    )
    assert positions == [0, 1]
