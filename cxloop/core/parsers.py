"""A JSON parser that bounds what a client can make the server do."""

import json
import math

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import BaseParser
from rest_framework.renderers import JSONRenderer


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    # Python reads 1e400 as infinity, which no column (nor jsonb) can store: refuse it here.
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:50]} is too large")
    return value


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"


class BoundedJSONParser(BaseParser):
    """Strict JSON with a size limit (CXLOOP_API_MAX_BODY_BYTES) checked before the body is buffered,
    and a nesting limit.

    Not a subclass of DRF's JSONParser on purpose: DRF reads a JSONParser's body through
    `request.body`, which applies Django's form limit (DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MiB) and
    answers an HTML 400; this parser reads the stream itself and answers a JSON 413.
    """

    media_type = "application/json"
    renderer_class = JSONRenderer

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.CXLOOP_API_MAX_BODY_BYTES
        too_large = PayloadTooLarge(f"Request body is larger than the limit of {limit:,} bytes.")
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > limit:
            raise too_large
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise too_large
        try:
            text = body.decode(settings.DEFAULT_CHARSET)
            return json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
        except UnicodeDecodeError as exc:
            raise ParseError("Request body is not valid UTF-8.") from exc
        except RecursionError as exc:
            raise ParseError("JSON is nested too deeply.") from exc
        except ValueError as exc:
            raise ParseError(f"Malformed JSON: {exc}") from exc
