"""One error shape for the API: DRF's, with the offending fields named.

Validation errors keep DRF's `{"field": ["reason"]}` body; an ApplicationError from a service
becomes `{"detail": message, **extra}`: HTTP 400, or 409 for a StateConflict (the object's
state refuses it, the request was fine) and 403 for NotPermitted (not this person's to do).
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.views import exception_handler as drf_exception_handler

from .exceptions import ApplicationError, NotPermitted, StateConflict

# The largest page a list endpoint returns, whatever `limit` asks for.
MAX_PAGE = 1000


class _Refused(exceptions.APIException):
    """A service's refusal, in the error shape, with the status its kind calls for."""

    def __init__(self, error: ApplicationError, status_code: int):
        self.status_code = status_code
        super().__init__({"detail": error.message, **error.extra})


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    if isinstance(exc, exceptions.UnsupportedMediaType):
        # Bad input is a 400 naming what is wrong, whatever part of the request it is in.
        exc = exceptions.ValidationError({"content_type": [f"{exc.detail} Send application/json."]})
    if isinstance(exc, StateConflict):
        exc = _Refused(exc, status.HTTP_409_CONFLICT)
    elif isinstance(exc, NotPermitted):
        exc = _Refused(exc, status.HTTP_403_FORBIDDEN)
    elif isinstance(exc, ApplicationError):
        exc = exceptions.ValidationError({"detail": exc.message, **exc.extra})
    return drf_exception_handler(exc, context)


def filter_parameters(filterset_class) -> list:
    """OpenAPI query parameters for a django-filter FilterSet used inside a plain APIView."""
    from drf_spectacular.utils import OpenApiParameter

    return [
        OpenApiParameter(name, str, description=str(getattr(flt, "label", "") or name), required=False)
        for name, flt in filterset_class.base_filters.items()
    ]


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


# limit/offset of the list endpoints, for the OpenAPI schema.
def page_parameters() -> list:
    from drf_spectacular.utils import OpenApiParameter

    return [
        OpenApiParameter(
            "limit", int, description=f"Rows per page (default 50, at most {MAX_PAGE:,}).", required=False
        ),
        OpenApiParameter("offset", int, description="Rows to skip.", required=False),
    ]


def paged(output):
    """The OpenAPI shape of a page of `output` rows: {count, next, previous, results}."""
    from drf_spectacular.utils import inline_serializer
    from rest_framework import serializers

    return inline_serializer(
        name=f"Paged{output.__name__.removesuffix('Output')}List",
        fields={
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": output(many=True),
        },
    )
