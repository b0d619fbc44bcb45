"""Lists: numbered pages and ordering, with their OpenAPI descriptions in Japanese."""

from __future__ import annotations

from rest_framework import exceptions as drf_exceptions
from rest_framework import filters, pagination

from akiruno.exceptions import NotFound as DomainNotFound


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
