"""Issue 14's two defects: the lockout behind the proxy, and throttles trusting the header."""

from django.test import RequestFactory
from rest_framework.request import Request
from rest_framework.test import APIClient

from akiruno.api import PublicRateThrottle
from akiruno.models import ApiToken
from tests import factories

PASSWORD = "pass-for-tests-1234"
PROXY = "10.0.0.5"
TOKEN_URL = "/api/v1/auth/token/"


def via_proxy(client_ip: str) -> dict:
    """What the reverse proxy sends: its own socket address, the client appended to the header."""
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": client_ip}


def test_one_address_failing_does_not_lock_out_another_behind_the_proxy(client, db, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 20
    user = factories.make_user("honest", editor=True)
    for n in range(20):
        response = client.post(
            "/accounts/login/",
            {"username": f"guess{n}", "password": "wrong"},
            **via_proxy("203.0.113.66"),
        )
        assert response.status_code == 200
    # the attacker's own address is now locked …
    response = client.post(
        "/accounts/login/", {"username": "guess-more", "password": "x"}, **via_proxy("203.0.113.66")
    )
    assert response.status_code == 429
    # … and the twenty-first user, elsewhere, with the right password, signs in.
    response = client.post(
        "/accounts/login/",
        {"username": user.username, "password": PASSWORD},
        **via_proxy("198.51.100.20"),
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_forged_header_does_not_escape_the_lockout_behind_the_proxy(client, db, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 3
    user = factories.make_user("victim", editor=True)
    for n in range(3):
        client.post(
            "/accounts/login/",
            {"username": f"guess{n}", "password": "x"},
            **via_proxy(f"192.0.2.{n}, 203.0.113.66"),
        )
    response = client.post(
        "/accounts/login/",
        {"username": user.username, "password": PASSWORD},
        **via_proxy("192.0.2.200, 203.0.113.66"),
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_without_trusted_proxies_a_forged_header_does_not_escape_the_lockout(client, db, settings):
    settings.TRUSTED_PROXIES = []
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 3
    user = factories.make_user("victim", editor=True)
    for n in range(3):
        client.post(
            "/accounts/login/",
            {"username": f"guess{n}", "password": "x"},
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
    response = client.post(
        "/accounts/login/",
        {"username": user.username, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="192.0.2.99",
    )
    assert response.status_code == 429


def _token_request(api: APIClient, n: int, **meta):
    return api.post(
        TOKEN_URL, {"username": f"nobody{n}", "password": "wrong"}, format="json", **meta
    )


def test_an_api_client_varying_x_forwarded_for_is_still_throttled(db, settings):
    settings.TRUSTED_PROXIES = []
    api = APIClient()
    statuses = [
        _token_request(api, n, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(11)
    ]
    # the "login" scope allows 10 a minute per address, whatever the header says
    assert statuses[:10] == [400] * 10
    assert statuses[10] == 429
    assert not ApiToken.objects.exists()


def test_behind_the_proxy_varying_the_spoofed_part_is_still_throttled(db, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    api = APIClient()
    statuses = [
        _token_request(api, n, **via_proxy(f"192.0.2.{n}, 203.0.113.66")).status_code
        for n in range(11)
    ]
    assert statuses[10] == 429
    # another client behind the same proxy has its own allowance
    assert _token_request(api, 99, **via_proxy("198.51.100.5")).status_code == 400


def test_the_public_api_throttle_keys_on_the_client_address(db, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    throttle = PublicRateThrottle()
    spoofed = Request(RequestFactory().get("/", **via_proxy("1.1.1.1, 203.0.113.66")))
    assert throttle.get_ident(spoofed) == "203.0.113.66"
    direct = Request(
        RequestFactory().get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="1.1.1.1")
    )
    assert throttle.get_ident(direct) == "203.0.113.9"
