"""Triage: after enrichment, the ordered rules decide which feedback opens which case, a batch at a time.

Its own step, with its own marker (Feedback.triaged_at) and sweep, so enrichment and triage fail and
recover apart. A batch is one transaction: claim the items (FOR UPDATE SKIP LOCKED: two workers never
take the same rows), decide each in Python, then write in a few statements, not a few per item: the
cases (one INSERT ... ON CONFLICT DO NOTHING RETURNING), their opening events (one INSERT), the items'
marker, routing and team (one UPDATE ... FROM VALUES) and the alerts (innerloop.services.alerts).
Idempotent: one case per feedback and kind (a constraint), and a triaged item is not claimed again.

Every detractor and complaint gets an owner. What a rule opens but can route nowhere, and a
detractor no rule matched at all, goes to the organisation's triage team (Team.is_triage_team, set in
the admin); each item's `triage_result` says where it went, or why nowhere.
"""

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from cxloop.core.bulk import insert_absent
from cxloop.org.models import Team
from cxloop.outbound.models import EventType
from cxloop.outbound.payloads import case_payload
from cxloop.outbound.services import events_emit
from feedback.models import Feedback, SourceKind, Survey, SurveyPurpose, is_anonymous_answer
from feedback.scales import DETRACTOR_MAX_BY_SCALE
from feedback.services.routing import TriageMark, feedback_record_triage
from innerloop.events import case_events_opened_build, opened_data
from innerloop.models import (
    PRIORITY_RANK,
    Case,
    CaseEvent,
    CaseKind,
    CaseRule,
    CaseStatus,
    Priority,
    SlaPolicy,
)
from innerloop.sla import add_business_minutes

from .alerts import alerts_for_new_cases
from .triage_rules import active_rules, route, rule_matches

logger = logging.getLogger(__name__)

BATCH = 500
# Items processed longer ago than this and still untriaged are the sweep's (their task was lost).
SWEEP_GRACE = timedelta(seconds=30)
SWEEP_SECONDS = 15

# The case a detractor gets when no rule matched it: the triage team finds it an owner.
NEEDS_OWNER = ("needs_owner", "Needs an owner", "Feedback no rule placed: find the team that owns it.")
NEEDS_OWNER_POLICY = "detractor-24h"
# Feedback that must reach a person even when no rule matched: detractor-side scores, and clearly
# negative words from a customer on a channel without a score (employees raise obstacles elsewhere).
DETRACTOR_MAX = DETRACTOR_MAX_BY_SCALE  # NPS 0-6, CSAT 1-2, CES 1-2: their home is feedback.scales
NEGATIVE_UNSCORED = -0.5


@dataclass(frozen=True)
class Decision:
    """What triage does with one item: open a case (kind, team...) or not, and why."""

    item: Feedback
    rule: CaseRule | None = None
    kind: CaseKind | None = None
    team: Team | None = None
    priority: str = Priority.NORMAL
    policy: SlaPolicy | None = None
    reason: str = ""
    # The customer's own recovery check answering this case (innerloop.recovery handles it).
    recovery_for_case: int | None = None

    @property
    def opens_case(self) -> bool:
        return self.kind is not None and self.team is not None

    @property
    def unowned(self) -> bool:
        """It needs a case, and nobody can take it (no route and no triage team): a person must act."""
        return self.kind is not None and self.team is None


def needs_owner(item: Feedback) -> bool:
    """A detractor or a complaint: feedback that must reach a person whatever the rules say."""
    if item.score is not None and item.scale in DETRACTOR_MAX:
        return item.score <= DETRACTOR_MAX[item.scale]
    return (
        item.score is None
        and item.sentiment is not None
        and item.sentiment <= NEGATIVE_UNSCORED
        and item.source.kind != SourceKind.EMPLOYEE
    )


@dataclass(frozen=True)
class _Context:
    rules: list[CaseRule]
    triage_team: Team | None
    needs_owner_kind: CaseKind
    needs_owner_policy: SlaPolicy | None
    # The sources recovery checks' answers come in through: their cases handle them.
    recovery_sources: frozenset[int] = frozenset()


def _context() -> _Context:
    slug, name, description = NEEDS_OWNER
    kind, _ = CaseKind.objects.get_or_create(slug=slug, defaults={"name": name, "description": description})
    return _Context(
        rules=active_rules(),
        triage_team=Team.objects.filter(is_triage_team=True).first(),
        needs_owner_kind=kind,
        needs_owner_policy=SlaPolicy.objects.filter(slug=NEEDS_OWNER_POLICY).first(),
        recovery_sources=frozenset(
            Survey.objects.filter(purpose=SurveyPurpose.RECOVERY).values_list("source_id", flat=True)
        ),
    )


def decide(item: Feedback, context: _Context) -> Decision:
    """The first matching rule's case, routed; the triage team where nothing else can take it."""
    if is_anonymous_answer(source_kind=item.source.kind, metadata=item.metadata):
        # An answer to an employee survey is anonymous: a case would show one person's answer to their
        # team. Its themes reach the signals instead (feedback.surveys.employee).
        return Decision(item, reason="an employee survey's answer: anonymous, it opens no case")
    if item.source_id in context.recovery_sources:
        # An answer to a recovery check opens no case of its own: it belongs to the case it answers,
        # which innerloop.recovery updates (and reopens, when the customer is unhappy). Only the
        # recovery survey's own source counts, so no other sender can slip past triage this way.
        case_id = (item.metadata or {}).get("recovery_for_case")
        return Decision(item, reason="the customer's own recovery check: its case handles the answer",
                        recovery_for_case=case_id if isinstance(case_id, int) else None)  # fmt: skip
    rule = next((rule for rule in context.rules if rule_matches(rule, item)), None)
    triage_team = context.triage_team
    if rule is None:
        if not needs_owner(item):
            return Decision(item, reason="no rule matched")
        return Decision(
            item,
            kind=context.needs_owner_kind,
            team=triage_team,
            priority=Priority.HIGH,
            policy=context.needs_owner_policy,
            reason="no rule matched this detractor: the triage team owns it"
            if triage_team
            else "no rule matched this detractor, and no triage team is set",
        )
    if rule.action != CaseRule.Action.OPEN_CASE:
        return Decision(item, rule=rule, reason=f"rule “{rule.name}” opens no case")
    team, reason = route(rule, item), ""
    if team is None:
        team = triage_team
        reason = (
            "the rule found no team to route to: the triage team owns it"
            if team
            else "the rule found no team to route to, and no triage team is set"
        )
    return Decision(item, rule=rule, kind=rule.case_kind, team=team, priority=rule.priority,
                    policy=rule.sla_policy, reason=reason)  # fmt: skip


def _case_row(decision: Decision, *, now: datetime) -> dict:
    item, policy, team, kind = decision.item, decision.policy, decision.team, decision.kind
    # Only a decision that opens a case has a row: it has both.
    assert team is not None
    assert kind is not None
    first_due = resolution_due = None
    if policy is not None:
        # The clock starts when we heard, in the team's own business hours.
        zone = ZoneInfo(team.timezone)
        first_due = add_business_minutes(
            item.received_at, policy.first_contact_minutes, policy=policy, tz=zone
        )
        resolution_due = add_business_minutes(
            item.received_at, policy.resolution_minutes, policy=policy, tz=zone
        )
    return {
        "feedback_id": item.pk, "kind_id": kind.pk, "customer_id": item.customer_id,
        "team_id": team.pk, "rule_id": decision.rule.pk if decision.rule else None, "status": CaseStatus.NEW,
        "priority": decision.priority, "priority_rank": PRIORITY_RANK[decision.priority],
        "sla_policy_id": policy.pk if policy else None, "first_contact_due_at": first_due,
        "resolution_due_at": resolution_due, "due_at": first_due, "created_at": now, "updated_at": now,
    }  # fmt: skip


def _open_cases(decisions: list[Decision], *, now: datetime) -> dict[int, int]:
    """feedback id -> id of the case opened for it now (none where it had one of that kind already)."""
    opening = [decision for decision in decisions if decision.opens_case]
    if not opening:
        return {}
    returned = insert_absent(
        Case,
        rows=[_case_row(decision, now=now) for decision in opening],
        conflict=("feedback_id", "kind_id"),
        returning=("id", "feedback_id"),
    )
    opened = {feedback_id: case_id for case_id, feedback_id in returned}
    by_feedback = {decision.item.pk: decision for decision in opening}
    events = [(case_id, _opened_event(by_feedback[feedback_id])) for feedback_id, case_id in opened.items()]
    CaseEvent.objects.bulk_create(case_events_opened_build(opened=events))
    # Told to other systems (cxloop.outbound) in this transaction; sent after commit.
    events_emit(
        type=EventType.CASE_OPENED,
        payloads=[
            _opened_case_payload(by_feedback[feedback_id], case_id) for feedback_id, case_id in opened.items()
        ],
    )
    return opened


def _opened_case_payload(decision: Decision, case_id: int) -> dict:
    """The new case as cxloop.outbound reports it, from what triage knows (no query)."""
    case = Case(pk=case_id, feedback_id=decision.item.pk, kind=decision.kind, team=decision.team,
                priority=decision.priority, status=CaseStatus.NEW)  # fmt: skip
    return case_payload(case)


def _opened_event(decision: Decision) -> dict:
    assert decision.team is not None, "only a decision that opens a case has an opened event"
    return opened_data(
        rule=decision.rule.name if decision.rule else None,
        team=decision.team.slug,
        priority=decision.priority,
        why=decision.reason or "",
    )


def _result(decision: Decision, case_id: int | None) -> dict:
    if decision.unowned:
        # The marker the dashboards count (innerloop.dashboards.selectors.triage_queue).
        return {"case": None, "reason": decision.reason, "unowned": True}
    if decision.recovery_for_case is not None:
        return {"case": None, "reason": decision.reason, "recovery_for_case": decision.recovery_for_case}
    if not decision.opens_case:
        return {"case": None, "reason": decision.reason}
    assert decision.team is not None  # it opens a case
    result = {
        "case": case_id,
        "team": decision.team.slug,
        "rule": decision.rule.name if decision.rule else None,
    }
    if case_id is None:
        result["reason"] = "it already had this case"
    elif decision.reason:
        result["reason"] = decision.reason
    return result


def _mark_triaged(decisions: list[Decision], opened: dict[int, int], *, now: datetime) -> None:
    """Every item's marker and result, and, for feedback that came with no team, the team its case
    went to, written by the feedback app's own service."""
    feedback_record_triage(
        marks=[
            TriageMark(
                feedback_id=decision.item.pk,
                result=_result(decision, opened.get(decision.item.pk)),
                team_id=decision.team.pk if decision.opens_case and decision.team is not None else None,
            )
            for decision in decisions
        ],
        now=now,
    )


@dataclass(frozen=True)
class TriageRun:
    triaged: int
    cases: int


def triage_pending(
    *, feedback_ids: list[int] | None = None, limit: int = BATCH, older_than=None
) -> TriageRun:
    """Triage the given items (all of them), or the oldest `limit` waiting, that are enriched and
    not yet triaged."""
    now = timezone.now()
    if feedback_ids is not None:
        limit = len(feedback_ids)
    with transaction.atomic():
        waiting = Feedback.objects.filter(processed_at__isnull=False, triaged_at__isnull=True)
        if feedback_ids is not None:
            waiting = waiting.filter(pk__in=feedback_ids)
        if older_than is not None:
            waiting = waiting.filter(processed_at__lt=now - older_than)
        items = list(
            waiting.select_for_update(no_key=True, skip_locked=True, of=("self",))
            .select_related(
                "source", "customer__owning_team", "touchpoint__owning_team", "team",
                "confirmed_category", "suggested_category",
            )
            .defer("search_vector")
            .order_by("processed_at", "pk")[:limit]
        )  # fmt: skip
        if not items:
            return TriageRun(0, 0)
        context = _context()
        decisions = [decide(item, context) for item in items]
        for decision in decisions:
            if decision.unowned:
                logger.error("feedback %s has no owner: %s", decision.item.pk, decision.reason)
        opened = _open_cases(decisions, now=now)
        _mark_triaged(decisions, opened, now=now)
        alerts_for_new_cases(case_ids=list(opened.values()))
    return TriageRun(len(items), len(opened))


def triage_sweep(*, seconds: float = SWEEP_SECONDS) -> int:
    """Triage items whose task was lost, batch by batch, until none are left or the time is up."""
    deadline, total = time.monotonic() + seconds, 0
    while time.monotonic() < deadline:
        run = triage_pending(older_than=SWEEP_GRACE)
        total += run.triaged
        if run.triaged == 0:
            break
    return total
