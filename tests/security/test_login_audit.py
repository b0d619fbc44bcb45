"""The login audit: append-only entries for sign-ins, failures, sign-outs, passwords, tokens."""

import pytest
from django.test import RequestFactory
from rest_framework.test import APIClient

from akiruno.login_audit import record_login_event
from akiruno.models import AppendOnlyError, LoginEvent
from akiruno.tokens import token_create, token_revoke
from tests import factories

PASSWORD = "pass-for-tests-1234"
PROXY = "10.0.0.5"


def kinds() -> list[str]:
    return list(LoginEvent.objects.order_by("id").values_list("kind", flat=True))


# -- append-only ------------------------------------------------------------------------------


def test_an_entry_cannot_be_saved_again_or_deleted(db):
    event = record_login_event("login_failed", username="someone")
    event.detail = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        LoginEvent.objects.filter(pk=event.pk).update(detail="changed")
    with pytest.raises(AppendOnlyError):
        LoginEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        LoginEvent.objects.bulk_update([event], ["detail"])
    assert LoginEvent.objects.get().detail == ""


def test_deleting_a_user_keeps_the_entries_with_the_username(db):
    user = factories.make_user("leaver", editor=True)
    record_login_event("login_ok", user=user)
    user.delete()
    event = LoginEvent.objects.get()
    assert event.user is None and event.username == "leaver" and event.kind == "login_ok"


def test_an_unknown_kind_is_refused_and_nothing_is_written(db):
    with pytest.raises(ValueError):
        record_login_event("logged_in_somehow", username="x")
    assert not LoginEvent.objects.exists()


def test_the_entry_records_address_agent_and_cleans_text(db, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    request = RequestFactory().get(
        "/",
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7",
        HTTP_USER_AGENT="Agent/" + "x" * 400,
    )
    event = record_login_event(
        "otp_failed", request=request, username="a\x00b\nc", detail="d" * 900
    )
    event.refresh_from_db()
    assert event.address == "198.51.100.7"
    assert len(event.user_agent) == 255 and event.user_agent.startswith("Agent/")
    assert event.username == "a b c"
    assert len(event.detail) == 500


# -- what is recorded -------------------------------------------------------------------------


def test_sign_in_failure_and_sign_out_are_recorded(client, db, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    user = factories.make_user("tanaka", editor=True)
    meta = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.8"}
    client.post("/accounts/login/", {"username": "tanaka", "password": "wrong"}, **meta)
    client.post("/accounts/login/", {"username": "nobody", "password": "wrong"}, **meta)
    client.post("/accounts/login/", {"username": "tanaka", "password": PASSWORD}, **meta)
    client.post("/accounts/logout/", **meta)
    events = list(LoginEvent.objects.order_by("id"))
    assert [e.kind for e in events] == ["login_failed", "login_failed", "login_ok", "logout"]
    assert [e.user_id for e in events] == [user.pk, None, user.pk, user.pk]
    assert [e.username for e in events] == ["tanaka", "nobody", "tanaka", "tanaka"]
    assert {e.address for e in events} == {"198.51.100.8"}


def test_a_password_change_is_recorded_but_not_a_new_user_or_other_saves(db):
    user = factories.make_user("suzuki", editor=True)
    user.full_name = "鈴木"
    user.save()
    assert kinds() == []
    user.set_password("another-long-password-1")
    user.save()
    assert kinds() == ["password_changed"]
    assert LoginEvent.objects.get().user == user


def test_api_token_issue_and_revocation_are_recorded(db):
    admin = factories.make_user("kanri", admin=True)
    user = factories.make_user("yamada", editor=True)
    token, _ = token_create(user=user, name="集計スクリプト")
    token_revoke(token=token, actor=admin)
    created, revoked = LoginEvent.objects.order_by("id")
    assert (created.kind, created.user, created.actor) == ("token_created", user, None)
    assert "集計スクリプト" in created.detail and token.prefix in created.detail
    assert (revoked.kind, revoked.user, revoked.actor) == ("token_revoked", user, admin)


def test_api_password_failures_and_token_issue_carry_the_address(db, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    factories.make_user("sato", editor=True)
    api = APIClient()
    meta = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.9"}
    url = "/api/v1/auth/token/"
    api.post(url, {"username": "sato", "password": "wrong"}, format="json", **meta)
    api.post(url, {"username": "sato", "password": PASSWORD}, format="json", **meta)
    events = list(LoginEvent.objects.order_by("id"))
    assert [e.kind for e in events] == ["login_failed", "token_created"]
    assert [e.address for e in events] == ["198.51.100.9", "198.51.100.9"]
    assert events[0].detail == "API"
