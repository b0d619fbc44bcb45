"""One error shape for the whole API: {"code", "message", "details"} with a Japanese message."""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .exceptions import ApplicationError

_DRF_MESSAGES = {
    "not_authenticated": "ログインが必要です。",
    "authentication_failed": "認証に失敗しました。",
    "permission_denied": "この操作を行う権限がありません。",
    "not_found": "見つかりません。",
    "method_not_allowed": "このメソッドは使えません。",
    "not_acceptable": "要求された形式では応答できません。",
    "unsupported_media_type": "この Content-Type には対応していません。application/json で送ってください。",
    "throttled": "リクエストが多すぎます。しばらく待ってから再度お試しください。",
    "parse_error": "リクエストの本文を読み取れません。正しい JSON で送ってください。",
    "invalid": "入力内容に誤りがあります。",
}


def error_body(code: str, message: str, details: Any = None) -> dict:
    return {"code": code, "message": message, "details": details if details is not None else {}}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """Turn domain, Django and DRF errors into the one documented error shape."""
    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.code, exc.message, exc.details), status=exc.status)
    if isinstance(exc, DjangoValidationError):
        details = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        return Response(
            error_body("invalid", "入力内容に誤りがあります。", details),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, drf_exceptions.APIException):
        code = (
            exc.default_code if not isinstance(exc, drf_exceptions.ValidationError) else "invalid"
        )
        if isinstance(exc, drf_exceptions.ValidationError):
            message = _DRF_MESSAGES["invalid"]
            details = response.data
        else:
            message = _DRF_MESSAGES.get(code, str(exc.detail))
            details = {}
            if isinstance(exc, drf_exceptions.Throttled) and exc.wait:
                details = {"retry_after_seconds": int(exc.wait)}
        response.data = error_body(code, message, details)
    return response
