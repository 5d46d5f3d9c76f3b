"""A JSON parser that bounds what a client can make the server do."""

import json

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


class BoundedJSONParser(JSONParser):
    """Strict JSON with a size limit checked before the body is buffered, and a nesting limit."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.CXLOOP_API_MAX_BODY_BYTES
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > limit:
            raise ParseError(f"Request body is larger than the limit of {limit:,} bytes.")
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise ParseError(f"Request body is larger than the limit of {limit:,} bytes.")
        try:
            text = body.decode(settings.DEFAULT_CHARSET)
            return json.loads(text, parse_constant=_reject_constant)
        except UnicodeDecodeError as exc:
            raise ParseError("Request body is not valid UTF-8.") from exc
        except RecursionError as exc:
            raise ParseError("JSON is nested too deeply.") from exc
        except ValueError as exc:
            raise ParseError(f"Malformed JSON: {exc}") from exc
