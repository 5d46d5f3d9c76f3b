"""What an event says about the object it reports: ids, codes with their labels, and a link.

Never free text a customer wrote, nor a customer's name, email or phone: an event travels to other
systems (chat channels, CRMs, warehouses) beyond the masking every page applies. Labels are in the
site's language (settings.LANGUAGE_CODE), whatever the language of the request that caused them.

The objects are read by their attributes, not imported: this app sits below the ones whose objects
it reports (cxloop <- feedback <- innerloop <- outerloop <- governance).
"""

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation

Payload = dict[str, Any]


def absolute_url(name: str, *args: Any) -> str:
    return settings.CXLOOP_BASE_URL + reverse(name, args=args)


def _label(obj: Any, field: str) -> str:
    """The display label of a choice field's value, in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(getattr(obj, f"get_{field}_display")())


def _named(obj: Any) -> dict[str, Any] | None:
    if obj is None:
        return None
    return {"id": obj.pk, "slug": getattr(obj, "slug", None), "name": str(getattr(obj, "name", obj))}


def case_payload(case: Any, **extra: Any) -> Payload:
    """A case: its id, kind, priority, status, team and page. `extra`: what the event adds (level...)."""
    return {
        "case": {
            "id": case.pk,
            "url": absolute_url("innerloop:case", case.pk),
            "kind": _named(case.kind),
            "priority": case.priority,
            "priority_label": _label(case, "priority"),
            "status": case.status,
            "status_label": _label(case, "status"),
            "team": _named(case.team),
            "feedback_id": case.feedback_id,
        },
        **extra,
    }


def feedback_payload(row: dict[str, Any], *, feedback_id: int) -> Payload:
    """A feedback item just stored, from its row's column values: the score on its scale, where it
    came from; never its comment or customer."""
    return {
        "feedback": {
            "id": feedback_id,
            "url": absolute_url("feedback:detail", feedback_id),
            "source_id": row.get("source_id"),
            "scale": row.get("scale"),
            "score": row.get("score"),
            "touchpoint_id": row.get("touchpoint_id"),
            "journey_stage_id": row.get("journey_stage_id"),
            "team_id": row.get("team_id"),
            "occurred_at": _iso(row.get("occurred_at")),
        }
    }


def signal_payload(signal: Any) -> Payload:
    """A signal: a recurring root cause keeps its title (a category and journey stage's names); an
    obstacle's title quotes what a person wrote, so it is left out."""
    root_cause = signal.kind == "root_cause"
    return {
        "signal": {
            "id": signal.pk,
            "url": absolute_url("outerloop:signal", signal.pk),
            "kind": signal.kind,
            "kind_label": _label(signal, "kind"),
            "title": signal.title if root_cause else None,
            "category_id": signal.category_id,
            "journey_stage_id": signal.journey_stage_id,
            "recent_count": signal.recent_count,
            "teams": signal.teams,
            "departments": signal.departments,
        }
    }


def initiative_payload(initiative: Any, **extra: Any) -> Payload:
    return {
        "initiative": {
            "id": initiative.pk,
            "url": absolute_url("outerloop:initiative", initiative.pk),
            "title": initiative.title,
            "stage": initiative.stage,
            "stage_label": _label(initiative, "stage"),
        },
        **extra,
    }


def stage_change_payload(initiative: Any, *, from_stage: str) -> Payload:
    with translation.override(settings.LANGUAGE_CODE):
        field = initiative._meta.get_field("stage")
        labels = {value: str(label) for value, label in field.choices}
    return initiative_payload(initiative, from_stage=from_stage, from_stage_label=labels.get(from_stage))


def decision_payload(decision: Any) -> Payload:
    """A committee decision: its outcome and the initiative it decides (the rationale is prose)."""
    return {
        "decision": {
            "id": decision.pk,
            "url": absolute_url("governance:meeting", decision.meeting_id),
            "outcome": decision.outcome,
            "outcome_label": _label(decision, "outcome"),
            "decided_at": _iso(decision.decided_at),
            "meeting_id": decision.meeting_id,
        },
        **initiative_payload(decision.initiative),
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if hasattr(value, "isoformat") else value
