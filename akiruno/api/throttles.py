"""Rate limits keyed by client address (login attempts, the anonymous public API)."""

from __future__ import annotations

from rest_framework import throttling

from akiruno.client_address import client_address


class AddressRateThrottle(throttling.SimpleRateThrottle):
    """Limit requests per client address, whoever is logged in."""

    def get_ident(self, request) -> str:
        # DRF's own get_ident believes the whole X-Forwarded-For when NUM_PROXIES is unset, so a
        # client that varies the header would never be throttled. The one function decides.
        return client_address(request)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginRateThrottle(AddressRateThrottle):
    """Token requests (password attempts) per address; failures are also counted per user."""

    scope = "login"


class PublicRateThrottle(AddressRateThrottle):
    """The anonymous public API (/api/v1/public/) per address."""

    scope = "public"
