"""The one place that decides a request's client address.

Everything that keys on "who is asking" uses this: the login lockout (akiruno.auth), the API
throttles (akiruno.api.throttles) and the login audit. Without trusted proxies the answer is
the socket peer (REMOTE_ADDR) and `X-Forwarded-For` is ignored, because any client can send it.

With `TRUSTED_PROXIES` (addresses or CIDR networks, e.g. "10.0.0.5, 10.1.0.0/16") and a
request whose REMOTE_ADDR is one of them, `X-Forwarded-For` is read from the right: each
trusted proxy appends the address it saw, so the first entry from the right that is not a
trusted proxy is the client. Entries to its left were written by the client and are never
believed. A malformed entry stops the walk: the last address known for certain (a trusted
hop) is returned, never the client's claim.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

UNKNOWN = "unknown"
# A real chain has a handful of hops; a longer header is a client padding it.
MAX_FORWARDED_ENTRIES = 30

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES の「{entry}」はIPアドレスでもネットワーク（CIDR）でもありません。"
            ) from None
    return tuple(networks)


def trusted_networks() -> tuple[Network, ...]:
    """The parsed TRUSTED_PROXIES setting (raises ImproperlyConfigured on a bad entry)."""
    configured = getattr(settings, "TRUSTED_PROXIES", ()) or ()
    if isinstance(configured, str):
        configured = [part for part in configured.split(",") if part.strip()]
    return _networks(tuple(str(entry) for entry in configured))


def parse_address(value: str) -> Address | None:
    """An IP address from a header or REMOTE_ADDR entry, or None when it is not one.

    Accepts the forms proxies write: "203.0.113.7", "2001:db8::1", "[2001:db8::1]",
    "[2001:db8::1]:443", "203.0.113.7:51234". IPv4-mapped IPv6 becomes plain IPv4.
    """
    text = value.strip()
    if not text or len(text) > 64:
        return None
    if text.startswith("["):
        end = text.find("]")
        if end == -1 or (end + 1 < len(text) and not text[end + 1 :].startswith(":")):
            return None
        text = text[1:end]
    elif text.count(":") == 1:
        host, port = text.split(":")
        if not port.isdigit():
            return None
        text = host
    text = text.split("%", 1)[0] if "%" in text else text  # zone id: fe80::1%eth0
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def client_address(request: HttpRequest) -> str:
    """The client's address as a string ("unknown" when not even REMOTE_ADDR is usable)."""
    remote = parse_address(str(request.META.get("REMOTE_ADDR", "") or ""))
    if remote is None:
        return UNKNOWN
    networks = trusted_networks()
    if not networks or not _is_trusted(remote, networks):
        return str(remote)
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not isinstance(header, str) or not header.strip():
        return str(remote)
    entries = header.split(",")[-MAX_FORWARDED_ENTRIES:]
    known = remote
    for entry in reversed(entries):
        hop = parse_address(entry)
        if hop is None:
            return str(known)
        if not _is_trusted(hop, networks):
            return str(hop)
        known = hop
    return str(known)


def check_trusted_proxies(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """System check: a typo in TRUSTED_PROXIES stops `manage.py check`, not the first login."""
    try:
        trusted_networks()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="akiruno.E001")]
    return []
