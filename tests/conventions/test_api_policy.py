"""Every unsafe API action names the policy action that decides it (issue 13: one policy,
default deny). A new write endpoint that names none fails here, and is refused at run time."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework import permissions
from rest_framework.test import APIRequestFactory

from akiruno.api.permissions import PolicyPermission, ServicePolicyPermission, policy_action

UNSAFE = ("post", "put", "patch", "delete")
# Open by design: signing in for a token, and the catch-all that answers every unknown
# address with the API's own 404.
OPEN_BY_DESIGN = {"/api/v1/auth/token/", "/api/v1/^.*$"}


def _api_patterns(resolver=None, prefix: str = ""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _api_patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            if route.startswith("api/v1/"):
                yield "/" + route, entry.callback


def _unsafe_actions(callback):
    """(HTTP method, view action or None) for every unsafe request the route handles."""
    actions = getattr(callback, "actions", None)  # a ViewSet route: method -> action
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is None:
        return view_class, []
    allowed = set(view_class.http_method_names)
    if actions:
        return view_class, [(m, a) for m, a in actions.items() if m in UNSAFE and m in allowed]
    return view_class, [(m, None) for m in UNSAFE if hasattr(view_class, m) and m in allowed]


def _cases():
    for route, callback in _api_patterns():
        view_class, unsafe = _unsafe_actions(callback)
        for method, action in unsafe:
            yield pytest.param(route, view_class, method, action, id=f"{method} {route}")


@pytest.mark.parametrize(("route", "view_class", "method", "action"), list(_cases()))
def test_every_unsafe_api_action_names_its_policy_action(route, view_class, method, action):
    classes = view_class.permission_classes
    if route in OPEN_BY_DESIGN:
        return
    asks = (PolicyPermission, ServicePolicyPermission)
    assert any(isinstance(c, type) and issubclass(c, asks) for c in classes), (
        f"{route}: {view_class.__name__} does not ask the policy ({classes})"
    )
    assert not any(c is permissions.AllowAny for c in classes), route
    view = view_class()
    view.action = action
    request = APIRequestFactory().generic(method.upper(), route)
    assert policy_action(view, request) != "deny", (
        f"{method.upper()} {route} ({view_class.__name__}.{action or method}) names no policy action"
    )


def test_the_walk_finds_the_meetings_and_finance_writes():
    routes = {(c.values[2], c.values[0]) for c in _cases()}
    assert ("post", "/api/v1/meetings/bodies/") in routes
    assert ("put", "/api/v1/finance/<int:year>/") in routes or any(
        m == "put" and r.startswith("/api/v1/finance/") for m, r in routes
    )
    assert len(routes) > 30


def test_a_service_write_that_names_no_policy_action_is_refused(rf, editor):
    from rest_framework.views import APIView

    from akiruno.exceptions import PermissionDenied

    class Unnamed(APIView):
        permission_classes = [ServicePolicyPermission]

        def post(self, request):  # pragma: no cover - never reached
            raise AssertionError

    request = rf.post("/api/v1/x/")
    request.user = editor
    with pytest.raises(PermissionDenied):
        ServicePolicyPermission().has_permission(request, Unnamed())
    request = rf.get("/api/v1/x/")
    request.user = editor
    assert ServicePolicyPermission().has_permission(request, Unnamed())
