"""Triage: the ordered rules decide which feedback opens which follow-up case.

Runs inside feedback processing (after the feedback's own commit, in Celery), through the hook
named in settings.CXLOOP_FEEDBACK_PROCESSED_HOOKS, so a processed item is always a triaged item
and the processing sweep covers both. Idempotent: one case per feedback and kind (a constraint).
"""

import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction

from feedback.models import Feedback
from innerloop.models import PRIORITY_RANK, Case, CaseEvent, CaseRule, Priority
from innerloop.sla import add_business_minutes

logger = logging.getLogger(__name__)

ALERT_PRIORITIES = (Priority.HIGH, Priority.URGENT)


def active_rules() -> list[CaseRule]:
    return list(
        CaseRule.objects.filter(active=True)
        .select_related("case_kind", "sla_policy", "team")
        .prefetch_related("sources", "categories", "journey_stages", "touchpoints")
        .order_by("position", "pk")
    )


def rule_matches(rule: CaseRule, item: Feedback) -> bool:
    """Every condition the rule sets holds for the item (an unset condition matches anything)."""
    customer = item.customer
    checks = (
        not rule.scales or item.scale in rule.scales,
        rule.score_min is None or (item.score is not None and item.score >= rule.score_min),
        rule.score_max is None or (item.score is not None and item.score <= rule.score_max),
        not rule.source_kinds or item.source.kind in rule.source_kinds,
        not rule.segments or (customer is not None and customer.segment in rule.segments),
        not rule.value_tiers or (customer is not None and customer.value_tier in rule.value_tiers),
        rule.min_annual_value is None
        or (customer is not None and (customer.annual_value or 0) >= rule.min_annual_value),
        rule.sentiment_max is None or (item.sentiment is not None and item.sentiment <= rule.sentiment_max),
        not rule.keywords or any(word.lower() in item.comment.lower() for word in rule.keywords),
    )
    if not all(checks):
        return False
    related = (
        (rule.sources.all(), item.source_id),
        (rule.journey_stages.all(), item.journey_stage_id),
        (rule.touchpoints.all(), item.touchpoint_id),
    )
    if any(chosen and value not in {obj.pk for obj in chosen} for chosen, value in related):
        return False
    categories = {category.pk for category in rule.categories.all()}
    if categories:
        # The confirmed category wins over the suggestion; a rule on a parent covers its children.
        category = item.confirmed_category or item.suggested_category
        if category is None or not ({category.pk, category.parent_id} & categories):
            return False
    return True


def route(rule: CaseRule, item: Feedback):
    """The team a case goes to, by the rule's routing, falling back to the rule's team, then the item's."""
    Routing = CaseRule.Routing
    candidates = {
        Routing.FIXED: rule.team,
        Routing.TOUCHPOINT: item.touchpoint.owning_team if item.touchpoint_id else None,
        Routing.FEEDBACK: item.team,
        Routing.CUSTOMER: item.customer.owning_team if item.customer_id else None,
    }
    return candidates[rule.routing] or rule.team or item.team


@dataclass(frozen=True)
class TriageOutcome:
    feedback_id: int
    rule_id: int | None
    case_id: int | None


def triage_feedback_batch(*, feedback_ids: list[int]) -> list[TriageOutcome]:
    """Apply the rules to each item; open the first matching rule's case. Call inside a transaction."""
    rules = active_rules()
    items = (
        Feedback.objects.filter(pk__in=feedback_ids)
        .select_related(
            "source", "customer__owning_team", "touchpoint__owning_team", "team",
            "confirmed_category", "suggested_category",
        )
        .defer("search_vector")
    )  # fmt: skip
    outcomes = []
    for item in items:
        rule = next((rule for rule in rules if rule_matches(rule, item)), None)
        case = None
        if rule is not None and rule.action == CaseRule.Action.OPEN_CASE:
            case = case_open_for_feedback(feedback=item, rule=rule)
        outcomes.append(TriageOutcome(item.pk, rule.pk if rule else None, case.pk if case else None))
    return outcomes


def case_open_for_feedback(*, feedback: Feedback, rule: CaseRule) -> Case | None:
    """Open the rule's case for this feedback, once; None when it exists already or has no team."""
    team = route(rule, feedback)
    if team is None:
        logger.warning("feedback %s matched rule %s but no team can take it", feedback.pk, rule.pk)
        return None
    now = feedback.received_at
    policy = rule.sla_policy
    first_due = resolution_due = None
    if policy is not None:
        tz = ZoneInfo(team.timezone)
        first_due = add_business_minutes(now, policy.first_contact_minutes, policy=policy, tz=tz)
        resolution_due = add_business_minutes(now, policy.resolution_minutes, policy=policy, tz=tz)
    try:
        with transaction.atomic():
            case = Case.objects.create(
                feedback=feedback,
                kind=rule.case_kind,
                customer=feedback.customer,
                team=team,
                rule=rule,
                priority=rule.priority,
                priority_rank=PRIORITY_RANK[rule.priority],
                sla_policy=policy,
                first_contact_due_at=first_due,
                resolution_due_at=resolution_due,
                due_at=first_due,
            )
    except IntegrityError:
        return None  # this feedback already has a case of this kind: triage ran before
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.OPENED,
        data={"rule": rule.name, "team": team.slug, "priority": rule.priority},
    )
    if case.priority in ALERT_PRIORITIES:
        _alert_team(case=case)
    return case


def _alert_team(*, case: Case) -> None:
    from cxloop.notifications.services import notify
    from cxloop.org.models import Membership

    members = Membership.objects.filter(team=case.team).select_related("user")
    for membership in members:
        notify(
            user=membership.user,
            key=f"case:{case.pk}:opened:{membership.user_id}",
            kind="case_opened",
            title=f"New {case.get_priority_display().lower()}-priority case: {case.kind}",
            body=(case.feedback.comment or "")[:300],
            url=f"/cases/{case.pk}/",
        )
