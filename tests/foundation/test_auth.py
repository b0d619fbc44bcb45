"""Login, logout, failed-login throttling and CSRF on the staff side."""

import pytest
from django.core.cache import cache
from django.test import Client

from reports.models import User
from tests import factories

PASSWORD = "pass-for-tests-1234"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def test_login_shows_department_and_role_on_staff_home(client, editor):
    response = client.post("/accounts/login/", {"username": editor.username, "password": PASSWORD})
    assert response.status_code == 302
    page = client.get("/staff/").content.decode()
    assert "市長公室" in page and "担当者" in page


def test_staff_pages_require_login(client, db):
    response = client.get("/staff/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_failed_logins_are_throttled_even_with_the_right_password(client, editor, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        response = client.post(
            "/accounts/login/", {"username": editor.username, "password": "wrong"}
        )
        assert response.status_code == 200
    response = client.post("/accounts/login/", {"username": editor.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "一時的にログインできません" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_throttle_counts_per_address_too(client, db, settings):
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 2
    factories.make_user("someone", editor=True)
    for name in ("a", "b"):
        client.post("/accounts/login/", {"username": name, "password": "x"})
    response = client.post("/accounts/login/", {"username": "someone", "password": PASSWORD})
    assert response.status_code == 429


def test_success_clears_the_failure_count(client, editor, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(2):
        client.post("/accounts/login/", {"username": editor.username, "password": "wrong"})
    assert (
        client.post(
            "/accounts/login/", {"username": editor.username, "password": PASSWORD}
        ).status_code
        == 302
    )
    client.logout()
    for _ in range(2):
        client.post("/accounts/login/", {"username": editor.username, "password": "wrong"})
    assert (
        client.post(
            "/accounts/login/", {"username": editor.username, "password": PASSWORD}
        ).status_code
        == 302
    )


def test_login_form_enforces_csrf(db, editor):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/accounts/login/", {"username": editor.username, "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in strict.session


def test_logout_is_post_only_and_ends_the_session(client, editor):
    client.force_login(editor)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_inactive_user_cannot_log_in(client, editor):
    User.objects.filter(pk=editor.pk).update(is_active=False)
    response = client.post("/accounts/login/", {"username": editor.username, "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
