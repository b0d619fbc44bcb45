"""The OpenAPI contract: every operation documents its errors with the one `Error` component.

`AutoSchema` adds to each operation the error statuses it can answer (which ones follows from
the view: authentication, parameters, request body, throttles, If-Match), the If-Match request
header on writes of ConcurrencyMixin views and the ETag response header on their reads.
"""

from __future__ import annotations

from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import permissions, serializers

from akiruno.api import ERRORS, ConcurrencyMixin

ERROR_DESCRIPTIONS = {
    400: "入力内容の誤り（code: invalid, parse_error など）。details に項目ごとの理由があります。"
    "URL やクエリー文字列に制御文字・NUL があるときも 400 です。",
    401: (
        "認証されていない、トークンが無効、または確認コードの誤り（not_authenticated, "
        "authentication_failed, invalid_otp）。"
    ),
    403: (
        "権限がない、CSRF トークンがない、または2段階認証が済んでいない（forbidden, csrf_failed, "
        "second_factor_required）。"
    ),
    404: "見つからない（not_found）。見る権限のないもの（他の課の報告など）も 404 です。",
    406: "Accept ヘッダーが JSON を受け付けない（not_acceptable）。",
    409: "状態が変わっていて実行できない、または先に変更された（conflict, stale）。",
    412: "If-Match の ETag が古い（precondition_failed）。何も変更していません。",
    413: "本文が大きすぎる（payload_too_large）。",
    415: "Content-Type が application/json でない（unsupported_media_type）。",
    428: "If-Match ヘッダーがない（precondition_required）。",
    429: "リクエストが多すぎる（throttled）。Retry-After ヘッダーに待つ秒数があります。",
}


class ErrorSerializer(serializers.Serializer):
    """The one error shape of the API."""

    code = serializers.CharField(
        help_text="機械向けのコード: " + ", ".join(sorted(ERRORS)) + "（ほかに処理ごとのコード）"
    )
    message = serializers.CharField(help_text="利用者向けの日本語のメッセージ")
    details = serializers.DictField(
        child=serializers.CharField(),
        help_text=(
            "場所 → メッセージ。場所は項目名、または入れ子の入力では JSON ポインター"
            "（例: /rows/3/amount）。誤りはすべて一度に返します。"
        ),
    )

    class Meta:
        ref_name = "Error"


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description='取得したときの ETag（例: "v3"）。古ければ 412 で、何も変更しません。',
)


def _etag_header(statuses: list[int]) -> OpenApiParameter:
    return OpenApiParameter(
        "ETag",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        required=True,
        response=statuses,
        description="このリソースの今の版。変更するときは If-Match に付けて送ります。",
    )


class AutoSchema(openapi.AutoSchema):
    def _view_action(self) -> str | None:
        return getattr(self.view, "action", None)

    def _needs_if_match(self) -> bool:
        if not isinstance(self.view, ConcurrencyMixin):
            return False
        return self.method in {"PUT", "PATCH", "DELETE"} or (
            self._view_action() in getattr(self.view, "if_match_actions", ())
        )

    def _returns_etag(self) -> list[int]:
        if not isinstance(self.view, ConcurrencyMixin):
            return []
        action = self._view_action()
        if action == "retrieve" or self.method in {"PUT", "PATCH"}:
            return [200]
        if action == "create":
            return [201]
        return []

    def get_override_parameters(self):
        params = list(super().get_override_parameters())
        if self._needs_if_match():
            params.append(IF_MATCH)
        etag_statuses = self._returns_etag()
        if etag_statuses:
            params.append(_etag_header(etag_statuses))
        return params

    def _auth_required(self) -> bool:
        return not any(isinstance(p, permissions.AllowAny) for p in self.view.get_permissions())

    def error_statuses(self) -> list[int]:
        # 400 on every operation: the input edge (akiruno.middleware.InputEdgeMiddleware)
        # refuses a path or query string holding NUL, a lone surrogate or a control character
        # before any view runs.
        codes = {400, 406}
        has_body = self.method in {"POST", "PUT", "PATCH"}
        has_path_params = "{" in self.path
        is_list = self._is_list_view() and self.method == "GET"
        if self._auth_required():
            codes |= {401, 403}
        if has_body or is_list:
            codes.add(400)
        if has_body:
            codes |= {413, 415}
        if has_path_params or is_list:
            codes.add(404)
        if self.method != "GET":
            codes.add(409)
        if self._needs_if_match():
            codes |= {412, 428}
        extra = getattr(self.view, "extra_error_statuses", ())
        if isinstance(extra, dict):
            # {"DELETE": (400,)} or {"export": (400,)}: one HTTP method's or viewset action's
            extra = (*extra.get(self.method, ()), *extra.get(self._view_action(), ()))
        codes |= set(extra)
        if self.view.get_throttles():
            codes.add(429)
        return sorted(codes)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self.error_statuses():
            response = self._get_response_for_code(ErrorSerializer, str(code), direction=direction)
            response["description"] = ERROR_DESCRIPTIONS[code]
            responses.setdefault(str(code), response)
        return responses


ERRORS_MARKDOWN = """

## エラー
エラーはすべて次の形の JSON で、message は日本語です。

```json
{"code": "invalid", "message": "入力内容に1件の誤りがあります。…", "details": {"name": "この項目は必須です。"}}
```

`details` は「場所 → メッセージ」で、誤りをすべて一度に返します。各操作の応答に、起こりうる状態コードを
記載しています。/api/v1/ の下の存在しない URL も JSON の 404 です。

## 認証
- ブラウザー: ログイン中のセッション。変更（POST/PATCH/DELETE）には X-CSRFToken ヘッダーが必要です。
- ツール: `Authorization: Token <トークン>`。トークンは POST /api/v1/auth/token/ で発行します。

## 同時編集
詳細の取得結果には ETag ヘッダーが付きます。変更するときは `If-Match: <ETag>` を付けてください。
付けなければ 428、古ければ 412 で、何も変更しません。
"""


def postprocess_schema(result, generator, request, public):
    """Document the error shape, authentication and concurrency once, in the API description."""
    info = result.setdefault("info", {})
    info["description"] = (info.get("description") or "") + ERRORS_MARKDOWN
    return result


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "akiruno.api_auth.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "「Token <トークン>」。トークンは POST /api/v1/auth/token/ で発行します。",
        }
