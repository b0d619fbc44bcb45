"""API authentication: `Authorization: Token <key>` (akiruno.tokens) for tools.

A logged-in browser uses its session instead (DRF's SessionAuthentication, CSRF enforced on
writes). This module is loaded by DRF's settings, so it must not import DRF's views: the token
endpoints are in akiruno.api_tokens.
"""

from __future__ import annotations

from rest_framework import authentication, exceptions

from akiruno.tokens import token_for_key


class JapaneseAuthenticationFailed(exceptions.AuthenticationFailed):
    """401 with our own Japanese message (DRF adds the WWW-Authenticate header)."""

    trusted_detail = True


class TokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token <key>` → the token's user (request.auth is the ApiToken)."""

    keyword = "Token"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise JapaneseAuthenticationFailed(
                "Authorization ヘッダーは「Token <トークン>」の形で、空白を含めずに送ってください。"
            )
        try:
            key = parts[1].decode("ascii")
        except UnicodeError:
            raise JapaneseAuthenticationFailed("トークンに使えない文字が含まれています。") from None
        token, reason = token_for_key(key)
        if token is None:
            raise JapaneseAuthenticationFailed(reason)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return self.keyword
