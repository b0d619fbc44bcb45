"""The API's common parts: one error shape, one permission class, paging, parsing, concurrency.

DRF's settings load this module (permission, parser, paging classes), so it must not import
rest_framework.views at module level.

Every error the API returns has one shape, with a Japanese message:

    {"code": "not_found", "message": "見つかりません。…", "details": {"place": "message", …}}

`details` maps a place (a field name, or a JSON pointer such as "/items/0/heading" for nested
input) to a message; it is `{}` when there is nothing to point at. Domain errors
(akiruno.exceptions.ApplicationError), Django's and DRF's errors and unknown URLs under /api/v1/
all come out this way (see ERRORS for the codes and their statuses).
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework import (
    filters,
    mixins,
    pagination,
    parsers,
    permissions,
    serializers,
    status,
    throttling,
)
from rest_framework.response import Response

from reports.permissions import is_staff_user, policy

from .exceptions import ApplicationError, InvalidInput
from .exceptions import NotFound as DomainNotFound
from .exceptions import PermissionDenied as DomainPermissionDenied
from .inputs import (
    LOCK_CONFLICT_MESSAGE,
    describe,
    forbidden_char,
    forbidden_message,
    is_lock_conflict,
)

logger = logging.getLogger("akiruno.api")

# code: (HTTP status, the message used when the error carries no more specific one)
ERRORS: dict[str, tuple[int, str]] = {
    "invalid": (400, "入力内容に誤りがあります。details の各項目を確認してください。"),
    "invalid_credentials": (400, "ユーザー名またはパスワードが正しくありません。"),
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
        return error_response("payload_too_large", _too_large_message())
    if isinstance(exc, Http404):
        return error_response("not_found")
    if isinstance(exc, DjangoPermissionDenied):
        return error_response("forbidden")
    if isinstance(exc, drf_exceptions.APIException):
        return _handle_drf(exc, request)
    if is_lock_conflict(exc):
        # A deadlock or lock timeout lost to a concurrent write: the transaction was rolled
        # back, so nothing changed; the client retries as after any conflict.
        logger.warning("Lock conflict in the API: %s %s: %s", request.method, request.path, exc)
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


def _too_large_message() -> str:
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


# -- parsing ---------------------------------------------------------------------------------


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} は JSON の値として使えません。")


class JSONParser(parsers.JSONParser):
    """Strict JSON with the request-size limit applied before anything is read into memory.

    DRF reads the body as a stream, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE would not apply.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        request = parser_context.get("request")
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if request is not None and limit is not None:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                raise PayloadTooLarge(_too_large_message())
        raw = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(raw) > limit:
            raise PayloadTooLarge(_too_large_message())
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = raw.decode(encoding)
            data = json.loads(text, parse_constant=_reject_constant)
        except UnicodeDecodeError as exc:
            raise drf_exceptions.ParseError(f"文字コードが {encoding} ではありません。") from exc
        except RecursionError as exc:
            raise drf_exceptions.ParseError("JSON の入れ子が深すぎます。") from exc
        except ValueError as exc:
            raise drf_exceptions.ParseError(f"JSON の誤り: {exc}") from exc
        refuse_forbidden_chars(data)
        return data


def refuse_forbidden_chars(data: Any, what: str = "本文") -> None:
    """400 naming the place of a NUL, lone surrogate or control character (akiruno.inputs)."""
    found = forbidden_char(data)
    if found:
        place, char = found
        raise InvalidInput(
            forbidden_message(char, what),
            details={place: f"{describe(char)} は使えません。"},
        )


# -- paging ----------------------------------------------------------------------------------


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=2&page_size=100`: numbered pages with the total count (one COUNT query)."""

    page_size_query_param = "page_size"
    max_page_size = 500
    page_query_description = "ページ番号（1から）。"
    page_size_query_description = "1ページの件数（既定 50、最大 500）。"

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except drf_exceptions.NotFound:
            raise DomainNotFound(
                "そのページはありません。",
                details={
                    "page": f"1 から {self.page.paginator.num_pages} までの番号を指定してください。"
                }
                if getattr(self, "page", None)
                else {"page": "1 以上の、最終ページまでの番号を指定してください。"},
            ) from None


class OrderingFilter(filters.OrderingFilter):
    """`?ordering=-updated_at,id`: the view's `ordering_fields`, `-` for descending."""

    def get_schema_operation_parameters(self, view):
        fields = [name for name, _ in self.get_valid_fields(view.get_queryset(), view, {})]
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": (
                    "並べ替え。使える項目: "
                    + "、".join(fields)
                    + "。先頭に - を付けると降順、カンマ区切りで複数指定できます。"
                ),
                "schema": {"type": "string"},
            }
        ]


# -- throttles -------------------------------------------------------------------------------


class AddressRateThrottle(throttling.SimpleRateThrottle):
    """Limit requests per client address, whoever is logged in."""

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginRateThrottle(AddressRateThrottle):
    """Token requests (password attempts) per address; failures are also counted per user."""

    scope = "login"


class PublicRateThrottle(AddressRateThrottle):
    """The anonymous public API (/api/v1/public/) per address."""

    scope = "public"


# -- permissions -----------------------------------------------------------------------------


class PolicyPermission(permissions.BasePermission):
    """Ask the one permission policy (reports.permissions.policy); no role logic here.

    Anonymous and inactive users are refused (401). A view names the policy action of each of
    its actions in `policy_actions` (reads default to "view"). Lists are narrowed by
    `policy.visible` in the view's queryset. An unsafe request that acts on no particular object
    (a create, a collection-level action) is asked of `view.policy_prototype()`, an unsaved
    object of the model; an object is checked with `policy.check`, which answers 404 where the
    user may not see it and 403 where they see it but may not act.
    """

    def has_permission(self, request, view) -> bool:
        if not is_staff_user(request.user):
            return False
        if request.method in permissions.SAFE_METHODS or getattr(view, "detail", False):
            return True  # reads are narrowed by the queryset; objects are checked one by one
        if not hasattr(view, request.method.lower()):
            return True  # a method the view does not handle: DRF answers 405 next
        action = policy_action(view, request)
        prototype = view.policy_prototype() if hasattr(view, "policy_prototype") else None
        if prototype is None or not policy.can(request.user, action, prototype):
            raise DomainPermissionDenied(policy.denied_message(action, prototype))
        return True

    def has_object_permission(self, request, view, obj) -> bool:
        policy.check(request.user, policy_action(view, request), obj)
        return True


def policy_action(view, request) -> str:
    """The policy action for this request: `view.policy_actions[action]`, else "view" for reads.

    An unsafe request whose action is not listed is refused ("deny" is no policy action), so a
    new write endpoint cannot forget to name its rule.
    """
    actions = getattr(view, "policy_actions", None) or {}
    name = getattr(view, "action", None) or request.method.lower()
    if name in actions:
        return actions[name]
    return "view" if request.method in permissions.SAFE_METHODS else "deny"


# -- input -----------------------------------------------------------------------------------


class StrictSerializerMixin:
    """Refuse keys the serializer does not accept, naming each one (a typo must not pass)."""

    def to_internal_value(self, data):
        unknown = self._unknown_keys(data) if isinstance(data, dict) else {}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if unknown and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**exc.detail, **unknown}) from None
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value

    def _unknown_keys(self, data: dict) -> dict[str, str]:
        writable = {name for name, field in self.fields.items() if not field.read_only}
        read_only = {name for name, field in self.fields.items() if field.read_only}
        errors = {}
        for key in data:
            if key in writable:
                continue
            if key in read_only:
                errors[key] = "この項目は読み取り専用のため、送れません。"
            else:
                accepted = "、".join(sorted(writable)) or "なし"
                errors[key] = f"この項目は受け付けません。使える項目: {accepted}"
        return errors


class StrictSerializer(StrictSerializerMixin, serializers.Serializer):
    pass


class StrictModelSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    pass


# -- optimistic concurrency ------------------------------------------------------------------


def etag_for(obj: models.Model) -> str:
    """A strong ETag for the stored state of `obj`.

    Models with a `version` column (raised by every service write) use it; others use a digest
    of the row's own columns, so any change to the row changes the tag.
    """
    field_names = {f.attname for f in obj._meta.concrete_fields}
    if "version" in field_names:
        return f'"v{obj.version}"'
    values = [(name, str(getattr(obj, name))) for name in sorted(field_names)]
    digest = hashlib.sha256(json.dumps(values, ensure_ascii=False).encode()).hexdigest()
    return f'"h{digest[:20]}"'


def _if_match_tags(header: str) -> list[str]:
    return [tag.strip() for tag in header.split(",") if tag.strip()]


class ConcurrencyMixin:
    """Reads return an ETag; writes must send it back in If-Match.

    - no If-Match on PUT/PATCH/DELETE (and on POST actions listed in `if_match_actions`): 428
    - an If-Match that is not the current tag: 412, nothing changed
    - the row is re-read under a lock inside the write's transaction (after `lock_parents`, so
      every write locks in one order: section, item, block), and versioned models
      additionally pass `self.expected_version` to the service, which compare-and-sets it
      (a write that slips in between gets 409 "stale" from the service).
    """

    if_match_actions: tuple[str, ...] = ()
    expected_version: int | None = None

    def requires_if_match(self) -> bool:
        action = getattr(self, "action", None)
        return self.request.method in {"PUT", "PATCH", "DELETE"} or (
            action is not None and action in self.if_match_actions
        )

    def get_object(self):
        if not self.requires_if_match():
            return super().get_object()
        header = self.request.headers.get("If-Match")
        obj = super().get_object()  # 404/403 come first: existence does not leak through 428
        if not header:
            raise PreconditionRequired(ERRORS["precondition_required"][1])
        if transaction.get_connection().in_atomic_block:
            self.lock_parents(obj)  # one lock order everywhere: section, then item, then block
            obj = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
        current = etag_for(obj)
        tags = _if_match_tags(header)
        if "*" not in tags and current not in tags:
            raise PreconditionFailed(
                ERRORS["precondition_failed"][1],
                details={"If-Match": f"現在の ETag は {current} です。"},
            )
        self.expected_version = getattr(obj, "version", None)
        return obj

    def lock_parents(self, obj: models.Model) -> None:
        """Lock the rows a write to `obj` will also lock, before `obj` itself.

        The services take their locks section first (a compare-and-set on its version), then
        the item, then the block; a view that locked the block first and the section second
        deadlocked with an editor's form saving the same block. Views over items and blocks
        lock the section here.
        """

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        obj = getattr(self, "etag_object", None)
        if obj is not None and 200 <= response.status_code < 300 and "ETag" not in response:
            response["ETag"] = etag_for(obj)
        return response

    def represent(self, instance) -> Any:
        """The response body for one object (views whose input and output differ override)."""
        return self.get_serializer(instance).data

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        self.etag_object = instance
        return Response(self.represent(instance))


class CreateMixin(mixins.CreateModelMixin):
    """Create in one transaction through `perform_create` (which calls the service)."""

    @transaction.atomic
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        self.etag_object = serializer.instance
        return Response(self.represent(serializer.instance), status=status.HTTP_201_CREATED)


class UpdateMixin(mixins.UpdateModelMixin):
    """PATCH (and PUT) under If-Match, in one transaction, through `perform_update`."""

    @transaction.atomic
    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        self.perform_update(serializer)
        self.etag_object = serializer.instance
        return Response(self.represent(serializer.instance))


class DestroyMixin(mixins.DestroyModelMixin):
    """DELETE under If-Match, in one transaction, through `perform_destroy`."""

    @transaction.atomic
    def destroy(self, request, *args, **kwargs):
        return super().destroy(request, *args, **kwargs)


class ServicePolicyPermission(permissions.BasePermission):
    """For views whose every write goes through a service that asks the policy itself.

    Only authenticated, active staff get past this class; what they may do to which object is
    decided by the service (reports.permissions.policy), so a refused write is the same 403/404
    as in the HTML pages. Used by the meetings and finance endpoints.
    """

    def has_permission(self, request, view) -> bool:
        return is_staff_user(request.user)
