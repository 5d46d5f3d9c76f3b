"""The audit log page for administrators (/settings/audit/) and its CSV export."""

import csv
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from cxloop.core.models import AuditEvent
from cxloop.org.models import Role
from cxloop.org.permissions import role_required

from .filters import customer_ids_for
from .labels import detail_lines, target_label, target_url, verb_label
from .record import audit_export
from .selectors import audit_event_search, audit_page

PAGE_SIZE = 50
# Cells a spreadsheet would run as a formula start with one of these: they get a leading quote.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_HEADER = ["id", "when", "who", "what", "verb", "target_type", "target_id", "customer_id",
              "address", "details"]  # fmt: skip


def _before(request: HttpRequest) -> tuple[int | None, str | None]:
    raw = request.GET.get("before", "")
    if not raw:
        return None, None
    if not (raw.isascii() and raw.isdigit() and len(raw) < 19):
        return None, "Not a page of this log: start again from the newest."
    return int(raw), None


def _row(event: AuditEvent) -> dict[str, Any]:
    return {
        "event": event,
        "what": verb_label(event.verb),
        "target": target_label(event.target_type, event.target_id),
        "url": target_url(event.target_type, event.target_id),
        "details": detail_lines(event.data),
    }


@require_GET
@role_required(Role.ADMIN)
def audit_log(request: HttpRequest) -> HttpResponse:
    """Who did what, newest first, filtered; older rows page by page."""
    filterset, events = audit_event_search(user=request.user, filters=request.GET)
    before, page_error = _before(request)
    page = audit_page(events, before=before, size=PAGE_SIZE)
    query = request.GET.copy()
    query.pop("before", None)
    context = {
        "filter_form": filterset.form,
        "rows": [_row(event) for event in page.rows],
        "next_before": page.next_before,
        "query": query.urlencode(),
        "paged": before is not None,
        "page_error": page_error,
    }
    invalid = bool(filterset.form.errors) or page_error
    return TemplateResponse(request, "core/audit_log.html", context, status=400 if invalid else 200)


# Typed filters and the audit column each is matched against.
TYPED_FILTERS = {"person": "actor_username", "target_id": "target_id", "verb": "verb"}


def export_filters(filterset: Any) -> dict[str, Any]:
    """The filters of an export, for its audit row: a customer as the ids found (what was typed
    might be anything, even an email address); a typed person, object id or verb as given when the
    log already holds it, else only its length (it adds nothing the log did not have); the rest as
    given."""
    cleaned = {name: value for name, value in filterset.form.cleaned_data.items() if value}
    if "customer" in cleaned:
        cleaned["customer"] = sorted(customer_ids_for(cleaned["customer"]))
    for name, column in TYPED_FILTERS.items():
        value = cleaned.get(name)
        if value and not AuditEvent.objects.filter(**{column: value}).exists():
            cleaned[name] = {"unknown": True, "length": len(value)}
    return {name: value.isoformat() if isinstance(value, date) else value for name, value in cleaned.items()}


def _safe(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class _Echo:
    """A file that hands back what is written to it: csv.writer's rows, streamed as they come."""

    def write(self, value: str) -> str:
        return value


def csv_lines(events: Iterable[AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    for event in events:
        yield writer.writerow(
            [
                _safe(cell)
                for cell in (
                    event.pk, event.created_at.isoformat(), event.actor_username, verb_label(event.verb),
                    event.verb, event.target_type, event.target_id, event.customer_id, event.ip,
                    "; ".join(detail_lines(event.data)),
                )
            ]
        )  # fmt: skip


@require_GET
@role_required(Role.ADMIN)
def audit_log_csv(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The filtered rows as CSV, streamed; the export itself is a row of the log."""
    filterset, events = audit_event_search(user=request.user, filters=request.GET)
    if not filterset.is_valid():
        return audit_log(request)
    audit_export(request, what="audit", target_id="csv", filters=export_filters(filterset))
    response = StreamingHttpResponse(
        csv_lines(events.iterator(chunk_size=2000)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="cxloop-audit-log.csv"'
    return response
