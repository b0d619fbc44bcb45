"""Reading requests: strict JSON within the size limit, and serializers that refuse unknown keys."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from rest_framework import exceptions as drf_exceptions
from rest_framework import parsers, serializers

from akiruno.exceptions import InvalidInput
from akiruno.inputs import describe, forbidden_char, forbidden_message

from .errors import PayloadTooLarge, too_large_message


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
                raise PayloadTooLarge(too_large_message())
        raw = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(raw) > limit:
            raise PayloadTooLarge(too_large_message())
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
