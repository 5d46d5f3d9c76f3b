"""The webhook endpoint, /hooks/<source-slug>/: verify, map, then store through the ingest service.

Answers, so that a vendor's delivery log shows what happened:
    201 created, 200 duplicate or updated (the ingest result: external_id, status, id, errors);
    200 {"status": "ignored"} for verified events that are not feedback (pings, other event types);
    400 with per-field errors when a verified payload cannot be mapped or breaks the contract;
    401 when the signature is missing, wrong or stale, or the source has no secret (never unsigned);
    404 for an unknown or inactive source, or one whose field_mapping names no known adapter;
    413 when the body is over settings.CXLOOP_API_MAX_BODY_BYTES.
Nothing is stored unless the answer is 201 or 200 with an ingest result.
"""

import json
import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from feedback.models import Source
from feedback.permissions import Writer
from feedback.services.ingest import CREATED, ERROR, IngestResult, feedback_ingest

from .adapters import Ignored, MappingError, adapter_for, map_delivery, signing_secrets
from .signatures import SignatureError

logger = logging.getLogger(__name__)


def _detail(status: int, message: str) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status)


def _result(result: IngestResult) -> JsonResponse:
    status = {CREATED: 201, ERROR: 400}.get(result.status, 200)
    return JsonResponse(result.as_dict(), status=status)


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def _read_body(request: HttpRequest) -> bytes | None:
    """The raw body, or None when it is over the limit; the declared length is checked before reading."""
    limit = settings.CXLOOP_API_MAX_BODY_BYTES
    declared = request.META.get("CONTENT_LENGTH") or ""
    if declared.isdigit() and int(declared) > limit:
        return None
    body = request.read(limit + 1)
    return None if len(body) > limit else body


@csrf_exempt
@login_not_required
@require_POST
def webhook_receive(request: HttpRequest, source_slug: str) -> JsonResponse:
    """Store the feedback in a vendor's signed delivery, exactly once."""
    source = Source.objects.filter(slug=source_slug, active=True).first()
    if source is None:
        return _detail(404, "Unknown or inactive source.")
    adapter = adapter_for(source)
    if adapter is None:
        logger.error("webhook for source %s: field_mapping names an unknown adapter", source.slug)
        return _detail(404, "Webhooks are not configured for this source.")
    body = _read_body(request)
    if body is None:
        limit = settings.CXLOOP_API_MAX_BODY_BYTES
        return _detail(413, f"Request body is larger than the limit of {limit:,} bytes.")

    try:
        adapter.verify(
            body=body, headers=request.headers, secrets=signing_secrets(source), now=timezone.now()
        )
    except SignatureError as exc:
        logger.warning("webhook for source %s refused: %s", source.slug, exc)
        return _detail(401, "Missing, invalid or expired signature.")

    try:
        payload = json.loads(body, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return _detail(400, "The body is not valid JSON.")
    if not isinstance(payload, dict):
        return _detail(400, "The body must be a JSON object.")

    try:
        item = map_delivery(adapter, source=source, payload=payload, headers=request.headers)
    except MappingError as exc:
        logger.warning("webhook for source %s could not be mapped: %s", source.slug, exc.errors)
        return _result(IngestResult(None, ERROR, errors=exc.errors))
    if isinstance(item, Ignored):
        logger.info("webhook for source %s ignored: %s", source.slug, item.reason)
        return JsonResponse({"status": "ignored", "reason": item.reason})

    result = feedback_ingest(raw=item, writer=Writer.for_webhook(source))
    logger.info("webhook for source %s: %s %s", source.slug, result.status, result.external_id)
    return _result(result)
