"""The Django admin, only for administrators whose session has a verified second factor.

django-otp's OTPAdminSite checks the second factor; on top of that the user must be an
administrator by the policy (a superuser). Its own login page is not used: signing in goes
through the staff login (password, then the code), which then returns here.
"""

from __future__ import annotations

import functools

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django_otp.admin import OTPAdminSite

from reports.permissions import is_admin


class AkirunoAdminSite(OTPAdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return is_admin(user) and user.is_verified() and super().has_permission(request)

    def admin_view(self, view, cacheable=False):
        """A signed-in user who may not use the admin gets 403 at once (not the admin's own
        login page); anonymous visitors go to the staff login."""
        wrapped = super().admin_view(view, cacheable)

        @functools.wraps(view)
        def inner(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.user.is_authenticated and not self.has_permission(request):
                return render(request, "two_factor/admin_refused.html", status=403)
            return wrapped(request, *args, **kwargs)

        return inner

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        if request.user.is_authenticated:
            return render(request, "two_factor/admin_refused.html", status=403)
        next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        return redirect_to_login(next_url, reverse("login"))
