"""Two-factor sign-in (issue 14, item 1): who must, enrolment, the code step, recovery codes,
replay and expiry, the lockout, the token endpoint, the administrator's reset."""

from __future__ import annotations

import re
import time

import pytest
from django.core.cache import cache
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from akiruno.models import ApiToken, LoginEvent
from akiruno.two_factor import recovery_digest
from reports.permissions import requires_second_factor
from tests import factories
from tests.otp import device_of, totp_code, unverified_login

PASSWORD = "pass-for-tests-1234"
LOGIN = "/accounts/login/"
CODE = "/accounts/login/code/"
ENROL = "/accounts/two-factor/enrol/"
TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def kinds(user) -> list[str]:
    return list(LoginEvent.objects.filter(user=user).order_by("id").values_list("kind", flat=True))


def password_step(client, user, **extra):
    return client.post(LOGIN, {"username": user.username, "password": PASSWORD, **extra})


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def enrol_through_the_page(client, user) -> list[str]:
    """Enrol `user` (signed in) through the enrolment page → the recovery codes shown."""
    page = client.get(ENROL)
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(ENROL, {"otp": totp_code(device)})
    assert response.status_code == 200
    return re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())


# -- who must -------------------------------------------------------------------------------


def test_the_roles_that_require_a_second_factor(
    editor, head, reviewer, planning_head, admin_user, planning
):
    planning_head_only = factories.make_user("kikaku-kacho2", department=planning, head=True)
    assert [requires_second_factor(u) for u in (editor, head)] == [False, False]
    assert all(requires_second_factor(u) for u in (reviewer, planning_head, admin_user))
    assert requires_second_factor(planning_head_only)


@pytest.mark.parametrize(
    "role, needs_code",
    [
        ("editor", False),
        ("head", False),
        ("reviewer", True),
        ("planning_head", True),
        ("admin_user", True),
    ],
)
def test_sign_in_per_role(client, request, role, needs_code):
    user = request.getfixturevalue(role)
    response = password_step(client, user)
    assert response.status_code == 302
    if not needs_code:
        assert response["Location"] == reverse("staff-home")
        assert signed_in_user_id(client) == str(user.pk)
        assert client.get("/staff/").status_code == 200
        return
    # The password alone signs nobody in: the code page comes next.
    assert response["Location"] == CODE
    assert signed_in_user_id(client) is None
    assert client.get("/staff/")["Location"].startswith(LOGIN)
    response = client.post(CODE, {"otp": totp_code(user)})
    assert response.status_code == 302 and response["Location"] == reverse("staff-home")
    assert signed_in_user_id(client) == str(user.pk)
    assert client.session[DEVICE_ID_SESSION_KEY] == device_of(user).persistent_id
    assert client.get("/staff/").status_code == 200
    assert kinds(user) == ["login_ok", "otp_ok"]


def test_an_optional_user_who_enrolled_gives_the_code_too(client, editor):
    factories.enrol(editor)
    response = password_step(client, editor)
    assert response["Location"] == CODE and signed_in_user_id(client) is None
    assert client.post(CODE, {"otp": totp_code(editor)}).status_code == 302
    assert client.get("/staff/").status_code == 200


def test_the_code_step_returns_to_next(client, reviewer):
    password_step(client, reviewer, next="/staff/review/")
    response = client.post(CODE, {"otp": totp_code(reviewer)})
    assert response["Location"] == "/staff/review/"


def test_the_code_step_does_not_return_to_another_site(client, reviewer):
    password_step(client, reviewer, next="https://evil.example/")
    response = client.post(CODE, {"otp": totp_code(reviewer)})
    assert response["Location"] == reverse("staff-home")


def test_the_code_page_without_a_password_step_sends_back_to_login(client, db):
    response = client.post(CODE, {"otp": "123456"})
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert signed_in_user_id(client) is None


def test_an_unfinished_sign_in_expires(client, reviewer, settings):
    settings.OTP_PENDING_LOGIN_SECONDS = 60
    password_step(client, reviewer)
    session = client.session
    session["akiruno_otp_pending"]["at"] = int(time.time()) - 61
    session.save()
    response = client.post(CODE, {"otp": totp_code(reviewer)})
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert signed_in_user_id(client) is None
    assert device_of(reviewer).last_t == -1  # the code was not even tried


# -- a role that must, without a device ---------------------------------------------------


def test_a_reviewer_without_a_device_is_sent_to_enrolment_and_kept_there(client, planning):
    user = factories.make_user("shinsa2", department=planning, reviewer=True, second_factor=False)
    response = password_step(client, user)
    assert response.status_code == 302 and response["Location"].startswith(ENROL)
    # Signed in, but the staff side, the admin and the session API stay closed.
    staff = client.get("/staff/review/")
    assert staff.status_code == 302 and staff["Location"].startswith(ENROL)
    api = client.get("/api/v1/users/me/")
    assert api.status_code == 403 and api.json()["code"] == "second_factor_required"
    assert "2段階認証" in api.json()["message"]
    assert client.get("/admin/")["Location"].startswith(ENROL)
    # The public site and the enrolment page stay open.
    assert client.get(ENROL).status_code == 200
    codes = enrol_through_the_page(client, user)
    assert len(codes) == 10
    assert client.get("/staff/review/").status_code == 200
    assert client.get("/api/v1/users/me/").status_code == 200


# -- enrolment ------------------------------------------------------------------------------


def test_enrolment_shows_a_qr_code_and_the_secret(client, editor):
    client.force_login(editor)
    page = client.get(ENROL).content.decode()
    device = TOTPDevice.objects.get(user=editor, confirmed=False)
    from akiruno.two_factor import secret_base32

    assert "<svg" in page and "<script" not in page.split("<main", 1)[1]
    assert secret_base32(device) in page
    # Reloading keeps the same secret until it is confirmed.
    client.get(ENROL)
    assert TOTPDevice.objects.filter(user=editor).count() == 1


def test_enrolment_refuses_a_wrong_code_and_changes_nothing(client, editor):
    client.force_login(editor)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=editor)
    wrong = f"{(int(totp_code(device)) + 1) % 1000000:06d}"
    for code in (wrong, "abcdef", ""):
        response = client.post(ENROL, {"otp": code})
        assert response.status_code == 400
        assert "6桁" in response.content.decode() or "一致しません" in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed is False
    assert not StaticToken.objects.filter(device__user=editor).exists()
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_enrolment_confirms_shows_ten_recovery_codes_once_and_verifies_the_session(client, editor):
    client.force_login(editor)
    codes = enrol_through_the_page(client, editor)
    assert len(set(codes)) == 10
    assert kinds(editor)[-1] == "otp_enrolled"
    device = device_of(editor)
    assert device.confirmed
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    stored = set(StaticToken.objects.filter(device__user=editor).values_list("token", flat=True))
    # Only keyed hashes are stored, never the codes themselves.
    assert stored == {recovery_digest(editor, code) for code in codes}
    assert not stored & set(codes)
    # Shown once: the page now says enrolment is done and shows no codes.
    again = client.get(ENROL, follow=True).content.decode()
    assert not any(code in again for code in codes)


# -- wrong, expired, replayed codes -----------------------------------------------------------


def test_a_wrong_code_is_refused_in_japanese_and_nothing_changes(client, reviewer):
    password_step(client, reviewer)
    device = device_of(reviewer)
    wrong = f"{(int(totp_code(device)) + 1) % 1000000:06d}"
    response = client.post(CODE, {"otp": wrong})
    assert response.status_code == 400
    assert "確認コードが正しくないか" in response.content.decode()
    assert signed_in_user_id(client) is None
    device.refresh_from_db()
    assert device.last_t == -1
    assert kinds(reviewer) == ["otp_failed"]


def test_an_expired_code_is_refused(client, reviewer):
    password_step(client, reviewer)
    old = totp_code(reviewer, at=time.time() - 3 * 30)
    response = client.post(CODE, {"otp": old})
    assert response.status_code == 400 and signed_in_user_id(client) is None


def test_a_used_code_is_refused_the_second_time(client, reviewer):
    password_step(client, reviewer)
    code = totp_code(reviewer, fresh=False)
    assert client.post(CODE, {"otp": code}).status_code == 302
    used_step = device_of(reviewer).last_t
    client.post("/accounts/logout/")
    password_step(client, reviewer)
    response = client.post(CODE, {"otp": code})
    assert response.status_code == 400 and signed_in_user_id(client) is None
    assert device_of(reviewer).last_t == used_step


def test_wrong_codes_count_toward_the_lockout(client, reviewer, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    password_step(client, reviewer)
    device = device_of(reviewer)
    wrong = f"{(int(totp_code(device)) + 1) % 1000000:06d}"
    for _ in range(3):
        assert client.post(CODE, {"otp": wrong}).status_code == 400
    response = client.post(CODE, {"otp": totp_code(reviewer)})
    assert response.status_code == 429
    assert "待ってから" in response.content.decode()
    assert signed_in_user_id(client) is None
    # The password page is locked for that user too.
    assert password_step(Client_(), reviewer).status_code == 429


def Client_():
    from django.test import Client

    return Client()


def test_a_right_password_does_not_reset_the_count_of_wrong_codes(client, reviewer, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    device = device_of(reviewer)
    wrong = f"{(int(totp_code(device)) + 1) % 1000000:06d}"
    for _ in range(3):
        password_step(client, reviewer)
        client.post(CODE, {"otp": wrong})
    assert password_step(client, reviewer).status_code == 429


# -- recovery codes -------------------------------------------------------------------------


def test_a_recovery_code_signs_in_once(client, editor):
    client.force_login(editor)
    codes = enrol_through_the_page(client, editor)
    client.post("/accounts/logout/")
    password_step(client, editor)
    response = client.post(CODE, {"otp": codes[0].upper()})
    assert response.status_code == 302 and signed_in_user_id(client) == str(editor.pk)
    assert StaticToken.objects.filter(device__user=editor).count() == 9
    assert kinds(editor)[-3:] == ["login_ok", "otp_ok", "recovery_code_used"]
    client.post("/accounts/logout/")
    password_step(client, editor)
    response = client.post(CODE, {"otp": codes[0]})
    assert response.status_code == 400 and signed_in_user_id(client) is None
    assert StaticToken.objects.filter(device__user=editor).count() == 9


def test_regenerating_recovery_codes_replaces_the_old_ones(client, editor):
    client.force_login(editor)
    old = enrol_through_the_page(client, editor)
    response = client.post("/accounts/two-factor/recovery-codes/")
    new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    client.post("/accounts/logout/")
    password_step(client, editor)
    assert client.post(CODE, {"otp": old[1]}).status_code == 400
    assert client.post(CODE, {"otp": new[1]}).status_code == 302


def test_regenerating_needs_a_verified_session(client, editor):
    factories.enrol(editor)
    unverified_login(client, editor)
    response = client.post("/accounts/two-factor/recovery-codes/")
    assert response.status_code == 302
    assert not StaticToken.objects.filter(device__user=editor).exists()


# -- the API token --------------------------------------------------------------------------


def test_a_token_for_a_reviewer_needs_the_code(reviewer):
    api = APIClient()
    body = {"username": reviewer.username, "password": PASSWORD}
    missing = api.post(TOKEN_URL, body, format="json")
    assert missing.status_code == 400 and missing.json()["code"] == "otp_required"
    assert "2段階認証" in missing.json()["message"]
    device = device_of(reviewer)
    wrong = f"{(int(totp_code(device)) + 1) % 1000000:06d}"
    refused = api.post(TOKEN_URL, {**body, "otp": wrong}, format="json")
    assert refused.status_code == 401 and refused.json()["code"] == "invalid_otp"
    assert not ApiToken.objects.exists()
    assert "otp_failed" in kinds(reviewer)
    code = totp_code(reviewer)
    issued = api.post(TOKEN_URL, {**body, "otp": code}, format="json")
    assert issued.status_code == 201 and issued.json()["token"].startswith("akr_")
    replayed = api.post(TOKEN_URL, {**body, "otp": code}, format="json")
    assert replayed.status_code == 401
    assert ApiToken.objects.count() == 1


def test_a_token_for_an_editor_needs_no_code(editor):
    response = APIClient().post(
        TOKEN_URL, {"username": editor.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 201


def test_a_token_for_a_role_not_yet_enrolled_is_refused(planning):
    user = factories.make_user("shinsa3", department=planning, reviewer=True, second_factor=False)
    response = APIClient().post(
        TOKEN_URL, {"username": user.username, "password": PASSWORD, "otp": "123456"}, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == "otp_not_enrolled"
    assert not ApiToken.objects.exists()


def test_wrong_token_codes_count_toward_the_lockout(reviewer, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    api = APIClient()
    body = {"username": reviewer.username, "password": PASSWORD}
    for _ in range(2):
        api.post(
            TOKEN_URL,
            {**body, "otp": "000000" if totp_code(reviewer) != "000000" else "111111"},
            format="json",
        )
    response = api.post(TOKEN_URL, {**body, "otp": totp_code(reviewer)}, format="json")
    assert response.status_code == 429 and not ApiToken.objects.exists()


# -- the administrator's reset --------------------------------------------------------------


def test_an_administrator_resets_a_second_factor(client, admin_user, reviewer):
    reviewer_client = Client_()
    reviewer_client.force_login(reviewer)
    assert reviewer_client.get("/staff/").status_code == 200
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:reports_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [reviewer.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=reviewer).exists()
    reset = LoginEvent.objects.get(kind="otp_reset")
    assert (reset.user, reset.actor) == (reviewer, admin_user)
    # The reviewer's session lost its second factor: enrolment again.
    assert reviewer_client.get("/staff/")["Location"].startswith(ENROL)
    assert TOTPDevice.objects.filter(user=admin_user).exists()


def test_only_an_administrator_can_reset(client, reviewer, planning_head):
    client.force_login(planning_head)
    response = client.post(
        "/admin/reports/user/",
        {"action": "reset_second_factor", "_selected_action": [reviewer.pk]},
    )
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=reviewer).exists()
    assert not LoginEvent.objects.filter(kind="otp_reset").exists()


# -- the admin surface ----------------------------------------------------------------------


def test_the_admin_needs_a_verified_second_factor(client, admin_user):
    unverified_login(client, admin_user)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"] == CODE
    client.post(CODE, {"otp": totp_code(admin_user)})
    assert client.get("/admin/").status_code == 200


def test_the_admin_is_for_administrators_only(client, planning_head, editor):
    client.force_login(planning_head)  # verified, but not an administrator
    refused = client.get("/admin/")
    assert refused.status_code == 403
    assert "システム管理者だけ" in refused.content.decode()
    factories.enrol(editor)
    client.force_login(editor)
    assert client.get("/admin/").status_code == 403


def test_the_admin_sends_anonymous_visitors_to_the_staff_login(client, db):
    response = client.get("/admin/")
    assert response.status_code == 302
    login = client.get(response["Location"])
    assert login.status_code == 302 and login["Location"].startswith(LOGIN + "?next=")


def test_the_admin_does_not_show_secrets_or_recovery_codes(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert client.get("/admin/otp_static/staticdevice/").status_code == 404


def test_the_code_page_for_a_session_without_a_device_does_not_count_failures(client, editor):
    client.force_login(editor)
    response = client.post(CODE, {"otp": "123456"})
    assert response.status_code == 302
    assert not LoginEvent.objects.filter(kind="otp_failed").exists()


def test_the_admin_path_is_a_setting(settings):
    assert reverse("admin:index") == "/" + settings.ADMIN_URL


def test_the_admin_path_comes_from_the_environment():
    import os
    import subprocess
    import sys

    from django.conf import settings as django_settings

    script = (
        "import django; django.setup(); from django.urls import reverse; "
        "from django.test import Client; print(reverse('admin:index')); "
        "print(Client().get('/admin/').status_code)"
    )
    env = {
        **os.environ,
        "ADMIN_URL": "/kanri-x/",
        "DJANGO_SETTINGS_MODULE": "akiruno.settings.test",
    }
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split()
    assert out[0] == "/kanri-x/"
    assert out[1] == "404"  # the old path is gone
