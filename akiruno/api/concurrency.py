"""Optimistic concurrency: ETags on reads, If-Match on writes, one transaction per write."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import models, transaction
from rest_framework import mixins, status
from rest_framework.response import Response

from .errors import ERRORS, PreconditionFailed, PreconditionRequired


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
