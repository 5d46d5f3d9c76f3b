"""Pages of the list endpoints: limit/offset, capped, with their OpenAPI description."""

from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.pagination import LimitOffsetPagination

from .api import EMPTY_IS_INVALID

# The largest page a list endpoint returns, whatever `limit` asks for.
MAX_PAGE = 1000
# Far beyond any table; a larger offset is a bad request, not an OFFSET PostgreSQL cannot take.
MAX_OFFSET = 1_000_000_000


class CappedLimitOffsetPagination(LimitOffsetPagination):
    """limit/offset pages of at most MAX_PAGE rows: a larger limit gets MAX_PAGE (walk with `next`)."""

    max_limit = MAX_PAGE

    def get_offset(self, request):
        raw = request.query_params.get(self.offset_query_param)
        if raw is not None and (not raw.isdigit() or int(raw) > MAX_OFFSET):
            raise exceptions.ValidationError(
                {"offset": [f"must be a whole number from 0 to {MAX_OFFSET:,}."]}
            )
        return super().get_offset(request)

    def get_limit(self, request):
        raw = request.query_params.get(self.limit_query_param)
        if raw is not None and (not raw.isdigit() or int(raw) < 1):
            raise exceptions.ValidationError({"limit": [f"must be a whole number from 1 to {MAX_PAGE:,}."]})
        return super().get_limit(request)


def paginated_response(*, request, view, queryset, output, context: dict | None = None):
    """One page of `queryset` (limit/offset), serialized with `output`, in DRF's paginated shape."""
    paginator = CappedLimitOffsetPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(output(page, many=True, context=context or {}).data)


def page_parameters() -> list:
    """limit/offset of the list endpoints, for the OpenAPI schema."""
    return [
        OpenApiParameter(
            "limit",
            {"type": "integer", "minimum": 1},
            description=f"Rows per page (default 50); a larger limit than {MAX_PAGE:,} gives {MAX_PAGE:,}.",
            extensions={EMPTY_IS_INVALID: True},
        ),
        OpenApiParameter(
            "offset",
            {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET},
            description="Rows to skip.",
            extensions={EMPTY_IS_INVALID: True},
        ),
    ]


def paged(output):
    """The OpenAPI shape of a page of `output` rows: {count, next, previous, results}."""
    return inline_serializer(
        name=f"Paged{output.__name__.removesuffix('Output')}List",
        fields={
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": output(many=True),
        },
    )
