"""Token lifecycle: issue for a password, use, list, revoke (owner, administrator), expiry,
and the login throttle shared with the HTML login page."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from akiruno.models import ApiToken, token_digest
from akiruno.tokens import token_create
from tests.api.conftest import PASSWORD, assert_error

TOKEN_URL = "/api/v1/auth/token/"


def issue(client, user, password=PASSWORD, **extra):
    return client.post(
        TOKEN_URL, {"username": user.username, "password": password, **extra}, format="json"
    )


def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_password_gets_a_token_that_authenticates(anon, editor):
    response = issue(anon, editor, name="集計スクリプト")
    assert response.status_code == 201
    body = response.json()
    assert body["token"].startswith("akr_")
    assert body["name"] == "集計スクリプト"
    assert body["user"]["username"] == editor.username
    me = with_token(body["token"]).get("/api/v1/users/me/")
    assert me.status_code == 200
    assert me.json()["username"] == editor.username


def test_only_a_digest_of_the_key_is_stored(anon, editor):
    key = issue(anon, editor).json()["token"]
    token = ApiToken.objects.get()
    assert token.digest == token_digest(key)
    assert key not in {token.digest, token.prefix, token.name}
    assert key.startswith(token.prefix)


def test_the_key_is_never_listed_again(as_user, anon, editor):
    key = issue(anon, editor).json()["token"]
    listing = with_token(key).get("/api/v1/auth/tokens/").json()
    assert key not in str(listing)
    assert {"token"} & set(listing["results"][0]) == set()


def test_a_wrong_password_is_refused_and_no_token_is_made(anon, editor):
    body = assert_error(issue(anon, editor, password="wrong"), 400, "invalid_credentials")
    assert "パスワード" in body["message"]
    assert not ApiToken.objects.exists()


def test_an_inactive_user_gets_no_token_and_their_tokens_stop_working(anon, editor):
    key = issue(anon, editor).json()["token"]
    editor.is_active = False
    editor.save()
    assert_error(issue(anon, editor), 400, "invalid_credentials")
    assert_error(with_token(key).get("/api/v1/users/me/"), 401, "authentication_failed")


def test_an_expired_token_is_refused(anon, editor):
    key = issue(anon, editor).json()["token"]
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    body = assert_error(with_token(key).get("/api/v1/users/me/"), 401, "authentication_failed")
    assert "有効期限" in body["message"]


def test_a_stale_token_does_not_block_asking_for_a_new_one(anon, editor):
    anon.credentials(HTTP_AUTHORIZATION="Token akr_revoked")
    assert issue(anon, editor).status_code == 201


def test_delete_revokes_the_token_in_use_only(anon, editor):
    first = issue(anon, editor, name="one").json()["token"]
    second = issue(anon, editor, name="two").json()["token"]
    assert with_token(first).delete(TOKEN_URL).status_code == 204
    assert_error(with_token(first).get("/api/v1/users/me/"), 401, "authentication_failed")
    assert with_token(second).get("/api/v1/users/me/").status_code == 200


def test_delete_with_a_session_names_the_way_to_revoke(editor):
    client = APIClient()
    client.force_login(editor)
    body = assert_error(client.delete(TOKEN_URL), 400, "invalid")
    assert "/api/v1/auth/tokens/" in body["message"]


def test_owners_list_and_revoke_their_own_tokens(as_user, editor, other_editor):
    client = as_user(editor)
    theirs = ApiToken.objects.get(user=editor)
    mine_too, _ = factories_token(editor, "second")
    other, _ = factories_token(other_editor, "someone else's")
    listing = client.get("/api/v1/auth/tokens/").json()
    assert {t["id"] for t in listing["results"]} == {theirs.pk, mine_too.pk}
    assert_error(client.get(f"/api/v1/auth/tokens/{other.pk}/"), 404, "not_found")
    assert_error(client.delete(f"/api/v1/auth/tokens/{other.pk}/"), 404, "not_found")
    assert ApiToken.objects.filter(pk=other.pk).exists()
    assert client.delete(f"/api/v1/auth/tokens/{mine_too.pk}/").status_code == 204
    assert not ApiToken.objects.filter(pk=mine_too.pk).exists()


def test_administrators_list_and_revoke_anyones_token(as_user, admin_user, editor, other_editor):
    token, key = factories_token(editor, "editor's tool")
    factories_token(other_editor, "other tool")
    client = as_user(admin_user)
    everyone = client.get("/api/v1/auth/tokens/").json()
    assert everyone["count"] == 3  # the admin's own, and two
    only_editor = client.get(f"/api/v1/auth/tokens/?user={editor.username}").json()
    assert [t["id"] for t in only_editor["results"]] == [token.pk]
    assert client.delete(f"/api/v1/auth/tokens/{token.pk}/").status_code == 204
    assert_error(with_token(key).get("/api/v1/users/me/"), 401, "authentication_failed")


def test_a_logged_in_user_can_issue_a_named_token(as_user, reviewer):
    response = as_user(reviewer).post("/api/v1/auth/tokens/", {"name": "審査集計"}, format="json")
    assert response.status_code == 201
    assert response.json()["name"] == "審査集計"
    assert with_token(response.json()["token"]).get("/api/v1/users/me/").status_code == 200


def test_tokens_per_user_are_limited(as_user, editor, settings):
    settings.API_TOKENS_PER_USER = 2
    client = as_user(editor)  # the first
    assert client.post("/api/v1/auth/tokens/", {}, format="json").status_code == 201
    body = assert_error(client.post("/api/v1/auth/tokens/", {}, format="json"), 409, "conflict")
    assert "2件まで" in body["message"]
    assert ApiToken.objects.filter(user=editor).count() == 2


def test_last_use_is_recorded(anon, editor):
    key = issue(anon, editor).json()["token"]
    assert ApiToken.objects.get().last_used_at is None
    with_token(key).get("/api/v1/users/me/")
    assert ApiToken.objects.get().last_used_at is not None


def test_anonymous_cannot_list_tokens(anon, db):
    assert_error(anon.get("/api/v1/auth/tokens/"), 401, "not_authenticated")


# -- the login throttle, shared with the HTML login ------------------------------------------


def test_repeated_failures_lock_the_api_even_with_the_right_password(anon, editor, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        assert_error(issue(anon, editor, password="wrong"), 400, "invalid_credentials")
    response = issue(anon, editor)
    body = assert_error(response, 429, "throttled")
    assert "一時的にログインできません" in body["message"]
    assert int(response["Retry-After"]) == settings.LOGIN_FAILURE_WINDOW_SECONDS
    assert not ApiToken.objects.exists()


def test_api_failures_lock_the_html_login(anon, client, editor, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        issue(anon, editor, password="wrong")
    response = client.post("/accounts/login/", {"username": editor.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_html_login_failures_lock_the_api(anon, client, editor, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post("/accounts/login/", {"username": editor.username, "password": "wrong"})
    assert_error(issue(anon, editor), 429, "throttled")


def test_a_success_clears_the_failures(anon, editor, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(2):
        issue(anon, editor, password="wrong")
    assert issue(anon, editor).status_code == 201
    for _ in range(2):
        issue(anon, editor, password="wrong")
    assert issue(anon, editor).status_code == 201


@pytest.mark.parametrize(
    "payload", [{}, {"username": "x"}, {"username": "x", "password": "y", "extra": 1}]
)
def test_token_requests_are_validated(anon, db, payload):
    assert_error(anon.post(TOKEN_URL, payload, format="json"), 400, "invalid")


def factories_token(user, name):
    return token_create(user=user, name=name)
