"""The login audit: record_login_event() and the receivers that call it.

Every sign-in, failure, lockout, unlock, sign-out, password change and API token issue or
revocation becomes one append-only LoginEvent (akiruno.models) with the client address from the
one function (akiruno.client_address). Other modules (the second factor, the lockout, tokens)
call record_login_event() directly; Django's auth signals are connected in AkirunoConfig.ready.

The request of the moment is kept in a context variable by CurrentRequestMiddleware, so that a
service called without a request (a password saved in the admin, a token issued) still records
the address it came from.
"""

from __future__ import annotations

import contextvars
from typing import Any

from django.http import HttpRequest

from .client_address import client_address
from .models import LoginEvent

Kind = LoginEvent.Kind

_current_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "akiruno_current_request", default=None
)

USER_AGENT_MAX = 255
DETAIL_MAX = 500
USERNAME_MAX = 150


def _clean(text: Any, limit: int) -> str:
    # NUL is refused by PostgreSQL text columns; other control characters are kept out of the log.
    value = "" if text is None else str(text)
    value = "".join(ch if ch.isprintable() else " " for ch in value)
    return value[:limit]


def current_request() -> HttpRequest | None:
    return _current_request.get()


def record_login_event(
    kind: str,
    request: HttpRequest | None = None,
    user: Any = None,
    username: str = "",
    detail: str = "",
    actor: Any = None,
) -> LoginEvent:
    """Append one entry to the login audit.

    `kind` is a LoginEvent.Kind value ("login_ok", "otp_failed", …; an unknown one raises
    ValueError). `request` gives the client address and user agent (the request being served
    when omitted); `user` is the account concerned (None or anonymous: not known); `username`
    is what was typed (the account's username when omitted); `actor` is the administrator who
    did it (unlock, second-factor reset) when that is someone else.
    """
    kind = Kind(kind).value
    if request is None:
        request = current_request()
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if not username and user is not None:
        username = user.get_username()
    address = user_agent = ""
    if request is not None:
        address = client_address(request)
        user_agent = request.META.get("HTTP_USER_AGENT", "")
    return LoginEvent.objects.create(
        kind=kind,
        user=user,
        actor=actor,
        username=_clean(username, USERNAME_MAX),
        address=address,
        user_agent=_clean(user_agent, USER_AGENT_MAX),
        detail=_clean(detail, DETAIL_MAX),
    )


class CurrentRequestMiddleware:
    """Keep the request being served where record_login_event() can find it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


# -- receivers (connected in AkirunoConfig.ready) -----------------------------------------------


def _via(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    path = getattr(request, "path", "") or ""
    return "API" if path.startswith("/api/") else ""


def on_user_logged_in(sender, request, user, **kwargs) -> None:
    record_login_event(Kind.LOGIN_OK, request=request, user=user, detail=_via(request))


def on_user_login_failed(sender, credentials, request=None, **kwargs) -> None:
    from django.contrib.auth import get_user_model

    username = str(credentials.get("username", "") or "")
    model = get_user_model()
    user = model._default_manager.filter(**{model.USERNAME_FIELD: username[:150]}).first()
    record_login_event(
        Kind.LOGIN_FAILED, request=request, user=user, username=username, detail=_via(request)
    )


def on_user_logged_out(sender, request, user, **kwargs) -> None:
    record_login_event(Kind.LOGOUT, request=request, user=user)


def on_user_saved(sender, instance, created: bool, **kwargs) -> None:
    # AbstractBaseUser.set_password() keeps the raw password in _password until save() has
    # told the validators; a save of an existing user with it set is a password change.
    # A save of update_fields={"password"} alone is check_password() upgrading the hash.
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and set(update_fields) == {"password"}:
        return
    if not created and getattr(instance, "_password", None) is not None:
        record_login_event(Kind.PASSWORD_CHANGED, user=instance)


def connect_receivers() -> None:
    from django.conf import settings
    from django.contrib.auth import signals
    from django.db.models.signals import post_save

    signals.user_logged_in.connect(on_user_logged_in, dispatch_uid="akiruno-audit-login")
    signals.user_login_failed.connect(on_user_login_failed, dispatch_uid="akiruno-audit-failed")
    signals.user_logged_out.connect(on_user_logged_out, dispatch_uid="akiruno-audit-logout")
    post_save.connect(
        on_user_saved, sender=settings.AUTH_USER_MODEL, dispatch_uid="akiruno-audit-password"
    )


# -- the policy's rules: the login audit and lockouts are the administrators' -------------------


def _visible_events(user: Any, qs):
    from reports.permissions import is_admin

    return qs if is_admin(user) else qs.none()


def _can_event(user: Any, action: str, event: LoginEvent) -> bool:
    from reports.permissions import is_admin

    # view / export: the log; unlock: lift a login lockout.
    return action in {"view", "export", "unlock"} and is_admin(user)


def register_rules() -> None:
    from reports.permissions import policy

    policy.register(LoginEvent, can=_can_event, visible=_visible_events)
