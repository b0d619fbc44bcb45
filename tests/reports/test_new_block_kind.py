"""Adding a block kind is one module and one template (docs/architecture.md, "Adding a block kind").

The throwaway kind below is all a new kind needs: a registered class with a template. Without
any other change it is cleaned, offered in the "add a block" menu, edited by the generic form,
printed, searched, diffed, listed in the JSON Schema and saved through the content services.
"""

from typing import Any

import pytest
from django.urls import reverse

from reports import blocks
from reports.blocks import BlockKind, Problem, editing
from reports.diff import content_lines
from reports.schema import build_schema
from reports.selectors_content import kind_choices
from reports.services import content as content_services
from reports.tree import render_tree
from tests import factories

TEMPLATE = "blocks/throwaway_stamp.html"


class StampBlock(BlockKind):
    """A one-line 押印欄 note: {"text": "..."}."""

    kind = "throwaway_stamp"
    label = "押印欄"
    template_name = TEMPLATE
    schema = {
        "type": "object",
        "properties": {"text": {"type": "string"}},
        "additionalProperties": False,
    }

    def clean(self, data: Any) -> dict:
        from akiruno import cleaning

        errors = cleaning.Errors()
        data = cleaning.block_data(data, errors)
        text = cleaning.text(data.get("text"), "/text", errors, what="押印欄", limit=50)
        errors.raise_if_any(self.label)
        return {"text": text}

    def strict_problems(self, data: dict, resolved: Any) -> list[Problem]:
        return [] if data["text"] else [Problem("/text", "押印欄が空です。")]


@pytest.fixture
def stamp_kind(settings):
    engine = dict(settings.TEMPLATES[0])
    options = dict(engine.get("OPTIONS", {}))
    options.pop("loaders", None)
    engine["APP_DIRS"] = False
    options["loaders"] = [
        (
            "django.template.loaders.locmem.Loader",
            {TEMPLATE: '<p class="stamp">{{ view.data.text }}</p>'},
        ),
        "django.template.loaders.filesystem.Loader",
        "django.template.loaders.app_directories.Loader",
    ]
    engine["OPTIONS"] = options
    settings.TEMPLATES = [engine, *settings.TEMPLATES[1:]]
    blocks.register(StampBlock)
    yield blocks.get(StampBlock.kind)
    blocks._registry.pop(StampBlock.kind)


def test_a_registered_kind_is_offered_edited_printed_searched_and_in_the_schema(stamp_kind):
    assert (StampBlock.kind, "押印欄") in kind_choices()
    assert editing.editor_for(StampBlock.kind) is editing.GENERIC
    assert stamp_kind.clean({"text": " 市長印 "}) == {"text": "市長印"}

    content = {
        "items": [
            {
                "heading": "押印",
                "blocks": [{"kind": StampBlock.kind, "data": {"text": "市長印"}}],
                "children": [],
            }
        ]
    }
    [item] = render_tree(content)
    assert item.blocks[0].template_name == TEMPLATE
    assert stamp_kind.search_text(item.blocks[0].view, depth=1) == "市長印"
    assert "１ 押印" in content_lines(content)[0]

    schema = build_schema()
    assert StampBlock.kind in schema["$defs"]["block"]["properties"]["kind"]["enum"]
    assert schema["$defs"][f"{StampBlock.kind}_data"] == StampBlock.schema


def test_a_registered_kind_is_saved_by_the_services_and_opens_in_the_editor(
    stamp_kind, client, editor, section
):
    item = factories.make_item(section, "押印")
    block = content_services.block_create(item=item, user=editor, kind=StampBlock.kind)
    block = content_services.block_update(
        block=block, user=editor, data={"text": "市長印"}, expected_version=block.version
    )
    assert block.data == {"text": "市長印"}

    client.force_login(editor)
    page = client.get(reverse("section-editor", args=[section.pk]))
    assert page.status_code == 200
    assert "押印欄" in page.content.decode()
