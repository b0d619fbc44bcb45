"""Every kind of error comes out in the one shape, in Japanese, and never as a 500 or HTML."""

import json

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from akiruno.api import flatten_details
from reports.models import AnnualReport, Department
from tests import factories
from tests.api.conftest import PASSWORD, assert_error


def test_unknown_url_under_the_api_is_a_json_404(anon):
    for method in ("get", "post", "put", "patch", "delete"):
        response = getattr(anon, method)("/api/v1/no-such-thing/")
        assert_error(response, 404, "not_found")


def test_a_missing_trailing_slash_says_so(as_user, editor):
    body = assert_error(as_user(editor).get("/api/v1/sections"), 404, "not_found")
    assert body["details"] == {"path": "URL は「/」で終わります: /api/v1/sections/"}


def test_html_pages_outside_the_api_keep_the_html_404(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_not_authenticated_is_401_with_a_challenge(anon, section):
    response = anon.get("/api/v1/sections/")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


def test_a_bad_token_is_401(anon, section):
    anon.credentials(HTTP_AUTHORIZATION="Token akr_not-a-real-token")
    body = assert_error(anon.get("/api/v1/sections/"), 401, "authentication_failed")
    assert "トークン" in body["message"]


def test_a_malformed_authorization_header_is_401(anon, db):
    anon.credentials(HTTP_AUTHORIZATION="Token two parts")
    assert_error(anon.get("/api/v1/users/me/"), 401, "authentication_failed")


def test_forbidden_is_403_and_writes_nothing(as_user, editor):
    response = as_user(editor).post(
        "/api/v1/departments/", {"code": "new", "name": "新しい課"}, format="json"
    )
    assert_error(response, 403, "forbidden")
    assert not Department.objects.filter(code="new").exists()


def test_session_writes_without_csrf_are_refused(editor):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(editor)
    response = client.post("/api/v1/auth/tokens/", {"name": "x"}, format="json")
    body = assert_error(response, 403, "csrf_failed")
    assert "X-CSRFToken" in body["message"]
    assert not editor.api_tokens.exists()


def test_session_writes_with_the_csrf_token_pass(editor):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(editor)
    client.get("/staff/")  # a page with a form sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/api/v1/auth/tokens/", {"name": "x"}, format="json", HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 201


def test_another_departments_section_is_404_not_403(as_user, other_editor, section):
    assert_error(as_user(other_editor).get(f"/api/v1/sections/{section.pk}/"), 404, "not_found")


def test_missing_objects_and_unreadable_ids_are_404(as_user, reviewer, db):
    client = as_user(reviewer)
    for url in (
        "/api/v1/sections/999999/",
        "/api/v1/sections/abc/",
        "/api/v1/sections/99999999999999999999999/",
        "/api/v1/reports/1999/",
        "/api/v1/departments/nowhere/",
        "/api/v1/events/123/",
    ):
        assert_error(client.get(url), 404, "not_found")


def test_a_page_past_the_end_is_404_with_the_range(as_user, reviewer, section):
    body = assert_error(as_user(reviewer).get("/api/v1/sections/?page=9"), 404, "not_found")
    assert "page" in body["details"]


def test_method_not_allowed_is_405(as_user, reviewer, section):
    response = as_user(reviewer).delete(f"/api/v1/sections/{section.pk}/")
    body = assert_error(response, 405, "method_not_allowed")
    assert "DELETE" in body["message"]


def test_not_acceptable_is_406(as_user, reviewer, section):
    response = as_user(reviewer).get("/api/v1/sections/", HTTP_ACCEPT="text/html")
    assert_error(response, 406, "not_acceptable")


def test_malformed_json_is_400_parse_error(as_user, admin_user):
    response = as_user(admin_user).post(
        "/api/v1/departments/", "{code: x", content_type="application/json"
    )
    body = assert_error(response, 400, "parse_error")
    assert "body" in body["details"]
    assert Department.objects.count() == 0


@pytest.mark.parametrize(
    "payload",
    ["[" * 100_000 + "]" * 100_000, '{"code": NaN}', b'{"name": "\xff"}'],
    ids=["deeply-nested", "nan", "not-utf8"],
)
def test_json_that_python_would_choke_on_is_a_parse_error(as_user, admin_user, payload):
    response = as_user(admin_user).post(
        "/api/v1/departments/", payload, content_type="application/json"
    )
    assert_error(response, 400, "parse_error")


def test_wrong_types_and_unknown_fields_are_all_reported_at_once(as_user, admin_user):
    response = as_user(admin_user).post(
        "/api/v1/departments/",
        {"code": "ok-code", "name": ["not", "a", "string"], "display_order": "first", "colour": 1},
        format="json",
    )
    body = assert_error(response, 400, "invalid")
    assert set(body["details"]) == {"name", "display_order", "colour"}
    assert "受け付けません" in body["details"]["colour"]
    assert "3件" in body["message"]
    assert Department.objects.count() == 0


def test_a_body_that_is_not_an_object_is_400(as_user, admin_user):
    response = as_user(admin_user).post("/api/v1/departments/", [1, 2], format="json")
    assert_error(response, 400, "invalid")


def test_read_only_fields_cannot_be_sent(as_user, admin_user, koshitsu):
    client = as_user(admin_user)
    etag = client.get(f"/api/v1/departments/{koshitsu.code}/")["ETag"]
    response = client.patch(
        f"/api/v1/departments/{koshitsu.code}/", {"id": 99}, format="json", HTTP_IF_MATCH=etag
    )
    body = assert_error(response, 400, "invalid")
    assert "読み取り専用" in body["details"]["id"]


def test_unsupported_media_type_is_415(as_user, admin_user):
    response = as_user(admin_user).post(
        "/api/v1/departments/", "code=x&name=y", content_type="application/x-www-form-urlencoded"
    )
    assert_error(response, 415, "unsupported_media_type")
    assert Department.objects.count() == 0


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_an_oversized_body_is_413_and_never_read(as_user, admin_user):
    payload = json.dumps({"code": "big", "name": "x" * 5000})
    response = as_user(admin_user).post(
        "/api/v1/departments/", payload, content_type="application/json"
    )
    body = assert_error(response, 413, "payload_too_large")
    assert "上限" in body["message"]
    assert Department.objects.count() == 0


def test_a_write_without_if_match_is_428(as_user, admin_user, koshitsu):
    response = as_user(admin_user).patch(
        f"/api/v1/departments/{koshitsu.code}/", {"name": "改称"}, format="json"
    )
    assert_error(response, 428, "precondition_required")
    koshitsu.refresh_from_db()
    assert koshitsu.name == "市長公室"


def test_a_stale_if_match_is_412_and_changes_nothing(as_user, admin_user, koshitsu):
    response = as_user(admin_user).patch(
        f"/api/v1/departments/{koshitsu.code}/",
        {"name": "改称"},
        format="json",
        HTTP_IF_MATCH='"h0000"',
    )
    body = assert_error(response, 412, "precondition_failed")
    assert "If-Match" in body["details"]
    koshitsu.refresh_from_db()
    assert koshitsu.name == "市長公室"


def test_a_domain_conflict_is_409(as_user, admin_user, report):
    AnnualReport.objects.filter(pk=report.pk).update(state=AnnualReport.State.APPROVED)
    client = as_user(admin_user)
    etag = client.get("/api/v1/reports/2024/")["ETag"]
    response = client.patch(
        "/api/v1/reports/2024/", {"title": "変更"}, format="json", HTTP_IF_MATCH=etag
    )
    body = assert_error(response, 409, "conflict")
    assert "承認済" in body["message"]
    report.refresh_from_db()
    assert report.title != "変更"


def test_throttled_is_429_with_retry_after(anon, editor, monkeypatch):
    from akiruno.api import LoginRateThrottle

    monkeypatch.setattr(LoginRateThrottle, "rate", "2/min", raising=False)
    payload = {"username": editor.username, "password": PASSWORD}
    for _ in range(2):
        assert anon.post("/api/v1/auth/token/", payload, format="json").status_code == 201
    response = anon.post("/api/v1/auth/token/", payload, format="json")
    body = assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0
    assert "秒ほど待って" in body["message"]
    assert editor.api_tokens.count() == 2


def test_an_unexpected_error_is_a_json_500_in_the_shape(as_user, reviewer, section, monkeypatch):
    from reports import apis

    def boom(self, request, *args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(apis.SectionViewSet, "list", boom)
    client = as_user(reviewer)
    client.raise_request_exception = False
    response = client.get("/api/v1/sections/")
    assert_error(response, 500, "server_error")


def test_details_flatten_nested_places_to_json_pointers():
    nested = {
        "name": ["必須です。", "短すぎます。"],
        "items": [{}, {"heading": ["長すぎます。"]}],
        "/rows/3/amount": "整数で入力してください。",
        "non_field_errors": ["全体の誤り。"],
    }
    assert flatten_details(nested) == {
        "name": "必須です。 短すぎます。",
        "/items/1/heading": "長すぎます。",
        "/rows/3/amount": "整数で入力してください。",
        "non_field_errors": "全体の誤り。",
    }


def test_the_error_shape_holds_for_a_domain_invalid_input(as_user, admin_user):
    factories.make_report(2024)
    response = as_user(admin_user).post("/api/v1/reports/", {"fiscal_year": 2024}, format="json")
    body = assert_error(response, 400, "invalid")
    assert "既にあります" in body["message"]
    assert "fiscal_year" in body["details"]


def test_the_public_api_has_its_namespace_and_throttle_scope(anon, db):
    from django.urls import reverse

    from akiruno.api import PublicRateThrottle

    assert PublicRateThrottle.scope == "public"
    assert PublicRateThrottle().rate == "120/min"
    assert reverse("api:root") == "/api/v1/"
    assert reverse("api:public:report-list") == "/api/v1/public/reports/"
    assert anon.get("/api/v1/public/reports/").json() == {"count": 0, "results": []}
    assert_error(anon.get("/api/v1/public/reports/2024/"), 404, "not_found")


def test_an_unsafe_action_without_a_named_policy_action_is_refused(rf, editor):
    """A new write endpoint that forgets `policy_actions` is closed, not open."""
    from rest_framework.views import APIView

    from akiruno.api import PolicyPermission
    from akiruno.exceptions import PermissionDenied

    class Forgetful(APIView):
        def policy_prototype(self):
            return Department()

        def post(self, request):  # pragma: no cover (never reached)
            raise AssertionError

    request = rf.post("/api/v1/x/")
    request.user = editor
    with pytest.raises(PermissionDenied):
        PolicyPermission().has_permission(request, Forgetful())
    request.user = factories.make_user("root", admin=True)
    with pytest.raises(PermissionDenied):  # even an administrator: "deny" is no rule
        PolicyPermission().has_permission(request, Forgetful())


def test_a_method_a_view_does_not_handle_is_405_not_403(as_user, editor):
    assert_error(
        as_user(editor).post("/api/v1/users/me/", {}, format="json"), 405, "method_not_allowed"
    )


def test_finance_routes_do_not_shadow_each_other_and_odd_years_are_400(as_user, admin_user):
    """Found by schemathesis: /finance/0/5/ reached the create view (405) and
    /finance/0/start/ raised while naming the year in 和暦 (500)."""
    client = as_user(admin_user)
    assert_error(client.get("/api/v1/finance/0/5/"), 404, "not_found")
    assert_error(client.post("/api/v1/finance/0/start/", {}, format="json"), 400, "invalid")
    # Bonds check loan dates up to the May after the year: year 23775 was a 500 on create.
    for year in (23775, 9999):
        for response in (
            client.post(f"/api/v1/finance/{year}/bonds/", {"data": {}}, format="json"),
            client.put(f"/api/v1/finance/{year}/", {}, format="json"),
            client.post(f"/api/v1/finance/{year}/start/", {}, format="json"),
        ):
            assert set(assert_error(response, 400, "invalid")["details"]) == {"year"}
    assert client.get("/api/v1/finance/23775/").status_code in {200, 404}
