"""Triage rules: the ordered conditions that decide which feedback opens which follow-up case.

Pure reads: which rules are active, whether one matches an item, where it routes, and what a rule
would have matched over the last 30 days (the dry run). innerloop.services.triage applies them.
"""

from cxloop.org.models import Team
from feedback.models import Feedback
from innerloop.models import CaseRule


def active_rules() -> list[CaseRule]:
    return list(
        CaseRule.objects.filter(active=True)
        .select_related("case_kind", "sla_policy", "team")
        .prefetch_related("sources", "categories", "journey_stages", "touchpoints")
        .order_by("position", "pk")
    )


def related_ids(rule: CaseRule) -> dict[str, set[int]]:
    """The ids a saved rule's many-to-many conditions name (prefetched by active_rules)."""
    return {
        name: {obj.pk for obj in getattr(rule, name).all()}
        for name in ("sources", "journey_stages", "touchpoints", "categories")
    }


def rule_matches(rule: CaseRule, item: Feedback, related: dict[str, set[int]] | None = None) -> bool:
    """Every condition the rule sets holds for the item (an unset condition matches anything).

    `related` gives the many-to-many conditions of an unsaved rule (a dry run); a saved rule's
    own are used otherwise.
    """
    related = related if related is not None else related_ids(rule)
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
    pairs = (
        (related["sources"], item.source_id),
        (related["journey_stages"], item.journey_stage_id),
        (related["touchpoints"], item.touchpoint_id),
    )
    if any(chosen and value not in chosen for chosen, value in pairs):
        return False
    categories = related["categories"]
    if categories:
        # The confirmed category wins over the suggestion, which counts only when the classifier was
        # at least as sure as the rule asks; a rule on a parent covers its children.
        category = item.confirmed_category or (
            item.suggested_category if suggestion_trusted(rule, item) else None
        )
        if category is None or not ({category.pk, category.parent_id} & categories):
            return False
    return True


def suggestion_trusted(rule: CaseRule, item: Feedback) -> bool:
    """Whether the rule may act on the item's suggested category (its confidence reaches the rule's)."""
    return item.suggested_confidence is not None and item.suggested_confidence >= rule.min_confidence


DRY_RUN_DAYS = 30
DRY_RUN_SCAN_LIMIT = 50_000


def rule_dry_run(*, rule: CaseRule, related: dict[str, set[int]], samples: int = 10) -> dict:
    """What a rule would have matched over the last 30 days, before it is saved.

    Counts the processed feedback it matches, how much of that an earlier active rule takes
    first (the first match wins), and shows a few examples. Nothing is written.
    """
    from datetime import timedelta

    from django.utils import timezone

    since = timezone.now() - timedelta(days=DRY_RUN_DAYS)
    items = (
        # Triage never opens a case for an employee survey's answer (anonymous): never a sample either.
        Feedback.objects.without_anonymous_answers()
        .filter(received_at__gte=since, processed_at__isnull=False)
        .select_related(
            "source", "customer", "confirmed_category", "suggested_category", "touchpoint", "team"
        )
        .defer("search_vector")
        .order_by("-received_at")[:DRY_RUN_SCAN_LIMIT]
    )
    earlier = [
        r
        for r in active_rules()
        if r.pk != rule.pk and (r.position, r.pk or 0) < (rule.position, rule.pk or 0)
    ]
    matched, taken_earlier, scanned = 0, 0, 0
    examples: list[Feedback] = []
    for item in items.iterator(chunk_size=2000):
        scanned += 1
        if not rule_matches(rule, item, related):
            continue
        matched += 1
        if any(rule_matches(other, item) for other in earlier):
            taken_earlier += 1
        elif len(examples) < samples:
            examples.append(item)
    return {
        "days": DRY_RUN_DAYS,
        "scanned": scanned,
        "matched": matched,
        "taken_by_earlier_rules": taken_earlier,
        "would_open": matched - taken_earlier if rule.action == CaseRule.Action.OPEN_CASE else 0,
        "examples": examples,
    }


def route(rule: CaseRule, item: Feedback):
    """The team a case goes to, by the rule's routing, falling back to the rule's team, then the item's."""
    Routing = CaseRule.Routing
    candidates: dict[str, Team | None] = {
        Routing.FIXED: rule.team,
        Routing.TOUCHPOINT: item.touchpoint.owning_team if item.touchpoint is not None else None,
        Routing.FEEDBACK: item.team,
        Routing.CUSTOMER: item.customer.owning_team if item.customer is not None else None,
    }
    return candidates[rule.routing] or rule.team or item.team
