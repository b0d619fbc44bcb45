"""Login with a lockout per account and per client address, shared by HTML and API.

Failures are counted in the cache per username (LOGIN_FAILURE_LIMIT) and per client address
(LOGIN_FAILURE_LIMIT_PER_ADDRESS, higher: an office shares one address behind NAT) within
LOGIN_FAILURE_WINDOW_SECONDS. Reaching a limit locks that account or address for
LOGIN_LOCKOUT_SECONDS; the refusal says how many minutes are left. The address is the one from
akiruno.client_address (TRUSTED_PROXIES), so behind the reverse proxy one client's failures lock
that client only. An administrator can lift a lock with `manage.py unlock_login` or the admin.
Lockouts, refused attempts and unlocks go to the login audit.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.views import View

from .client_address import client_address
from .exceptions import ApplicationError, NotFound
from .login_audit import Kind, record_login_event


class TooManyAttempts(ApplicationError):
    code = "throttled"
    status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _user_part(username: str) -> str:
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]


def _address_part(address: str) -> str:
    """IPv4: the address. IPv6: its /64, which one subscriber (or attacker) holds whole."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def _keys(username: str, address: str) -> list[str]:
    return [f"login-fail:user:{_user_part(username)}", f"login-fail:addr:{_address_part(address)}"]


def _lock_key(failure_key: str) -> str:
    return failure_key.replace("login-fail:", "login-lock:", 1)


def lockout_seconds() -> int:
    return int(getattr(settings, "LOGIN_LOCKOUT_SECONDS", settings.LOGIN_FAILURE_WINDOW_SECONDS))


def wait_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return (
        "ログインの失敗が続いたため、一時的にログインできません。"
        f"あと{minutes}分ほど待ってから再度お試しください。"
        "急ぎの場合はシステム管理者にロックの解除を依頼してください。"
    )


def locked_for(username: str, address: str) -> int:
    """Seconds until both the account and the address may try again (0: not locked)."""
    locks = cache.get_many([_lock_key(key) for key in _keys(username, address)])
    now = time.time()
    remaining = [until - now for until in locks.values() if isinstance(until, int | float)]
    return max(0, math.ceil(max(remaining))) if remaining else 0


def check_login_allowed(username: str, address: str, request: Any = None) -> None:
    """Raise TooManyAttempts when the account or the address is locked (and log the attempt)."""
    seconds = locked_for(username, address)
    if seconds > 0:
        record_login_event(
            Kind.LOGIN_LOCKED, request=request, user=_user_named(username), username=username
        )
        raise TooManyAttempts(wait_message(seconds), retry_after=seconds)


def _user_named(username: str):
    model = get_user_model()
    return model._default_manager.filter(**{model.USERNAME_FIELD: username.strip()[:150]}).first()


def record_login_failure(username: str, address: str, request: Any = None) -> None:
    """Count a failure; reaching a limit locks the account or address (logged once)."""
    user_key, address_key = _keys(username, address)
    limits = {
        user_key: settings.LOGIN_FAILURE_LIMIT,
        address_key: settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS,
    }
    for key, limit in limits.items():
        try:
            count = cache.incr(key)
        except ValueError:
            cache.set(key, 1, settings.LOGIN_FAILURE_WINDOW_SECONDS)
            count = 1
        if count >= limit:
            seconds = lockout_seconds()
            # add() succeeds for one request only, so a lockout is logged once.
            if cache.add(_lock_key(key), time.time() + seconds, seconds):
                what = "アカウント" if key == user_key else f"接続元アドレス {address}"
                record_login_event(
                    Kind.LOCKOUT,
                    request=request,
                    user=_user_named(username) if key == user_key else None,
                    username=username,
                    detail=f"{what}を{max(1, seconds // 60)}分間ロック（失敗{count}回）",
                )


def clear_login_failures(username: str, address: str) -> None:
    cache.delete(_keys(username, address)[0])


def unlock_login(
    *, username: str = "", address: str = "", actor: Any = None, via: str = ""
) -> list[str]:
    """Lift the lock and the failure count of an account and/or an address (recorded).

    Returns what was unlocked (Japanese, for the caller to show). An unknown username is
    refused with NotFound and nothing changes.
    """
    username = (username or "").strip()
    address = (address or "").strip()
    if not username and not address:
        raise NotFound("ロックを解除するユーザー名か接続元アドレスを指定してください。")
    user = None
    if username:
        user = _user_named(username)
        if user is None:
            raise NotFound(f"ユーザー「{username}」は登録されていません。")
    done = []
    user_key, address_key = _keys(username, address)
    if username:
        was_locked = cache.get(_lock_key(user_key)) is not None
        cache.delete_many([user_key, _lock_key(user_key)])
        done.append(f"ユーザー「{username}」" + ("" if was_locked else "（ロックされていません）"))
    if address:
        was_locked = cache.get(_lock_key(address_key)) is not None
        cache.delete_many([address_key, _lock_key(address_key)])
        done.append(
            f"接続元アドレス {address}" + ("" if was_locked else "（ロックされていません）")
        )
    record_login_event(
        Kind.UNLOCK,
        user=user,
        username=username,
        actor=actor,
        detail="、".join(done) + (f"（{via}）" if via else ""),
    )
    return done


class ThrottledLoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")
        address = client_address(request)
        try:
            check_login_allowed(username, address, request)
        except TooManyAttempts as exc:
            # An unbound form: validating the posted one would check the password while locked.
            form = self.get_form_class()(request, initial={"username": username[:150]})
            form.full_clean()  # unbound: no validation, only an empty error list
            form.cleaned_data = {}
            form.add_error(None, exc.message)
            response = self.render_to_response(self.get_context_data(form=form), status=429)
            response["Retry-After"] = str(exc.retry_after)
            return response
        response = super().post(request, *args, **kwargs)
        if getattr(request, "second_factor_pending", False):
            # Right password, code still to come: the failure count is cleared only after the
            # code, so a known password does not buy unlimited guesses at the code.
            return response
        if request.user.is_authenticated:
            clear_login_failures(username, address)
        else:
            record_login_failure(username, address, request)
        return response

    def form_valid(self, form):
        from akiruno import two_factor
        from reports.permissions import policy

        user = form.get_user()
        if two_factor.has_second_factor(user):
            return two_factor.begin_second_step(self.request, user, self.get_success_url())
        response = super().form_valid(form)
        if policy.requires_second_factor(user):
            # Signed in, but the staff side stays closed until the second factor is set up.
            return redirect_to_enrolment(self.get_success_url())
        return response


def redirect_to_enrolment(next_url: str = ""):
    from django.shortcuts import redirect
    from django.urls import reverse
    from django.utils.http import urlencode

    url = reverse("two-factor-enrol")
    if next_url:
        url += "?" + urlencode({"next": next_url})
    return redirect(url)


# -- the signed-in user's own account: password change, sign-out everywhere ---------------------


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's password (Django's validators; the other sessions end, this one stays)."""

    template_name = "registration/password_change_form.html"
    success_url = "/accounts/password/done/"


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"


@method_decorator(login_required, name="dispatch")
class SignOutEverywhereView(View):
    """POST: end every session of the signed-in user, on every device (recorded)."""

    http_method_names = ["post"]

    def post(self, request):
        from .sessions import sign_out_everywhere

        count = sign_out_everywhere(request)
        messages.success(
            request,
            f"すべての端末からログアウトしました（ほかの端末のセッション{count}件を終了）。"
            "API トークンは有効なままです。不要なトークンは失効させてください。",
        )
        return redirect(settings.LOGIN_URL)
