"""The API's one error shape, and the exception handler that produces it.

DRF's settings load this package (permission, parser, paging classes), so it must not import
rest_framework.views at module level.

Every error the API returns has one shape, with a Japanese message:

    {"code": "not_found", "message": "見つかりません。…", "details": {"place": "message", …}}

`details` maps a place (a field name, or a JSON pointer such as "/items/0/heading" for nested
input) to a message; it is `{}` when there is nothing to point at. Domain errors
(akiruno.exceptions.ApplicationError), Django's and DRF's errors and unknown URLs under /api/v1/
all come out this way (see ERRORS for the codes and their statuses).
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.response import Response

from akiruno.exceptions import ApplicationError
from akiruno.inputs import LOCK_CONFLICT_MESSAGE, is_lock_conflict

logger = logging.getLogger("akiruno.api")

# code: (HTTP status, the message used when the error carries no more specific one)
ERRORS: dict[str, tuple[int, str]] = {
    "invalid": (400, "入力内容に誤りがあります。details の各項目を確認してください。"),
    "invalid_credentials": (400, "ユーザー名またはパスワードが正しくありません。"),
    "otp_required": (
        400,
        "この利用者は2段階認証が必要です。otp に認証アプリの6桁の確認コード（またはリカバリー"
        "コード）を入れて送ってください。",
    ),
    "otp_not_enrolled": (
        400,
        "この利用者は2段階認証が必要ですが、まだ設定されていません。ブラウザーでログインして認証"
        "アプリを設定してから、トークンを発行してください。",
    ),
    "invalid_otp": (
        401,
        "確認コードが正しくないか、有効期限が切れています（一度使ったコードは使えません）。",
    ),
    "second_factor_required": (
        403,
        "この役割の職員は2段階認証が必要です。認証アプリを設定し、確認コードでログインしてから"
        "使ってください。",
    ),
    "parse_error": (
        400,
        "リクエストの本文を JSON として読み取れません。正しい JSON（UTF-8）で送ってください。",
    ),
    "not_authenticated": (
        401,
        "ログインが必要です。ログインしたブラウザーから使うか、"
        "「Authorization: Token <トークン>」ヘッダーを付けてください。",
    ),
    "authentication_failed": (401, "認証に失敗しました。"),
    "forbidden": (403, "この操作を行う権限がありません。"),
    "csrf_failed": (
        403,
        "CSRF トークンを確認できません。ログイン中のブラウザーから送る場合は、"
        "csrftoken クッキーの値を X-CSRFToken ヘッダーに付けてください。",
    ),
    "not_found": (404, "見つかりません。URL と ID を確認してください。"),
    "method_not_allowed": (405, "この URL ではそのメソッドは使えません。"),
    "not_acceptable": (
        406,
        "JSON（application/json）以外の形式では応答できません。Accept ヘッダーを確認してください。",
    ),
    "conflict": (409, "他の操作と競合しました。最新の内容を取得してから再度お試しください。"),
    "stale": (409, "他の人が先に変更しました。最新の内容を取得してから再度お試しください。"),
    "precondition_failed": (
        412,
        "取得した後に他の操作で内容が変わっています。最新の内容を取得し、その ETag を If-Match に"
        "付けて再度送ってください。",
    ),
    "payload_too_large": (413, "リクエストの本文が大きすぎます。"),
    "unsupported_media_type": (
        415,
        "この Content-Type には対応していません。Content-Type: application/json で送ってください。",
    ),
    "precondition_required": (
        428,
        "変更するには If-Match ヘッダーが必要です。取得したときの ETag をそのまま付けてください。",
    ),
    "throttled": (429, "リクエストが多すぎます。しばらく待ってから再度お試しください。"),
    "server_error": (
        500,
        "サーバーで問題が発生しました。時間をおいて再度お試しください。続く場合はシステム管理者に"
        "連絡してください。",
    ),
}


def error_body(code: str, message: str, details: Any = None) -> dict:
    return {"code": code, "message": message, "details": flatten_details(details)}


def error_response(code: str, message: str | None = None, details: Any = None) -> Response:
    http_status, default = ERRORS[code]
    return Response(error_body(code, message or default, details), status=http_status)


def flatten_details(details: Any) -> dict[str, str]:
    """Nested DRF/Django/domain error details → {place: message}, every problem kept.

    A top-level field keeps its name; a nested place becomes a JSON pointer ("/items/0/heading");
    several messages at one place are joined into one string.
    """
    out: dict[str, str] = {}

    def place(path: tuple) -> str:
        if not path:
            return api_settings_non_field_key()
        if len(path) == 1:
            return str(path[0])
        parts = [str(p).lstrip("/") if i == 0 else str(p) for i, p in enumerate(path)]
        return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)

    def add(path: tuple, message: str) -> None:
        key = place(path)
        out[key] = f"{out[key]} {message}" if key in out else message

    def walk(value: Any, path: tuple) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(sub, (*path, key))
        elif isinstance(value, list | tuple):
            if all(not isinstance(v, dict | list | tuple) for v in value):
                if value:
                    add(path, " ".join(str(v) for v in value))
            else:
                for index, sub in enumerate(value):
                    walk(sub, (*path, index))
        elif value is not None and value != "":
            add(path, str(value))

    if details is None or details == {}:
        return out
    walk(details, ())
    return out


def api_settings_non_field_key() -> str:
    from rest_framework.settings import api_settings

    return api_settings.NON_FIELD_ERRORS_KEY


# -- the exception handler -------------------------------------------------------------------


def exception_handler(exc: Exception, context: dict) -> Response:
    """Turn every error raised in an API view into the one documented error shape."""
    from rest_framework.views import set_rollback  # not at import: DRF loads this module early

    response = _handle(exc, context.get("request"))
    set_rollback()
    return response


def _handle(exc: Exception, request) -> Response:
    if isinstance(exc, ApplicationError):
        response = Response(error_body(exc.code, exc.message, exc.details), status=exc.status)
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            response["Retry-After"] = str(int(retry_after))
        return response
    if isinstance(exc, DjangoValidationError):
        details = (
            exc.message_dict
            if hasattr(exc, "error_dict")
            else {api_settings_non_field_key(): exc.messages}
        )
        return _invalid(details)
    if isinstance(exc, RequestDataTooBig):
        return error_response("payload_too_large", too_large_message())
    if isinstance(exc, Http404):
        return error_response("not_found")
    if isinstance(exc, DjangoPermissionDenied):
        return error_response("forbidden")
    if isinstance(exc, drf_exceptions.APIException):
        return _handle_drf(exc, request)
    if is_lock_conflict(exc):
        # A deadlock or lock timeout lost to a concurrent write: the transaction was rolled
        # back, so nothing changed; the client retries as after any conflict.
        logger.warning(
            "Lock conflict in the API: %s %s: %s",
            getattr(request, "method", "?"),
            getattr(request, "path", "?"),
            exc,
        )
        return error_response("conflict", LOCK_CONFLICT_MESSAGE)
    logger.error(
        "Unhandled error in the API: %s %s",
        getattr(request, "method", "?"),
        getattr(request, "path", "?"),
        exc_info=exc,
    )
    if settings.DEBUG:
        raise exc
    return error_response("server_error")


def _invalid(details: Any) -> Response:
    flat = flatten_details(details)
    message = (
        f"入力内容に{len(flat)}件の誤りがあります。details の各項目を確認してください。"
        if flat
        else ERRORS["invalid"][1]
    )
    return Response(
        {"code": "invalid", "message": message, "details": flat},
        status=status.HTTP_400_BAD_REQUEST,
    )


def _handle_drf(exc: drf_exceptions.APIException, request) -> Response:
    if isinstance(exc, drf_exceptions.ValidationError):
        return _invalid(exc.detail)
    code = {"permission_denied": "forbidden", "error": "server_error"}.get(
        exc.default_code, exc.default_code
    )
    headers: dict[str, str] = {}
    details: Any = {}
    message: str | None = None
    if isinstance(exc, drf_exceptions.ParseError):
        details = {"body": str(exc.detail)}
    elif isinstance(exc, drf_exceptions.PermissionDenied) and str(exc.detail).startswith(
        "CSRF Failed"
    ):
        code = "csrf_failed"
    elif isinstance(exc, drf_exceptions.MethodNotAllowed) and request is not None:
        message = f"この URL では {request.method} メソッドは使えません。"
    elif isinstance(exc, drf_exceptions.UnsupportedMediaType) and request is not None:
        details = {"Content-Type": f"{request.content_type or '（なし）'} は使えません。"}
    elif isinstance(exc, drf_exceptions.Throttled) and exc.wait:
        headers["Retry-After"] = str(int(exc.wait))
        message = f"リクエストが多すぎます。{int(exc.wait)}秒ほど待ってから再度お試しください。"
    if getattr(exc, "trusted_detail", False):
        message = str(exc.detail)
    auth_header = getattr(exc, "auth_header", None)
    if auth_header:
        headers["WWW-Authenticate"] = auth_header
    default = ERRORS.get(code, (0, ERRORS["server_error"][1]))[1]
    return Response(
        error_body(code, message or default, details), status=exc.status_code, headers=headers
    )


def too_large_message() -> str:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
    return f"リクエストの本文が大きすぎます（上限 {limit // (1024 * 1024)} MB）。分けて送ってください。"


# -- errors the API itself raises ------------------------------------------------------------


class PayloadTooLarge(ApplicationError):
    code = "payload_too_large"
    status = 413


class PreconditionFailed(ApplicationError):
    code = "precondition_failed"
    status = 412


class PreconditionRequired(ApplicationError):
    code = "precondition_required"
    status = 428


class JapaneseThrottled(drf_exceptions.Throttled):
    trusted_detail = True
