"""Staff sessions: idle timeout, absolute lifetime, sign-out everywhere, rotation on role change.

- SessionTimeoutMiddleware ends a signed-in session after SESSION_IDLE_TIMEOUT_SECONDS without a
  request (default 30 minutes) or SESSION_ABSOLUTE_LIFETIME_SECONDS after sign-in (default
  SESSION_COOKIE_AGE, 12 hours), whichever comes first; the next page asks for the password
  again and says why. The last activity is written to the session at most once a minute, so
  reading pages does not turn every request into a session write.
- end_sessions() deletes every stored session of a user ("sign out everywhere").
- A change of someone's roles (reports.User: editor, head, reviewer, administrator, active,
  department) renews the key of each of their sessions: one's own at once, the others at their
  next request. A password change already ends the other sessions (Django's session hash).
- Django's login() already gives the session a new key at sign-in.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.models import Session
from django.utils import timezone

from .login_audit import Kind, current_request, record_login_event

LAST_ACTIVITY_KEY = "_akiruno_last_activity"
SIGNED_IN_KEY = "_akiruno_signed_in_at"
ACTIVITY_RESOLUTION_SECONDS = 60
# The fields whose change alters what a user may do (reports.User).
ROLE_FIELDS = (
    "is_editor",
    "is_head",
    "is_reviewer",
    "is_superuser",
    "is_staff",
    "is_active",
    "department_id",
)
# Set on a stored session whose user's roles changed: its key is renewed at its next request.
ROTATE_KEY = "_akiruno_rotate_key"


def idle_timeout() -> int:
    return int(getattr(settings, "SESSION_IDLE_TIMEOUT_SECONDS", 1800))


def absolute_lifetime() -> int:
    return int(getattr(settings, "SESSION_ABSOLUTE_LIFETIME_SECONDS", settings.SESSION_COOKIE_AGE))


def _expired_reason(session, now: float) -> str:
    last = session.get(LAST_ACTIVITY_KEY)
    started = session.get(SIGNED_IN_KEY)
    idle = idle_timeout()
    lifetime = absolute_lifetime()
    if idle > 0 and isinstance(last, int | float) and now - last > idle:
        return f"{max(1, idle // 60)}分間操作がなかったため、自動的にログアウトしました。"
    if lifetime > 0 and isinstance(started, int | float) and now - started > lifetime:
        hours = lifetime / 3600
        shown = f"{hours:g}時間" if hours >= 1 else f"{max(1, lifetime // 60)}分"
        return f"ログインから{shown}が過ぎたため、自動的にログアウトしました。"
    return ""


class SessionTimeoutMiddleware:
    """End idle and too-old signed-in sessions (after AuthenticationMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.SESSION_COOKIE_NAME in request.COOKIES and hasattr(request, "session"):
            self._check(request)
        return self.get_response(request)

    def _check(self, request) -> None:
        session = request.session
        user_id = session.get(SESSION_KEY)
        if user_id is None:
            return
        now = time.time()
        reason = _expired_reason(session, now)
        if reason:
            record_login_event(
                Kind.SESSION_EXPIRED, request=request, user=request.user, detail=reason
            )
            session.flush()
            request.user = AnonymousUser()
            request._cached_user = request.user
            messages.info(request, reason + "もう一度ログインしてください。")
            return
        if session.get(ROTATE_KEY):
            # An administrator changed this user's roles: a new key, same sign-in.
            del session[ROTATE_KEY]
            session.cycle_key()
        last = session.get(LAST_ACTIVITY_KEY)
        if not isinstance(last, int | float) or now - last >= ACTIVITY_RESOLUTION_SECONDS:
            session[LAST_ACTIVITY_KEY] = now
        if not isinstance(session.get(SIGNED_IN_KEY), int | float):
            session[SIGNED_IN_KEY] = now


def end_sessions(user: Any, *, keep_key: str | None = None) -> int:
    """Delete every stored session of `user` (but `keep_key`); returns how many were ended.

    Reads the live sessions of the database engine: a city's staff is hundreds of sessions.
    """
    ended = _sessions_of(user, except_key=keep_key)
    if ended:
        Session.objects.filter(session_key__in=ended).delete()
    return len(ended)


def sign_out_everywhere(request) -> int:
    """The signed-in user's sessions on every device end, this one included (recorded)."""
    user = request.user
    count = end_sessions(user, keep_key=request.session.session_key)
    record_login_event(
        Kind.SESSIONS_REVOKED,
        request=request,
        user=user,
        detail=f"ほかの端末のセッション{count}件とこの端末のセッションを終了",
    )
    request.session.flush()
    request.user = AnonymousUser()
    return count


# -- receivers (connected in AkirunoConfig.ready) -----------------------------------------------


def on_user_logged_in(sender, request, user, **kwargs) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        now = time.time()
        session[SIGNED_IN_KEY] = now
        session[LAST_ACTIVITY_KEY] = now


def _roles(instance) -> tuple:
    # __dict__, not getattr: a deferred field must not cost a query.
    return tuple(instance.__dict__.get(field, ...) for field in ROLE_FIELDS)


def on_user_init(sender, instance, **kwargs) -> None:
    instance._akiruno_roles = _roles(instance)


def _sessions_of(user: Any, *, except_key: str | None = None) -> list[str]:
    keys = []
    live = Session.objects.filter(expire_date__gt=timezone.now()).only(
        "session_key", "session_data"
    )
    for session in live.iterator(chunk_size=500):
        if session.session_key != except_key and str(session.get_decoded().get(SESSION_KEY)) == str(
            user.pk
        ):
            keys.append(session.session_key)
    return keys


def rotate_sessions(user: Any, *, request: Any = None) -> int:
    """Give every session of `user` a new key: the current request's now, the others at their
    next request (they are flagged). Returns how many sessions were concerned."""
    from importlib import import_module

    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    current = None
    if request is not None and hasattr(request, "session"):
        if getattr(getattr(request, "user", None), "pk", None) == user.pk:
            request.session.cycle_key()
            current = request.session.session_key
    keys = _sessions_of(user, except_key=current)
    for key in keys:
        store = store_class(session_key=key)
        store[ROTATE_KEY] = True
        store.save()
    return len(keys) + (1 if current else 0)


def on_user_saved(sender, instance, created: bool, **kwargs) -> None:
    before = getattr(instance, "_akiruno_roles", None)
    after = _roles(instance)
    instance._akiruno_roles = after
    if created or before is None:
        return
    changed = [
        field
        for field, old, new in zip(ROLE_FIELDS, before, after, strict=True)
        if old is not ... and new is not ... and old != new
    ]
    if not changed:
        return
    request = current_request()
    count = rotate_sessions(instance, request=request)
    record_login_event(
        Kind.PRIVILEGE_CHANGED,
        user=instance,
        actor=getattr(request, "user", None) if request is not None else None,
        detail=f"変更: {'、'.join(changed)}（セッション{count}件の鍵を更新）",
    )


def connect_receivers() -> None:
    from django.contrib.auth import signals
    from django.db.models.signals import post_init, post_save

    signals.user_logged_in.connect(on_user_logged_in, dispatch_uid="akiruno-session-login")
    post_init.connect(on_user_init, sender=settings.AUTH_USER_MODEL, dispatch_uid="akiruno-roles")
    post_save.connect(
        on_user_saved, sender=settings.AUTH_USER_MODEL, dispatch_uid="akiruno-roles-saved"
    )
