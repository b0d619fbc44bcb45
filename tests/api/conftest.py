"""API test helpers: clients authenticated the way tools are (a token), and workflow records."""

from __future__ import annotations

import hashlib

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from akiruno.tokens import token_create
from reports.models import Section, SectionEvent, SectionSnapshot
from tests import factories

PASSWORD = "pass-for-tests-1234"


@pytest.fixture(autouse=True)
def _clear_cache():
    """Throttles and login-failure counts live in the cache: no test inherits another's."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def anon() -> APIClient:
    return APIClient()


@pytest.fixture
def as_user(db):
    """as_user(user) → an APIClient sending `Authorization: Token …` for that user."""

    def make(user) -> APIClient:
        _, key = token_create(user=user, name="tests")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return make


@pytest.fixture
def other_section(report, zaisei) -> Section:
    return factories.make_section(zaisei, report)


def make_event(
    section: Section,
    actor,
    action: str = SectionEvent.Action.SUBMIT,
    *,
    from_state: str = Section.State.DRAFT,
    to_state: str = Section.State.AWAITING_HEAD,
    comment: str = "",
) -> SectionEvent:
    """A workflow event with its snapshot, as the workflow services will write them."""
    content = {"department": section.department.code, "items": []}
    snapshot = SectionSnapshot.objects.create(
        section=section,
        section_version=section.version,
        content=content,
        checksum=hashlib.sha256(repr(content).encode()).hexdigest(),
    )
    return SectionEvent.objects.create(
        section=section,
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor=actor,
        comment=comment,
        snapshot=snapshot,
        section_version=section.version,
    )


def assert_error(response, status: int, code: str) -> dict:
    """The one error shape: {"code", "message" (Japanese), "details" {place: message}}."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == code
    assert isinstance(body["details"], dict)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in body["details"].items())
    assert any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in body["message"])
    return body
