"""Lockout per account and per address (behind a trusted proxy), the wait in minutes, unlocks."""

import io
import time

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from akiruno.models import ApiToken, LoginEvent
from reports.models import User
from tests import factories

PASSWORD = "pass-for-tests-1234"
PROXY = "10.0.0.5"
LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def _behind_proxy(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 5
    settings.LOGIN_LOCKOUT_SECONDS = 600


def at(ip: str) -> dict:
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": ip}


def fail(client, username: str, ip: str):
    return client.post(LOGIN, {"username": username, "password": "wrong"}, **at(ip))


def test_an_account_locks_from_any_address_and_says_how_long(client, db):
    user = factories.make_user("tanto", editor=True)
    for n in range(3):
        assert fail(client, "tanto", f"198.51.100.{n}").status_code == 200
    response = client.post(LOGIN, {"username": "tanto", "password": PASSWORD}, **at("192.0.2.1"))
    assert response.status_code == 429
    page = response.content.decode()
    assert "一時的にログインできません" in page and "あと10分" in page
    assert int(response["Retry-After"]) in (599, 600)
    assert "_auth_user_id" not in client.session
    user.refresh_from_db()
    assert user.last_login is None
    # another account from the same addresses is not affected
    factories.make_user("other", editor=True)
    ok = client.post(LOGIN, {"username": "other", "password": PASSWORD}, **at("198.51.100.0"))
    assert ok.status_code == 302


def test_the_minutes_left_go_down(client, db, monkeypatch):
    factories.make_user("tanto", editor=True)
    for _ in range(3):
        fail(client, "tanto", "198.51.100.1")
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 7 * 60 + 30)
    response = client.post(LOGIN, {"username": "tanto", "password": PASSWORD}, **at("192.0.2.1"))
    assert response.status_code == 429 and "あと3分" in response.content.decode()


def test_an_address_locks_for_every_account_but_only_that_address(client, db):
    factories.make_user("honest", editor=True)
    for n in range(5):
        fail(client, f"guess{n}", "203.0.113.66")
    locked = client.post(LOGIN, {"username": "honest", "password": PASSWORD}, **at("203.0.113.66"))
    assert locked.status_code == 429 and "_auth_user_id" not in client.session
    ok = client.post(LOGIN, {"username": "honest", "password": PASSWORD}, **at("198.51.100.20"))
    assert ok.status_code == 302


def test_lockout_is_logged_once_and_refused_attempts_each_time(client, db):
    user = factories.make_user("tanto", editor=True)
    for _ in range(4):
        fail(client, "tanto", "198.51.100.1")
    kinds = list(LoginEvent.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == ["login_failed"] * 3 + ["lockout", "login_locked"]
    lockout = LoginEvent.objects.get(kind="lockout")
    assert lockout.user == user and lockout.address == "198.51.100.1"
    assert "アカウント" in lockout.detail


def test_the_api_shares_the_lockout_and_states_the_wait(db):
    factories.make_user("tanto", editor=True)
    api = APIClient()
    url = "/api/v1/auth/token/"
    for _ in range(3):
        api.post(url, {"username": "tanto", "password": "x"}, format="json", **at("198.51.100.1"))
    response = api.post(
        url, {"username": "tanto", "password": PASSWORD}, format="json", **at("198.51.100.1")
    )
    assert response.status_code == 429
    assert "あと10分" in response.json()["message"]
    assert not ApiToken.objects.exists()


# -- unlock ---------------------------------------------------------------------------------


def test_unlock_login_command_lifts_an_account_lock_and_is_recorded(client, db):
    factories.make_user("tanto", editor=True)
    for _ in range(3):
        fail(client, "tanto", "198.51.100.1")
    out = io.StringIO()
    call_command("unlock_login", "tanto", stdout=out)
    assert "ロックを解除しました" in out.getvalue()
    ok = client.post(LOGIN, {"username": "tanto", "password": PASSWORD}, **at("198.51.100.1"))
    assert ok.status_code == 302
    unlock = LoginEvent.objects.get(kind="unlock")
    assert unlock.username == "tanto" and "管理コマンド" in unlock.detail


def test_unlock_login_command_lifts_an_address_lock(client, db):
    factories.make_user("honest", editor=True)
    for n in range(5):
        fail(client, f"guess{n}", "203.0.113.66")
    call_command("unlock_login", "--address", "203.0.113.66", stdout=io.StringIO())
    ok = client.post(LOGIN, {"username": "honest", "password": PASSWORD}, **at("203.0.113.66"))
    assert ok.status_code == 302


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody"], "登録されていません"),
        ([], "指定してください"),
        (["--address", "not-an-ip"], "IPアドレスではありません"),
    ],
)
def test_unlock_login_refuses_bad_input_and_changes_nothing(client, db, args, message):
    factories.make_user("tanto", editor=True)
    for _ in range(3):
        fail(client, "tanto", "198.51.100.1")
    before = LoginEvent.objects.count()
    with pytest.raises(CommandError, match=message):
        call_command("unlock_login", *args, stdout=io.StringIO())
    assert LoginEvent.objects.count() == before
    locked = client.post(LOGIN, {"username": "tanto", "password": PASSWORD}, **at("198.51.100.1"))
    assert locked.status_code == 429


def test_the_admin_action_unlocks_for_administrators(client, db):
    admin = factories.make_user("kanri", admin=True)
    user = factories.make_user("tanto", editor=True)
    for _ in range(3):
        fail(client, "tanto", "198.51.100.1")
    client.force_login(admin)
    response = client.post(
        "/admin/reports/user/",
        {"action": "unlock_login", "_selected_action": [user.pk]},
    )
    assert response.status_code == 302
    client.logout()
    cache_keys_cleared = client.post(
        LOGIN, {"username": "tanto", "password": PASSWORD}, **at("198.51.100.1")
    )
    assert cache_keys_cleared.status_code == 302
    unlock = LoginEvent.objects.get(kind="unlock")
    assert unlock.actor == admin and unlock.user == user and "管理画面" in unlock.detail


def test_a_staff_admin_without_administrator_role_cannot_unlock(client, db):
    clerk = factories.make_user("clerk", editor=True)
    User.objects.filter(pk=clerk.pk).update(is_staff=True)
    from django.contrib.auth.models import Permission

    clerk.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "change_user"])
    )
    user = factories.make_user("tanto", editor=True)
    for _ in range(3):
        fail(client, "tanto", "198.51.100.1")
    client.force_login(clerk)
    client.post("/admin/reports/user/", {"action": "unlock_login", "_selected_action": [user.pk]})
    client.logout()
    assert not LoginEvent.objects.filter(kind="unlock").exists()
    locked = client.post(LOGIN, {"username": "tanto", "password": PASSWORD}, **at("198.51.100.1"))
    assert locked.status_code == 429


def test_a_lock_expires_by_itself(client, db, monkeypatch):
    factories.make_user("tanto", editor=True)
    for _ in range(3):
        fail(client, "tanto", "198.51.100.1")
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 601)
    ok = client.post(LOGIN, {"username": "tanto", "password": PASSWORD}, **at("198.51.100.1"))
    assert ok.status_code == 302


# -- password validators ----------------------------------------------------------------------


def test_passwords_need_twelve_characters_and_not_only_digits(db):
    user = factories.make_user("tanto", editor=True)
    for weak in ["short-pw1", "123456789012", "password1234"]:
        with pytest.raises(ValidationError):
            validate_password(weak, user)
    validate_password("kawa-no-nagare-42", user)
    validate_password("akiruno-demo")  # the demo password still qualifies
    validate_password(PASSWORD)  # and the tests' factories' password


def test_an_ipv6_attacker_cannot_escape_by_rotating_within_its_64(client, db):
    factories.make_user("honest", editor=True)
    for n in range(5):
        fail(client, f"guess{n}", f"2001:db8:1:2::{n + 1:x}")
    locked = client.post(
        LOGIN, {"username": "honest", "password": PASSWORD}, **at("2001:db8:1:2::ffff")
    )
    assert locked.status_code == 429
    ok = client.post(LOGIN, {"username": "honest", "password": PASSWORD}, **at("2001:db8:1:3::1"))
    assert ok.status_code == 302
    call_command("unlock_login", "--address", "2001:db8:1:2::abcd", stdout=io.StringIO())
    client.logout()
    again = client.post(
        LOGIN, {"username": "honest", "password": PASSWORD}, **at("2001:db8:1:2::ffff")
    )
    assert again.status_code == 302
