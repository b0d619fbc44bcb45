"""Security headers that Django 5.2 does not set by itself, and the input edge."""

import logging
import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from .inputs import (
    FORBIDDEN,
    LOCK_CONFLICT_MESSAGE,
    describe,
    forbidden_char,
    forbidden_message,
    is_lock_conflict,
)

logger = logging.getLogger("akiruno.request")


class ContentSecurityPolicyMiddleware:
    """Set the Content-Security-Policy header on every response that has none."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response


class InputEdgeMiddleware:
    """Refuse, before any view runs, form fields, query strings and file names holding a
    character no stored text may hold (akiruno.inputs: NUL, lone surrogates, control
    characters); and answer 409 instead of 500 when a page's transaction lost a lock conflict.

    The API's JSON bodies are checked by its parser (akiruno.api.JSONParser), imported files
    and spreadsheets by their readers. Refusals are 400 with a Japanese message naming the
    field; no view has run, so nothing is saved. Placed last, so its answers still get the
    security headers of the middleware around it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        found = self._find(request)
        if found:
            place, char = found
            return self._refuse(request, place, char)
        return self.get_response(request)

    def _find(self, request: HttpRequest) -> tuple[str, str] | None:
        found = FORBIDDEN.search(request.path)
        if found:
            return "URL", found.group()
        params = [request.GET]
        if request.method not in ("GET", "HEAD", "OPTIONS") and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            # A body Django cannot read raises here as it would in the CSRF check (400).
            params.append(request.POST)
            for name, upload in request.FILES.items():
                found_char = forbidden_char(upload.name or "")
                if found_char:
                    return f"{_visible(name)}（ファイル名）", found_char[1]
        for query in params:
            for key, values in query.lists():
                found_char = forbidden_char([key, *values])
                if found_char:
                    return _visible(key), found_char[1]
        return None

    def _refuse(self, request: HttpRequest, place: str, char: str) -> HttpResponse:
        message = forbidden_message(char, f"「{place}」")
        if request.path.startswith("/api/"):
            return JsonResponse(
                {
                    "code": "invalid",
                    "message": message,
                    "details": {place: f"{describe(char)} は使えません。"},
                },
                status=400,
                json_dumps_params={"ensure_ascii": False},
            )
        return render(request, "400.html", {"message": message, "place": place}, status=400)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_lock_conflict(exception):
            return None
        logger.warning("Lock conflict: %s %s: %s", request.method, request.path, exception)
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"code": "conflict", "message": LOCK_CONFLICT_MESSAGE, "details": {}},
                status=409,
                json_dumps_params={"ensure_ascii": False},
            )
        return render(request, "409.html", {"message": LOCK_CONFLICT_MESSAGE}, status=409)


FIELD_LABELS = {
    "q": "検索語",
    "heading": "見出し",
    "paragraphs": "本文",
    "entries": "列挙",
    "caption": "表題",
    "comment": "コメント",
    "reason": "理由",
    "username": "ユーザー名",
    "password": "パスワード",
}
CELL = re.compile(r"cell-(\d+)-(\d+)")


def _visible(name: str) -> str:
    """The field's name as staff know it: 本文, 検索語, 表の2行目・3列目."""
    name = FORBIDDEN.sub("?", name)[:80] or "?"
    if cell := CELL.fullmatch(name):
        return f"表の{int(cell[1]) + 1}行目・{int(cell[2]) + 1}列目"
    return FIELD_LABELS.get(name, name)


class SecondFactorRequiredMiddleware:
    """A signed-in user whose role requires a second factor (reports.permissions) and whose
    session has none reaches only sign-in, sign-out, enrolment and the public site: the staff
    pages and the Django admin send them to enrolment (or to the code page when they have an
    app), the API refuses with 403 (a request carrying a token is the token's business, and the
    token endpoint checks the code itself). Placed after django-otp's OTPMiddleware."""

    MESSAGE = (
        "この役割の職員は2段階認証が必要です。認証アプリを設定し、確認コードでログインしてから"
        "使ってください。"
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = self._refusal(request)
        return refusal if refusal is not None else self.get_response(request)

    def _guarded(self, path: str) -> bool:
        admin_prefix = "/" + settings.ADMIN_URL
        if path.startswith("/api/v1/public/") or path.startswith("/api/v1/docs"):
            return False
        return path.startswith(("/staff/", "/api/", admin_prefix))

    def _refusal(self, request: HttpRequest) -> HttpResponse | None:
        if not self._guarded(request.path_info):
            return None
        if request.path_info.startswith("/api/") and (
            request.path_info == "/api/v1/auth/token/"
            or request.META.get("HTTP_AUTHORIZATION", "").lower().startswith("token ")
        ):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified():
            return None
        from reports.permissions import policy

        if not policy.requires_second_factor(user):
            return None
        if request.path_info.startswith("/api/"):
            return JsonResponse(
                {"code": "second_factor_required", "message": self.MESSAGE, "details": {}},
                status=403,
            )
        from django.shortcuts import redirect

        from . import two_factor
        from .auth import redirect_to_enrolment

        if two_factor.has_second_factor(user):
            return redirect("login-otp")
        return redirect_to_enrolment(request.get_full_path())
