"""The inner loop's eraser: cases' personal data and huddle summaries' quotes (issue #15).

Registered with feedback's eraser registry in cxloop/wiring.py. For the cases in scope (an erased
customer's, or a source's cases closed before its retention cut-off) it empties what people wrote
to or about the customer: messages (address, subject, body), notes, contact attempts' promises and
next steps, resolution notes, status-change and reopening notes, and the alerts and emails about
the case. Status, dates, kind, team, root cause and the timeline's shape stay, so loop-closure
metrics and root-cause counts do not move. Huddle summaries (snapshots, emailed to team leads) drop
the quoted comments of the feedback in scope, and their emails are rebuilt from what is left.
"""

from django.db.models import Max, Min, Q
from django.utils import timezone

from cxloop.notifications.privacy import (
    emails_keyed_erase,
    emails_keyed_rebody,
    notifications_quote_erase,
)
from feedback.models import Feedback
from innerloop.both_sides import cases_both_sides_erase
from innerloop.models import Case, CaseEvent, Commitment, ContactAttempt, Huddle, HuddleEvent, Obstacle
from innerloop.privacy_text import identifiers_mask
from innerloop.replies.privacy import replies_personal_data_erase

# Free text in timeline entries, by key (innerloop.events): what a person typed or sent.
EVENT_TEXT_KEYS = ("subject", "body", "to", "text", "note", "promised", "next_step", "reason")
# A resolved case must keep a resolution note (case_resolved_has_root_cause_and_note).
ERASED_NOTE = "(erased)"
# The summary's lists that quote feedback, each item with its feedback_id (huddles.summary._comments).
QUOTING_LISTS = ("shout_outs", "learning_moments")


def _cases_in_scope(scope):
    condition = Q(pk__in=[])
    if scope.customer_ids:
        condition |= Q(customer_id__in=scope.customer_ids)
    if scope.customer_ids and scope.feedback_ids:
        condition |= Q(feedback_id__in=scope.feedback_ids)
    if scope.source_id is not None and scope.closed_before is not None:
        condition |= Q(feedback__source_id=scope.source_id, closed_at__lt=scope.closed_before)
    return Case.objects.filter(condition).filter(personal_data_erased_at__isnull=True)


def _events_erase(case_ids: list[int]) -> int:
    changed = []
    for event in CaseEvent.objects.filter(case_id__in=case_ids).only("id", "data"):
        data = dict(event.data)
        for key in EVENT_TEXT_KEYS:
            if data.get(key):
                data[key] = ""
        if data != event.data:
            event.data = data
            changed.append(event)
    CaseEvent.objects.bulk_update(changed, ["data"], batch_size=500)
    return len(changed)


def cases_personal_data_erase(*, case_ids: list[int], now) -> dict[str, int]:
    """Empty the personal data of these cases and mark them; counts per kind."""
    contacts = (
        ContactAttempt.objects.filter(case_id__in=case_ids)
        .filter(~Q(promised="") | ~Q(next_step=""))
        .update(promised="", next_step="")
    )
    prefixes = [f"case:{pk}:" for pk in case_ids]
    counts = {
        "innerloop.case_events": _events_erase(case_ids),
        "innerloop.contact_attempts": contacts,
        "innerloop.case_emails": emails_keyed_erase(key_prefixes=prefixes),
        "innerloop.case_alerts": notifications_quote_erase(key_prefixes=prefixes),
    }
    counts.update(replies_personal_data_erase(case_ids=case_ids, now=now))
    Case.objects.filter(pk__in=case_ids).exclude(resolution_note="").update(resolution_note=ERASED_NOTE)
    cases_both_sides_erase(case_ids=case_ids)  # counted with the cases below ("innerloop.cases")
    counts["innerloop.cases"] = Case.objects.filter(pk__in=case_ids).update(personal_data_erased_at=now)
    return counts


def _huddles_quoting(feedback_ids) -> list[Huddle]:
    """Huddles whose period covers one of these items, with a summary (the only ones that can quote it)."""
    span = Feedback.objects.filter(pk__in=list(feedback_ids)).aggregate(
        first=Min("occurred_at"), last=Max("occurred_at")
    )
    first, last = span["first"], span["last"]
    if first is None:
        return []
    return list(
        Huddle.objects.select_for_update(no_key=True)
        .filter(summary_built_at__isnull=False, period_start__lte=last, period_end__gte=first)
        .order_by("pk")
    )


def huddle_quotes_erase(*, feedback_ids) -> int:
    """Drop the quotes of these items from huddle summaries and rebuild the summaries' emails."""
    from innerloop.huddles.summary import summary_as_text

    ids, changed = set(feedback_ids), 0
    for huddle in _huddles_quoting(feedback_ids):
        summary = dict(huddle.summary)
        for name in QUOTING_LISTS:
            items = summary.get(name) or []
            summary[name] = [item for item in items if item.get("feedback_id") not in ids]
        if summary == huddle.summary:
            continue
        huddle.summary = summary
        huddle.save(update_fields=["summary"])
        emails_keyed_rebody(key_prefix=f"huddle-summary:{huddle.pk}:", body=summary_as_text(summary))
        changed += 1
    return changed


def _alert_quotes_erase(feedback_ids) -> int:
    """Alerts about new cases quote the comment: emptied when the comment is (retention)."""
    case_ids = Case.objects.filter(feedback_id__in=feedback_ids).values_list("pk", flat=True)
    return notifications_quote_erase(key_prefixes=[f"case:{pk}:opened:" for pk in case_ids])


def staff_text_erase(identifiers) -> int:
    """The customer's identifiers written down by staff: in huddle records and any case's timeline."""
    return sum(
        identifiers_mask(model=model, fields=fields, json_fields=json_fields, identifiers=identifiers)
        for model, fields, json_fields in (
            (Huddle, ("notes", "review_comment"), ()),
            (Obstacle, ("text",), ()),
            (Commitment, ("text",), ()),
            (HuddleEvent, (), ("data",)),
            (CaseEvent, (), ("data",)),
            (Case, ("employee_account", "disposition_justification"), ()),
        )
    )


def innerloop_eraser(scope) -> dict[str, int]:
    """The eraser feedback's registry calls (feedback.privacy.registry.ErasureScope)."""
    cases = _cases_in_scope(scope)
    if scope.count_only:
        return {"innerloop.cases": cases.count()}
    staff_text = staff_text_erase(scope.identifiers)
    now = scope.now or timezone.now()
    counts = cases_personal_data_erase(
        case_ids=list(cases.order_by("pk").values_list("pk", flat=True)), now=now
    )
    if scope.feedback_ids:
        counts["innerloop.huddle_summaries"] = huddle_quotes_erase(feedback_ids=scope.feedback_ids)
        counts["innerloop.case_alerts"] += _alert_quotes_erase(scope.feedback_ids)
    counts["innerloop.staff_text"] = staff_text
    return counts
