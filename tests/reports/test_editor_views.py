"""The section editor through its pages: forms, htmx fragments, refused input shown back."""

import pytest
from django.urls import reverse

from reports.models import Block, Item, SectionRevision
from reports.services import content as svc
from tests import factories

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def logged_in(client, editor):
    client.force_login(editor)
    return client


def table_block(section, editor, heading="表の項目"):
    item = svc.item_create(section=section, user=editor, heading=heading)
    section.refresh_from_db()
    block = svc.block_create(
        item=item,
        user=editor,
        kind="table",
        data={
            "columns": [
                {"key": "place", "label": "配置場所", "type": "text"},
                {"key": "count", "label": "件数", "type": "integer"},
            ],
            "rows": [["秋川駅", 22]],
            "summary": [{"op": "sum"}],
        },
    )
    return block


def table_post(block, rows, *, version=None, op="save", **extra):
    data = {
        "version": version if version is not None else block.version,
        "op": op,
        "column_count": 2,
        "row_count": len(rows),
        "summary_count": 1,
        "col-0-key": "place",
        "col-0-label": "配置場所",
        "col-0-type": "text",
        "col-1-key": "count",
        "col-1-label": "件数",
        "col-1-type": "integer",
        "sum-0-op": "sum",
        "sum-0-label": "合計",
        "digits": "half",
        "print_columns": "1",
        "row_header": "1",
    }
    for r, row in enumerate(rows):
        for j, value in enumerate(row):
            data[f"cell-{r}-{j}"] = value
    data.update(extra)
    return data


def test_editor_page_shows_numbered_tree_preview_and_workflow_slot(logged_in, section, editor):
    a = svc.item_create(section=section, user=editor, heading="会議への出席状況")
    section.refresh_from_db()
    svc.item_create(section=section, user=editor, heading="全国市長会", parent=a)
    response = logged_in.get(reverse("section-editor", args=[section.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "（１）" in html and "全国市長会" in html
    assert 'id="live-preview"' in html and 'class="report section-content"' in html
    assert 'hx-trigger="every 30s"' in html  # presence heartbeat


@pytest.mark.parametrize("count", [10, 500])
def test_editor_and_preview_run_a_fixed_number_of_queries(
    client, section, editor, count, django_assert_max_num_queries
):
    items = [
        Item(section=section, heading=f"項目{n}", position=n, parent=None) for n in range(count)
    ]
    Item.objects.bulk_create(items)
    items = list(Item.objects.filter(section=section))
    Block.objects.bulk_create(
        [
            Block(item=item, kind="text", data={"paragraphs": [f"本文{n}"]}, position=0)
            for n, item in enumerate(items)
        ]
        + [
            Block(
                item=item,
                kind="counts",
                data=factories_counts(),
                position=1,
            )
            for item in items
        ]
    )
    client.force_login(editor)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("section-editor", args=[section.pk]))
    assert response.status_code == 200
    assert f"項目{count - 1}" in response.content.decode()
    with django_assert_max_num_queries(8):
        assert client.get(reverse("section-preview", args=[section.pk])).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(reverse("report-sections", args=[2024])).status_code == 200


def factories_counts():
    from reports import blocks

    return blocks.get("counts").clean({"entries": [{"label": "会議", "value": 2, "unit": "回"}]})


def test_save_table_through_the_form(logged_in, section, editor):
    block = table_block(section, editor)
    response = logged_in.post(
        reverse("block-update", args=[block.pk]),
        table_post(block, [["秋川駅", "２２"], ["東秋留駅", "3"]]),
        **HX,
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "section-changed"
    block.refresh_from_db()
    assert block.data["rows"] == [
        {"place": "秋川駅", "count": 22},
        {"place": "東秋留駅", "count": 3},
    ]
    assert "保存しました" in response.content.decode()


def test_non_numeric_cell_is_shown_back_with_a_message_and_nothing_saved(
    logged_in, section, editor
):
    block = table_block(section, editor)
    revisions = SectionRevision.objects.count()
    response = logged_in.post(
        reverse("block-update", args=[block.pk]),
        table_post(block, [["秋川駅", "22"], ["東秋留駅", "たくさん"]]),
        **HX,
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "「たくさん」は数値として読めません" in html
    assert 'value="たくさん"' in html  # the input is kept
    assert "2行目「件数」" in html
    block.refresh_from_db()
    assert block.data["rows"] == [{"place": "秋川駅", "count": 22}]
    assert SectionRevision.objects.count() == revisions


def test_stale_save_names_the_other_editor_and_keeps_the_input(logged_in, section, editor):
    block = table_block(section, editor)
    colleague = factories.make_user("colleague", department=section.department, editor=True)
    colleague.full_name = "山田 一郎"
    colleague.save()
    seen_version = block.version
    svc.block_update(
        block=block,
        user=colleague,
        data={**block.data, "rows": [["秋川駅", 30]]},
        expected_version=seen_version,
    )
    response = logged_in.post(
        reverse("block-update", args=[block.pk]),
        table_post(block, [["秋川駅", "25"]], version=seen_version),
        **HX,
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert "山田 一郎さん" in html and "に変更しました" in html
    assert 'value="25"' in html  # my input is still in the form
    assert "30" in html  # the stored version is shown beside it
    block.refresh_from_db()
    assert block.data["rows"] == [{"place": "秋川駅", "count": 30}]
    # Saving again is a deliberate overwrite: the form now carries the stored version.
    assert f'name="version" value="{block.version}"' in html


def test_stale_save_without_javascript_renders_the_whole_page(logged_in, section, editor):
    block = table_block(section, editor)
    other = factories.make_user("other", department=section.department, editor=True)
    svc.block_update(
        block=block, user=other, data={**block.data, "rows": [["x", 1]]}, expected_version=1
    )
    response = logged_in.post(
        reverse("block-update", args=[block.pk]), table_post(block, [["y", "2"]], version=1)
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "<html" in html and 'value="y"' in html and "other 氏さん" in html


def test_adding_a_row_keeps_typed_values_and_saves_nothing(logged_in, section, editor):
    block = table_block(section, editor)
    response = logged_in.post(
        reverse("block-update", args=[block.pk]),
        table_post(block, [["typed", "5"]], op="add_row"),
        **HX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="typed"' in html and 'name="cell-1-0"' in html
    assert "まだ保存していません" in html
    block.refresh_from_db()
    assert block.data["rows"] == [{"place": "秋川駅", "count": 22}]


def test_paste_from_excel_fills_rows(logged_in, section, editor):
    block = table_block(section, editor)
    pasted = "秋川駅\t22\r\n東秋留駅\t3\r\n武蔵引田駅\t5\r\n"
    response = logged_in.post(
        reverse("block-update", args=[block.pk]),
        table_post(
            block, [["秋川駅", "22"]], op="paste", paste=pasted, paste_row="1", paste_col="1"
        ),
        **HX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="武蔵引田駅"' in html and 'name="cell-2-1" id' in html


def test_paste_with_too_many_cells_is_refused_with_the_row(logged_in, section, editor):
    block = table_block(section, editor)
    response = logged_in.post(
        reverse("block-update", args=[block.pk]),
        table_post(
            block, [], op="paste", paste="a\t1\nb\t2\textra\n", paste_row="1", paste_col="1"
        ),
        **HX,
    )
    assert response.status_code == 400
    assert "貼り付けた2行目のセルが3個です" in response.content.decode()


def test_script_in_text_is_stored_as_text_and_escaped(logged_in, section, editor):
    item = svc.item_create(section=section, user=editor, heading="<b>見出し</b>")
    section.refresh_from_db()
    block = svc.block_create(item=item, user=editor, kind="text")
    logged_in.post(
        reverse("block-update", args=[block.pk]),
        {"version": block.version, "op": "save", "paragraphs": "<script>alert(1)</script>本文"},
    )
    for url in (
        reverse("section-editor", args=[section.pk]),
        reverse("section-preview", args=[section.pk]),
    ):
        html = logged_in.get(url).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;本文" in html
        assert "<b>見出し</b>" not in html


def test_item_operations_return_the_renumbered_tree(logged_in, section, editor):
    a = svc.item_create(section=section, user=editor, heading="A")
    section.refresh_from_db()
    b = svc.item_create(section=section, user=editor, heading="B")
    response = logged_in.post(
        reverse("item-action", args=[b.pk]), {"op": "indent", "version": b.version}, **HX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="section-tree"' in html and "<html" not in html
    assert f'data-focus="item-{b.pk}-indent"' in html
    assert Item.objects.get(pk=b.pk).parent_id == a.pk
    response = logged_in.post(
        reverse("item-action", args=[a.pk]), {"op": "outdent", "version": a.version}, **HX
    )
    assert response.status_code == 400
    assert "第1階層" in response.content.decode()


def test_add_item_and_block_through_pages(logged_in, section):
    logged_in.post(reverse("item-create", args=[section.pk]), {"heading": "会議への出席状況"})
    item = Item.objects.get(section=section)
    response = logged_in.post(reverse("block-create", args=[item.pk]), {"kind": "monthly_table"})
    assert response.status_code == 302
    assert Block.objects.get(item=item).kind == "monthly_table"
    response = logged_in.post(reverse("block-create", args=[item.pk]), {"kind": "nope"})
    assert Block.objects.filter(item=item).count() == 1


def test_monthly_table_form_round_trip(logged_in, section, editor):
    item = svc.item_create(section=section, user=editor, heading="月別")
    section.refresh_from_db()
    block = svc.block_create(item=item, user=editor, kind="monthly_table")
    values = ["4", "12", "4", "3", "15", "6", "7", "12", "2", "1", "7", "7"]
    data = {
        "version": block.version,
        "op": "save",
        "measure_count": 1,
        "m-0-label": "件数",
        "m-0-unit": "",
        "summary_sum": "1",
        "split": "1",
        "digits": "full",
        "row_label": "月",
    }
    data.update({f"m-0-v-{k}": v for k, v in enumerate(values)})
    response = logged_in.post(reverse("block-update", args=[block.pk]), data, **HX)
    assert response.status_code == 200
    block.refresh_from_db()
    assert block.data["measures"][0]["values"] == [int(v) for v in values]
    preview = logged_in.get(reverse("section-preview", args=[section.pk])).content.decode()
    assert "８０" in preview


def test_counts_form_with_extra_figure(logged_in, section, editor):
    item = svc.item_create(section=section, user=editor, heading="表彰")
    section.refresh_from_db()
    block = svc.block_create(item=item, user=editor, kind="counts")
    data = {
        "version": block.version,
        "op": "save",
        "entry_count": 2,
        "entry-0-label": "自治功労表彰",
        "entry-0-value": "3",
        "entry-0-unit": "人",
        "entry-1-label": "市民表彰",
        "entry-1-value": "２６",
        "entry-1-unit": "人",
        "entry-1-extra_value": "6",
        "entry-1-extra_unit": "団体",
        "entry-1-extra_sep": "、",
        "style": "numbered",
        "columns": "2",
        "flow": "row",
    }
    response = logged_in.post(reverse("block-update", args=[block.pk]), data, **HX)
    assert response.status_code == 200
    preview = logged_in.get(reverse("section-preview", args=[section.pk])).content.decode()
    assert "市民表彰 ２６人、６団体" in preview


def test_presence_shows_who_else_has_the_section_open(client, section, editor, head):
    client.force_login(head)
    client.get(reverse("section-editor", args=[section.pk]))
    client.force_login(editor)
    response = client.post(reverse("section-presence", args=[section.pk]), **HX)
    assert "koshitsu-kacho 氏" in response.content.decode()
    assert "koshitsu-tanto 氏" not in response.content.decode()


def test_staff_home_links_to_the_editor(client, section, editor):
    client.force_login(editor)
    html = client.get(reverse("staff-home")).content.decode()
    assert reverse("section-editor", args=[section.pk]) in html


def test_an_editor_chooses_or_turns_off_a_blocks_chart(logged_in, section, editor):
    item = svc.item_create(section=section, user=editor, heading="月別")
    section.refresh_from_db()
    block = svc.block_create(item=item, user=editor, kind="monthly_table")
    form = logged_in.get(reverse("block-edit", args=[block.pk]), **HX).content.decode()
    assert 'name="chart"' in form and "既定（棒グラフ）" in form and "折れ線グラフ" in form
    data = {
        "version": block.version,
        "op": "save",
        "measure_count": 1,
        "m-0-label": "件数",
        "m-0-unit": "件",
        "summary_sum": "1",
        "split": "1",
        "digits": "half",
        "row_label": "月",
        "chart": "line",
    }
    data.update({f"m-0-v-{k}": str(k + 1) for k in range(12)})
    response = logged_in.post(reverse("block-update", args=[block.pk]), data, **HX)
    assert response.status_code == 200
    block.refresh_from_db()
    assert block.data["chart"] == "line"
    preview = logged_in.get(reverse("section-preview", args=[section.pk])).content.decode()
    assert "<polyline" in preview and "月別の折れ線グラフ" in preview
    data.update(version=block.version, chart="none")
    logged_in.post(reverse("block-update", args=[block.pk]), data, **HX)
    block.refresh_from_db()
    assert block.data["chart"] == "none"
    preview = logged_in.get(reverse("section-preview", args=[section.pk])).content.decode()
    assert "<svg" not in preview
    data.update(version=block.version, chart="pie")
    response = logged_in.post(reverse("block-update", args=[block.pk]), data, **HX)
    assert response.status_code == 400 and "グラフは" in response.content.decode()
    block.refresh_from_db()
    assert block.data["chart"] == "none"  # refused input changes nothing


def test_the_editor_gives_the_preview_a_place_the_clerk_chooses(client, section, editor):
    """Room to edit (issue 16): beside, below or hidden; remembered for the session."""
    client.force_login(editor)
    url = reverse("section-editor", args=[section.pk])
    html = client.get(url).content.decode()
    assert "editor-layout--side" in html and 'id="live-preview"' in html
    assert '<a href="?layout=hidden">隠す</a>' in html

    html = client.get(url + "?layout=hidden").content.decode()
    assert "editor-layout--hidden" in html and 'id="live-preview"' not in html
    assert '<span aria-current="true" class="layout-switch__current">隠す</span>' in html
    html = client.get(url).content.decode()  # remembered
    assert "editor-layout--hidden" in html

    html = client.get(url + "?layout=stacked").content.decode()
    assert "editor-layout--stacked" in html and 'id="live-preview"' in html
    html = client.get(url + "?layout=<script>").content.decode()  # unknown: ignored
    assert (
        "editor-layout--stacked" in html and "<script>" not in html.split("layout-switch")[1][:400]
    )


def test_move_buttons_say_what_they_do(client, section, editor):
    from tests import factories

    item = factories.make_item(section, "見出し")
    factories.make_block(item, "text", {"paragraphs": ["本文"]})
    client.force_login(editor)
    html = client.get(reverse("section-editor", args=[section.pk])).content.decode()
    for word, arrow in (("上へ", "↑"), ("下へ", "↓"), ("階層を上げる", "←"), ("階層を下げる", "→")):
        assert f'<span aria-hidden="true">{arrow}</span> {word}</button>' in html


def test_a_refused_edit_links_back_to_the_section_and_its_review_page(
    logged_in, section, editor, head
):
    from reports.models import Item
    from reports.services import workflow
    from tests.workflow.helpers import fill

    fill(section)
    workflow.section_submit(section=section, user=editor)
    before = Item.objects.filter(section=section).count()
    response = logged_in.post(reverse("item-create", args=[section.pk]), {"heading": "追加"})
    html = response.content.decode()
    assert response.status_code == 403
    assert f'href="/staff/sections/{section.pk}/"' in html
    assert f'href="/staff/sections/{section.pk}/review/"' in html and "課長確認待ち" in html
    assert Item.objects.filter(section=section).count() == before


def test_a_save_tells_the_page_the_sections_new_version(logged_in, section, editor):
    """Submitting straight after one's own save must not be refused as stale: the save's
    response carries the section's new version for the workflow panel's forms."""
    from reports.models import Section

    block = table_block(section, editor)
    before = Section.objects.get(pk=section.pk).version
    response = logged_in.post(
        reverse("block-update", args=[block.pk]), table_post(block, [["秋川駅", "30"]]), **HX
    )
    assert response.status_code == 200
    after = Section.objects.get(pk=section.pk).version
    assert after > before
    assert response["X-Section-Version"] == str(after)
    assert response["HX-Trigger"] == "section-changed"


def test_the_no_script_block_page_sends_no_next_that_cannot_be_opened(logged_in, section, editor):
    """Without JavaScript a save answers the block's page at its POST-only address; the
    workflow panel there must not send the clerk back to it after submitting (405)."""
    block = table_block(section, editor)
    response = logged_in.post(
        reverse("block-update", args=[block.pk]),
        table_post(block, [["秋川駅", "30"]], op="add_row"),
    )
    html = response.content.decode()
    assert response.status_code == 200 and "課長へ提出する" in html
    assert f'name="next" value="/staff/blocks/{block.pk}/"' not in html
    # On the editor (a GET), the panel brings the clerk back there.
    html = logged_in.get(reverse("section-editor", args=[section.pk])).content.decode()
    assert f'name="next" value="/staff/sections/{section.pk}/"' in html
