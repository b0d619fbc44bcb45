"""Sessions: idle timeout and absolute lifetime (frozen clock), sign-out everywhere, key rotation
on sign-in and on a change of roles, password change, cookie flags."""

import datetime as dt

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client

from akiruno.models import LoginEvent
from reports.models import User
from tests import factories

PASSWORD = "pass-for-tests-1234"
START = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)


def signed_in(user) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


# -- idle timeout and absolute lifetime -------------------------------------------------------


def test_an_idle_session_ends_after_thirty_minutes(db):
    user = factories.make_user("tanto", editor=True)
    with time_machine.travel(START, tick=False) as clock:
        client = signed_in(user)
        clock.shift(dt.timedelta(minutes=29))
        assert client.get("/staff/").status_code == 200  # activity renews the idle clock
        clock.shift(dt.timedelta(minutes=29))
        assert client.get("/staff/").status_code == 200
        clock.shift(dt.timedelta(minutes=31))
        response = client.get("/staff/")
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        assert "_auth_user_id" not in client.session
        page = client.get(response["Location"]).content.decode()
        assert "30分間操作がなかったため、自動的にログアウトしました" in page
    event = LoginEvent.objects.get(kind="session_expired")
    assert event.user == user


def test_the_idle_timeout_is_configurable(db, settings):
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 300
    user = factories.make_user("tanto", editor=True)
    with time_machine.travel(START, tick=False) as clock:
        client = signed_in(user)
        clock.shift(dt.timedelta(minutes=4))
        assert client.get("/staff/").status_code == 200
        clock.shift(dt.timedelta(minutes=6))
        assert client.get("/staff/").status_code == 302


def test_an_active_session_still_ends_at_its_absolute_lifetime(db, settings):
    settings.SESSION_ABSOLUTE_LIFETIME_SECONDS = 2 * 60 * 60
    user = factories.make_user("tanto", editor=True)
    with time_machine.travel(START, tick=False) as clock:
        client = signed_in(user)
        for _ in range(7):  # every 20 minutes for 2h20m
            clock.shift(dt.timedelta(minutes=20))
            last = client.get("/staff/")
        assert last.status_code == 302
        page = client.get(last["Location"]).content.decode()
        assert "ログインから2時間が過ぎたため" in page


def test_reading_pages_writes_the_session_at_most_once_a_minute(db):
    user = factories.make_user("tanto", editor=True)
    with time_machine.travel(START, tick=False) as clock:
        client = signed_in(user)
        stored = Session.objects.get().session_data
        clock.shift(dt.timedelta(seconds=30))
        client.get("/staff/")
        assert Session.objects.get().session_data == stored
        clock.shift(dt.timedelta(seconds=40))
        client.get("/staff/")
        assert Session.objects.get().session_data != stored


def test_session_cookie_is_httponly_lax_and_ends_with_the_browser(db):
    user = factories.make_user("tanto", editor=True)
    client = signed_in(user)
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert not cookie["max-age"] and not cookie["expires"]


def test_production_cookies_are_secure():
    import importlib
    import os

    env = {"SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "jimuhokoku.example.jp"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        production = importlib.import_module("akiruno.settings.production")
        production = importlib.reload(production)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    assert production.SESSION_COOKIE_SECURE and production.CSRF_COOKIE_SECURE
    assert production.SESSION_COOKIE_HTTPONLY
    assert production.SESSION_COOKIE_SAMESITE == "Lax" and production.CSRF_COOKIE_SAMESITE == "Lax"
    assert production.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert production.SESSION_IDLE_TIMEOUT_SECONDS == 1800


# -- rotation ---------------------------------------------------------------------------------


def test_sign_in_gives_the_session_a_new_key(db):
    user = factories.make_user("tanto", editor=True)
    client = Client()
    session = client.session
    session["before-login"] = True
    session.save()
    before = session.session_key
    client.cookies["sessionid"] = before
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert client.session.session_key != before
    assert not Session.objects.filter(session_key=before).exists()


def test_a_change_of_roles_renews_the_users_session_key(db):
    user = factories.make_user("tanto", editor=True)
    client = signed_in(user)
    before = client.session.session_key
    user = User.objects.get(pk=user.pk)
    user.is_head = True  # a role that needs no second factor: the same page stays open
    user.save()
    assert client.get("/staff/").status_code == 200  # still signed in …
    after = client.session.session_key
    assert after != before  # … under a new key
    assert not Session.objects.filter(session_key=before).exists()
    event = LoginEvent.objects.get(kind="privilege_changed")
    assert event.user == user and "is_head" in event.detail


def test_saving_without_a_change_of_roles_keeps_the_key(db):
    user = factories.make_user("tanto", editor=True)
    client = signed_in(user)
    before = client.session.session_key
    user = User.objects.get(pk=user.pk)
    user.full_name = "田中"
    user.save()
    client.get("/staff/")
    assert client.session.session_key == before
    assert not LoginEvent.objects.filter(kind="privilege_changed").exists()


# -- sign out everywhere ----------------------------------------------------------------------


def test_sign_out_everywhere_ends_every_session_of_the_user_only(db):
    user = factories.make_user("tanto", editor=True)
    other = factories.make_user("other", editor=True)
    laptop, phone, colleague = signed_in(user), signed_in(user), signed_in(other)
    response = laptop.post("/accounts/sign-out-everywhere/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for client in (laptop, phone):
        assert client.get("/staff/").status_code == 302
    assert colleague.get("/staff/").status_code == 200
    event = LoginEvent.objects.get(kind="sessions_revoked")
    assert event.user == user and "1件" in event.detail


def test_sign_out_everywhere_is_post_only_and_needs_a_sign_in(db):
    user = factories.make_user("tanto", editor=True)
    client = signed_in(user)
    assert client.get("/accounts/sign-out-everywhere/").status_code == 405
    assert client.get("/staff/").status_code == 200
    anon = Client()
    response = anon.post("/accounts/sign-out-everywhere/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not LoginEvent.objects.filter(kind="sessions_revoked").exists()


def test_staff_home_offers_the_button(db):
    user = factories.make_user("tanto", editor=True)
    page = signed_in(user).get("/staff/").content.decode()
    assert (
        "すべての端末からログアウト" in page and 'action="/accounts/sign-out-everywhere/"' in page
    )


# -- password change --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("new", "message"),
    [("short-1", "短すぎます"), ("123456789012345", "数字だけ"), ("password1234", "よく使われる")],
)
def test_a_weak_new_password_is_refused_and_nothing_changes(db, new, message):
    user = factories.make_user("tanto", editor=True)
    client = signed_in(user)
    before = User.objects.get(pk=user.pk).password
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert User.objects.get(pk=user.pk).password == before
    assert not LoginEvent.objects.filter(kind="password_changed").exists()


def test_a_password_change_keeps_this_session_ends_the_others_and_is_recorded(db):
    user = factories.make_user("tanto", editor=True)
    here, elsewhere = signed_in(user), signed_in(user)
    new = "kawa-no-nagare-2026"
    response = here.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert here.get("/staff/").status_code == 200
    assert elsewhere.get("/staff/").status_code == 302
    assert LoginEvent.objects.filter(kind="password_changed", user=user).count() == 1


@pytest.mark.parametrize("how", ["/accounts/logout/", "/accounts/sign-out-everywhere/"])
def test_a_cookie_used_after_sign_out_is_refused(db, how):
    user = factories.make_user("tanto", editor=True)
    client = signed_in(user)
    stolen = client.cookies["sessionid"].value
    client.post(how)
    replay = Client()
    replay.cookies["sessionid"] = stolen
    response = replay.get("/staff/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Session.objects.filter(session_key=stolen).exists()
