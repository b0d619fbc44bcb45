"""The site's URLs: public pages at the root, staff pages under /staff/, the API under /api/v1/."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import otp_views
from .admin_site import AkirunoAdminSite
from .auth import (
    PasswordChangeDoneView,
    PasswordChangeView,
    SignOutEverywhereView,
    ThrottledLoginView,
)

# Every ModelAdmin registers on the default site; it becomes the second-factor-only site.
admin.site.__class__ = AkirunoAdminSite
admin.site.site_header = "事務報告書システム 管理"
admin.site.site_title = "事務報告書システム 管理"
admin.site.index_title = "管理メニュー"

urlpatterns = [
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", PasswordChangeDoneView.as_view(), name="password_change_done"),
    path(
        "accounts/sign-out-everywhere/",
        SignOutEverywhereView.as_view(),
        name="sign-out-everywhere",
    ),
    path("accounts/login/code/", otp_views.login_code, name="login-otp"),
    path("accounts/two-factor/", otp_views.two_factor_home, name="two-factor"),
    path("accounts/two-factor/enrol/", otp_views.enrol, name="two-factor-enrol"),
    path(
        "accounts/two-factor/recovery-codes/",
        otp_views.regenerate_recovery_codes,
        name="two-factor-recovery-codes",
    ),
    path(settings.ADMIN_URL, admin.site.urls),
    path("staff/", include("reports.urls")),
    path("staff/meetings/", include("meetings.urls")),
    path("staff/finance/", include("finance.urls")),
    path("api/v1/", include("akiruno.api_urls")),
    path("", include("reports.public_urls")),
]
