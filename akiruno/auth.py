"""Login with failed-attempt throttling (per username and per address), shared by HTML and API."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache

from .client_address import client_address
from .exceptions import ApplicationError


class TooManyAttempts(ApplicationError):
    code = "throttled"
    status = 429


def _keys(username: str, address: str) -> list[str]:
    digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return [f"login-fail:user:{digest}", f"login-fail:addr:{address}"]


def check_login_allowed(username: str, address: str) -> None:
    """Raise TooManyAttempts when either the username or the address failed too often."""
    user_key, address_key = _keys(username, address)
    limits = {
        user_key: settings.LOGIN_FAILURE_LIMIT,
        address_key: settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS,
    }
    for key, limit in limits.items():
        if cache.get(key, 0) >= limit:
            minutes = settings.LOGIN_FAILURE_WINDOW_SECONDS // 60
            raise TooManyAttempts(
                f"ログインの失敗が続いたため、一時的にログインできません。{minutes}分ほど待ってから"
                "再度お試しください。"
            )


def record_login_failure(username: str, address: str) -> None:
    for key in _keys(username, address):
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, settings.LOGIN_FAILURE_WINDOW_SECONDS)


def clear_login_failures(username: str, address: str) -> None:
    cache.delete(_keys(username, address)[0])


class ThrottledLoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")
        address = client_address(request)
        try:
            check_login_allowed(username, address)
        except TooManyAttempts as exc:
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, exc.message)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        response = super().post(request, *args, **kwargs)
        if getattr(request, "second_factor_pending", False):
            # Right password, code still to come: the failure count is cleared only after the
            # code, so a known password does not buy unlimited guesses at the code.
            return response
        if request.user.is_authenticated:
            clear_login_failures(username, address)
        else:
            record_login_failure(username, address)
        return response

    def form_valid(self, form):
        from akiruno import otp_views, two_factor
        from reports.permissions import policy

        user = form.get_user()
        if two_factor.has_second_factor(user):
            return otp_views.begin_second_step(self.request, user, self.get_success_url())
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
