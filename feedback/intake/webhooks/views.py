"""The webhook endpoint, /hooks/<source-slug>/: verify, map, then store through the ingest service.

Answers, so that a vendor's delivery log shows what happened:
    one result for a delivery of one item (the ingest result: external_id, status, id, errors),
    or, when the source's mapping has an items path, a list of them in order (as the API answers
    an array); an item that is not feedback (a ping, another event type) is {"status": "ignored"};
    201, 200, 207, 422 or 400 as services.py says (422: the mapping found no id, or neither a score
    nor a comment; the delivery is kept as a dead letter, as is any other item not stored);
    400 also when a verified body is not the JSON or form its content type says;
    401 when the signature is missing, wrong or stale, or the source has no secret (never unsigned);
    404 for an unknown or inactive source, or one whose field_mapping names no known adapter;
    413 when the body is over settings.CXLOOP_API_MAX_BODY_BYTES.
Nothing is stored as feedback unless its result is created or updated.
"""

import logging
from collections import Counter

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from feedback.models import Source

from .adapters import Adapter, adapter_for, signing_secrets
from .bodies import BodyError
from .log import webhook_delivery_log, webhook_delivery_log_unreadable
from .services import Delivery, webhook_delivery_store
from .signatures import SignatureError, Signed

logger = logging.getLogger(__name__)


def _detail(status: int, message: str) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status)


def _read_body(request: HttpRequest) -> bytes | None:
    """The raw body, or None when it is over the limit; the declared length is checked before reading."""
    limit = settings.CXLOOP_API_MAX_BODY_BYTES
    declared = request.META.get("CONTENT_LENGTH") or ""
    if declared.isdigit() and int(declared) > limit:
        return None
    body = request.read(limit + 1)
    return None if len(body) > limit else body


def _verified_by(adapter: Adapter, *, source: Source, request: HttpRequest, body: bytes) -> str:
    """Which of the source's secrets verified the delivery; SignatureError when none does."""
    delivery = Signed(body=body, headers=request.headers, now=timezone.now(), query=request.GET)
    adapter.verify(delivery, signing_secrets(source))
    if not source.previous_signing_secret:
        return f"{adapter.NAME}: current secret"
    try:
        adapter.verify(delivery, [source.signing_secret])
    except SignatureError:
        return f"{adapter.NAME}: previous secret"
    return f"{adapter.NAME}: current secret"


@csrf_exempt
@login_not_required
@require_POST
def webhook_receive(request: HttpRequest, source_slug: str) -> JsonResponse:
    """Store the feedback in a vendor's signed delivery, each item exactly once."""
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
        verdict = _verified_by(adapter, source=source, request=request, body=body)
    except SignatureError as exc:
        logger.warning("webhook for source %s refused: %s", source.slug, exc)
        return _detail(401, "Missing, invalid or expired signature.")

    delivery = Delivery(
        body=body,
        content_type=request.content_type or "",
        delivery_id=(request.headers.get("webhook-id") or "").strip(),
        signature=verdict,
    )
    try:
        outcome = webhook_delivery_store(source=source, delivery=delivery)
    except BodyError as exc:
        webhook_delivery_log_unreadable(source=source, reason=str(exc))
        return _detail(400, str(exc))
    webhook_delivery_log(source=source, outcome=outcome)
    statuses = Counter(result["status"] for result in outcome.results)
    logger.info("webhook for source %s: %s", source.slug, dict(statuses))
    return JsonResponse(outcome.answer, status=outcome.http_status, safe=False)
