"""Rate limits keyed by client address (login attempts, the anonymous public API)."""

from __future__ import annotations

from rest_framework import throttling


class AddressRateThrottle(throttling.SimpleRateThrottle):
    """Limit requests per client address, whoever is logged in."""

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginRateThrottle(AddressRateThrottle):
    """Token requests (password attempts) per address; failures are also counted per user."""

    scope = "login"


class PublicRateThrottle(AddressRateThrottle):
    """The anonymous public API (/api/v1/public/) per address."""

    scope = "public"
