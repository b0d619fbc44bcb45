"""Two-factor pages: the sign-in's second step, enrolment, recovery codes.

The sign-in is two steps for a user with a confirmed authenticator app: the password page
(akiruno.auth.ThrottledLoginView) remembers the user in the session without signing them in,
and the code page signs them in and marks the session verified. A wrong code counts toward the
same lockout as a wrong password. A user whose role requires a second factor but who has none
is signed in after the password and sent to enrolment; until they enrol, the staff side is
closed to them (akiruno.middleware.SecondFactorRequiredMiddleware).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from akiruno import auth as login_throttle
from akiruno import two_factor
from akiruno.login_events import record_event
from reports.permissions import policy

EXPIRED_MESSAGE = (
    "ログインの手続きの有効期限が切れました。もう一度ユーザー名とパスワードを入力してください。"
)


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


@never_cache
@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    """The second step: a 6-digit code from the app, or a recovery code."""
    pending = two_factor.pending_sign_in(request)
    if pending is None:
        if request.user.is_authenticated and not request.user.is_verified():
            if not two_factor.has_second_factor(request.user):
                return redirect("two-factor")
            # A signed-in session without a second factor (its user enrolled elsewhere).
            pending = (request.user, request.session.get(BACKEND_SESSION_KEY), "")
        else:
            messages.error(request, EXPIRED_MESSAGE)
            return redirect("login")
    user, backend, next_url = pending
    context = {"target_user": user, "error": None}
    if request.method == "GET":
        return render(request, "registration/login_otp.html", context)

    address = login_throttle.client_address(request)
    try:
        login_throttle.check_login_allowed(user.get_username(), address)
    except login_throttle.TooManyAttempts as exc:
        context["error"] = exc.message
        return render(request, "registration/login_otp.html", context, status=429)
    code = request.POST.get("otp", "")
    if not two_factor.normalize_code(code):
        context["error"] = two_factor.MISSING_CODE_MESSAGE
        return render(request, "registration/login_otp.html", context, status=400)
    verification = two_factor.verify_code(user, code)
    if verification is None:
        login_throttle.record_login_failure(user.get_username(), address)
        record_event(request, "otp_failed", user=user)
        context["error"] = two_factor.WRONG_CODE_MESSAGE
        return render(request, "registration/login_otp.html", context, status=400)

    request.session.pop(two_factor.PENDING_SESSION_KEY, None)
    if not request.user.is_authenticated or request.user.pk != user.pk:
        auth_login(request, user, backend=backend)
    else:
        request.session.cycle_key()
    two_factor.mark_verified(request, verification.device)
    login_throttle.clear_login_failures(user.get_username(), address)
    record_event(request, "otp_ok", user=user)
    if verification.recovery:
        record_event(request, "recovery_code_used", user=user)
        left = two_factor.recovery_codes_left(user)
        messages.warning(
            request,
            f"リカバリーコードでログインしました。残りは{left}個です。"
            "認証アプリを使えない状態が続く場合は、2段階認証の設定画面でコードを作り直してください。",
        )
    return redirect(safe_next(request, next_url))


@login_required
@require_http_methods(["GET"])
def two_factor_home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "enrolled": two_factor.has_second_factor(user),
        "required": policy.requires_second_factor(user),
        "recovery_left": two_factor.recovery_codes_left(user),
        "verified": user.is_verified(),
    }
    return render(request, "two_factor/home.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Set up the authenticator app: QR code and secret, confirmed by a code; then the recovery
    codes, shown this once."""
    user = request.user
    if two_factor.has_second_factor(user):
        if not user.is_verified():
            return redirect("login-otp")
        messages.info(request, "2段階認証はすでに設定されています。")
        return redirect("two-factor")
    device = two_factor.start_enrolment(user)
    context = {
        "qr_svg": two_factor.qr_svg(device),
        "secret": two_factor.secret_base32(device),
        "required": policy.requires_second_factor(user),
        "next": safe_next(request, request.GET.get("next") or request.POST.get("next")),
        "error": None,
    }
    if request.method == "GET":
        return render(request, "two_factor/enrol.html", context)
    code = request.POST.get("otp", "")
    if not two_factor.normalize_code(code).isdigit():
        context["error"] = "認証アプリに表示されている6桁の数字を入力してください。"
        return render(request, "two_factor/enrol.html", context, status=400)
    codes = two_factor.confirm_enrolment(user, device, code)
    if codes is None:
        record_event(request, "otp_failed", user=user)
        context["error"] = (
            "確認コードが一致しません。認証アプリに表示されている最新の6桁のコードを入力して"
            "ください（端末の時刻がずれていると一致しません）。"
        )
        return render(request, "two_factor/enrol.html", context, status=400)
    request.session.cycle_key()
    device.refresh_from_db()
    two_factor.mark_verified(request, device)
    record_event(request, "otp_enrolled", user=user)
    return render(
        request,
        "two_factor/recovery_codes.html",
        {"codes": codes, "next": context["next"], "just_enrolled": True},
    )


@never_cache
@login_required
@require_POST
def regenerate_recovery_codes(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not two_factor.has_second_factor(user) or not user.is_verified():
        messages.error(
            request, "リカバリーコードを作り直すには、2段階認証でログインしている必要があります。"
        )
        return redirect("two-factor")
    codes = two_factor.regenerate_recovery_codes(user)
    record_event(request, "recovery_codes_regenerated", user=user)
    return render(
        request,
        "two_factor/recovery_codes.html",
        {"codes": codes, "next": reverse("two-factor"), "just_enrolled": False},
    )
