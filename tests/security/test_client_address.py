"""akiruno.client_address: the one function that decides who is asking."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from akiruno.client_address import check_trusted_proxies, client_address, parse_address

PROXY = "10.0.0.5"


def request(remote="10.0.0.5", forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert client_address(request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


def test_a_request_not_from_a_trusted_proxy_is_its_peer(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    assert client_address(request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


def test_behind_a_trusted_proxy_the_forwarded_client_is_used(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    assert client_address(request(PROXY, "198.51.100.1")) == "198.51.100.1"


def test_spoofed_leftmost_entries_are_not_believed(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    # The client sent "1.2.3.4, 5.6.7.8"; the proxy appended what it saw.
    assert client_address(request(PROXY, "1.2.3.4, 5.6.7.8, 198.51.100.1")) == "198.51.100.1"


def test_a_chain_of_trusted_networks_is_walked_from_the_right(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "192.168.1.1"]
    forwarded = "1.2.3.4, 198.51.100.1, 192.168.1.1, 10.2.3.4"
    assert client_address(request("10.9.9.9", forwarded)) == "198.51.100.1"


def test_all_hops_trusted_gives_the_leftmost(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_address(request("10.0.0.1", "10.0.0.2, 10.0.0.3")) == "10.0.0.2"


def test_ipv6_clients_and_networks(settings):
    settings.TRUSTED_PROXIES = ["2001:db8:1::/48"]
    assert client_address(request("2001:db8:1::5", "2001:db8:ffff::7")) == "2001:db8:ffff::7"
    assert client_address(request("2001:db8:1::5", "[2001:db8:ffff::7]:443")) == "2001:db8:ffff::7"
    assert client_address(request("2001:db8:2::5", "198.51.100.1")) == "2001:db8:2::5"


def test_mixed_versions_and_mapped_addresses(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "::1"]
    assert client_address(request("::1", "::ffff:198.51.100.1")) == "198.51.100.1"
    assert client_address(request("::ffff:10.0.0.1", "198.51.100.2:51234")) == "198.51.100.2"


@pytest.mark.parametrize(
    "forwarded",
    [
        "not-an-address",
        "198.51.100.1, <script>",
        "198.51.100.1, 999.1.1.1",
        "198.51.100.1, unknown",
        "198.51.100.1,",
        "198.51.100.1, 1.2.3.4:port",
        "198.51.100.1, [2001:db8::1",
        "198.51.100.1, " + "9" * 500,
    ],
)
def test_a_malformed_rightmost_entry_falls_back_to_the_proxy(settings, forwarded):
    settings.TRUSTED_PROXIES = [PROXY]
    assert client_address(request(PROXY, forwarded)) == PROXY


def test_a_malformed_entry_left_of_the_client_is_never_reached(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    assert client_address(request(PROXY, "garbage, 198.51.100.1")) == "198.51.100.1"


def test_a_huge_header_is_cut_not_walked(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    forwarded = ", ".join(["1.2.3.4"] + ["10.0.0.7"] * 1000)
    # only the last entries are read: the spoofed 1.2.3.4 far to the left is never reached
    assert client_address(request("10.0.0.1", forwarded)) == "10.0.0.7"


def test_an_empty_or_missing_remote_addr_is_unknown(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    assert client_address(request("", "198.51.100.1")) == "unknown"
    factory_request = RequestFactory().get("/")
    del factory_request.META["REMOTE_ADDR"]
    assert client_address(factory_request) == "unknown"


def test_the_setting_may_be_a_comma_separated_string(settings):
    settings.TRUSTED_PROXIES = "10.0.0.5, 10.1.0.0/16"
    assert client_address(request("10.1.2.3", "198.51.100.1")) == "198.51.100.1"


def test_a_bad_setting_is_a_system_check_error(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "proxy.internal"]
    errors = check_trusted_proxies()
    assert [e.id for e in errors] == ["akiruno.E001"]
    assert "proxy.internal" in errors[0].msg
    with pytest.raises(ImproperlyConfigured):
        client_address(request(PROXY, "198.51.100.1"))
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert check_trusted_proxies() == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("203.0.113.7", "203.0.113.7"),
        (" 203.0.113.7 ", "203.0.113.7"),
        ("203.0.113.7:8080", "203.0.113.7"),
        ("2001:db8::1", "2001:db8::1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("fe80::1%eth0", "fe80::1"),
        ("", None),
        ("example.org", None),
        ("[2001:db8::1]x", None),
        ("1.2.3", None),
    ],
)
def test_parse_address(value, expected):
    parsed = parse_address(value)
    assert (str(parsed) if parsed is not None else None) == expected
