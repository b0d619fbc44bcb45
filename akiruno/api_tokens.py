"""The token endpoints: issue a token for a password, list tokens, revoke them.

- POST /api/v1/auth/token/ {"username", "password", "otp"?, "name"?} → 201 {"token", …}. A user
  with a second factor (required for reviewers, the planning division's head and administrators)
  also sends `otp`: missing → 400 otp_required, wrong → 401 invalid_otp, no token made. Failed
  attempts (password or code) share the HTML login's throttle (akiruno.auth: per user and per
  address) → 429.
- DELETE /api/v1/auth/token/ revokes the token the request was made with.
- /api/v1/auth/tokens/: list own tokens (administrators: everyone's), create one while logged
  in, GET or DELETE one by id (its owner or an administrator). Tokens never change, so they
  carry no ETag.
"""

from __future__ import annotations

import django_filters
from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from akiruno import auth as login_throttle
from akiruno import two_factor
from akiruno.api import JapaneseThrottled, LoginRateThrottle, StrictSerializer, error_response
from akiruno.exceptions import InvalidInput
from akiruno.login_events import record_event
from akiruno.models import ApiToken
from akiruno.tokens import token_create, token_revoke
from reports.permissions import policy

# -- serializers ------------------------------------------------------------------------------


class TokenOwnerSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    full_name = serializers.CharField(read_only=True)


class ApiTokenSerializer(serializers.ModelSerializer):
    """A token as listed: never the key itself, only its first characters."""

    user = TokenOwnerSerializer(read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "user", "created_at", "last_used_at", "expires_at"]
        read_only_fields = fields


class IssuedTokenSerializer(ApiTokenSerializer):
    """A token just issued: the key is in `token`, shown this once."""

    token = serializers.CharField(read_only=True, help_text="Authorization: Token <token> で送る鍵")

    class Meta(ApiTokenSerializer.Meta):
        fields = ["token", *ApiTokenSerializer.Meta.fields]
        read_only_fields = fields


class TokenRequestSerializer(StrictSerializer):
    username = serializers.CharField(label="ユーザー名", max_length=150)
    password = serializers.CharField(
        label="パスワード", max_length=4096, trim_whitespace=False, style={"input_type": "password"}
    )
    otp = serializers.CharField(
        label="確認コード",
        max_length=32,
        required=False,
        allow_blank=True,
        help_text=(
            "2段階認証の確認コード（認証アプリの6桁、またはリカバリーコード）。審査担当・企画政策"
            "課長・システム管理者と、2段階認証を設定した利用者は必須"
        ),
    )
    name = serializers.CharField(
        label="トークンの名前",
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="どのツールで使うかが分かる名前（省略時は発行日）",
    )


class TokenCreateSerializer(StrictSerializer):
    name = serializers.CharField(
        label="トークンの名前", max_length=100, required=False, allow_blank=True
    )


def _issued(token: ApiToken, key: str) -> dict:
    return {"token": key, **ApiTokenSerializer(token).data}


# -- views ------------------------------------------------------------------------------------


class TokenView(APIView):
    """Issue a token for a username and password; revoke the token in use."""

    policy_actions = {"delete": "revoke"}
    # A wrong second-factor code is 401 invalid_otp, though the endpoint needs no credentials.
    extra_error_statuses = {"POST": (401,)}

    def policy_prototype(self) -> ApiToken:
        return ApiToken(user=self.request.user)

    def get_permissions(self):
        if self.request.method == "POST":
            return [permissions.AllowAny()]
        return super().get_permissions()

    def get_throttles(self):
        if self.request.method == "POST":
            return [LoginRateThrottle()]
        return super().get_throttles()

    def perform_authentication(self, request) -> None:
        # A password request needs no other credentials; an expired token must not block it.
        if request.method != "POST":
            super().perform_authentication(request)

    @extend_schema(
        operation_id="auth_token_create",
        summary="パスワードでトークンを発行する",
        description=(
            "ユーザー名とパスワードでトークンを発行します。鍵（token）はこの応答でのみ表示されます。"
            "2段階認証が必要な役割（審査担当・企画政策課長・システム管理者）と2段階認証を設定した"
            "利用者は otp に確認コードも送ります（ないと 400 otp_required、誤りは 401 invalid_otp）。"
            "失敗が続くと、ログイン画面と共通の制限で一時的に発行できなくなります（429）。"
        ),
        auth=[],
        request=TokenRequestSerializer,
        responses={201: IssuedTokenSerializer},
        tags=["auth"],
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        username = serializer.validated_data["username"]
        address = login_throttle.client_address(request._request)
        try:
            login_throttle.check_login_allowed(username, address, request._request)
        except login_throttle.TooManyAttempts as exc:
            raise JapaneseThrottled(wait=exc.retry_after, detail=exc.message) from None
        user = authenticate(
            request._request, username=username, password=serializer.validated_data["password"]
        )
        if user is None:
            login_throttle.record_login_failure(username, address, request._request)
            return error_response("invalid_credentials")
        if policy.requires_second_factor(user) or two_factor.has_second_factor(user):
            if not two_factor.has_second_factor(user):
                return error_response("otp_not_enrolled")
            code = serializer.validated_data.get("otp", "")
            if not two_factor.normalize_code(code):
                return error_response("otp_required")
            verification = two_factor.verify_code(user, code)
            if verification is None:
                login_throttle.record_login_failure(username, address)
                record_event(request._request, "otp_failed", user=user)
                return error_response("invalid_otp")
            if verification.recovery:
                record_event(request._request, "recovery_code_used", user=user)
        login_throttle.clear_login_failures(username, address)
        token, key = token_create(user=user, name=serializer.validated_data.get("name", ""))
        return Response(_issued(token, key), status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="auth_token_destroy",
        summary="使用中のトークンを失効させる",
        description="このリクエストの Authorization ヘッダーのトークンを失効させます。",
        responses={204: OpenApiResponse(description="失効しました")},
        tags=["auth"],
    )
    def delete(self, request):
        if not isinstance(request.auth, ApiToken):
            raise InvalidInput(
                "このリクエストはトークンで認証されていません。失効させるトークンを "
                "/api/v1/auth/tokens/{id}/ で指定してください。"
            )
        token_revoke(token=request.auth, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiTokenFilter(django_filters.FilterSet):
    user = django_filters.CharFilter(
        field_name="user__username", label="利用者のユーザー名（管理者のみ意味があります）"
    )

    class Meta:
        model = ApiToken
        fields = ["user"]


@extend_schema_view(
    list=extend_schema(
        summary="トークンの一覧（管理者は全員分）",
        description="鍵そのものは返しません（先頭の文字 prefix で見分けます）。",
        tags=["auth"],
    ),
    retrieve=extend_schema(
        summary="トークン", description="鍵そのものは返しません。", tags=["auth"]
    ),
    create=extend_schema(
        summary="ログイン中の利用者のトークンを発行する",
        description="ログイン中（セッションまたはトークン）の利用者に新しいトークンを発行します。",
        request=TokenCreateSerializer,
        responses={201: IssuedTokenSerializer},
        tags=["auth"],
    ),
    destroy=extend_schema(
        summary="トークンを失効させる（本人または管理者）",
        description="失効したトークンは直ちに使えなくなります。",
        tags=["auth"],
    ),
)
class TokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ApiTokenSerializer
    policy_actions = {"create": "create", "destroy": "revoke"}
    filterset_class = ApiTokenFilter
    ordering_fields = ["created_at", "last_used_at", "name"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        qs = ApiToken.objects.select_related("user")
        return policy.visible(self.request.user, ApiToken, qs)

    def policy_prototype(self) -> ApiToken:
        return ApiToken(user=self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = TokenCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, key = token_create(user=request.user, name=serializer.validated_data.get("name", ""))
        return Response(_issued(token, key), status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: ApiToken) -> None:
        token_revoke(token=instance, actor=self.request.user)
