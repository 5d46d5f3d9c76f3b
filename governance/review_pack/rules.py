"""Section: triage rules that never match, or that take everything that reaches them.

How a match is recorded: triage writes each item's outcome to Feedback.triage_result
(innerloop.services.triage): `{"rule": <the rule's name>, ...}` when a rule opened (or would have
opened) a case, and `{"reason": "rule “<name>” opens no case"}` when an "open nothing" rule
matched. Rules are ordered and the first match wins, so what reaches rule i is what no earlier rule
took: the items taken by rule i or a later one, and the items no rule matched. A rule "takes
everything that reaches it" when it matched every such item (the rules after it never get one);
it "never matches" when it took none. Matches are counted by the rule's current name: a rule
renamed during the period counts only from its renaming.
"""

from dataclasses import dataclass

from django.db.models import Count
from django.db.models.fields.json import KT
from django.utils.translation import gettext as _

from feedback.models import Feedback
from innerloop.models import CaseRule
from outerloop.recurring import Share, share_of

from .period import PackPeriod
from .tables import Section, Table, number, share_text


def nothing_reason(name: str) -> str:
    """The reason triage records when an "open nothing" rule matched (innerloop.services.triage.decide)."""
    return f"rule “{name}” opens no case"


@dataclass(frozen=True)
class RuleRow:
    position: int
    name: str
    active: bool
    action: str
    matched: int
    of_triaged: Share  # its matches, of every item triaged in the period
    reached: int  # items that no earlier rule took

    @property
    def never(self) -> bool:
        return self.matched == 0

    @property
    def takes_all(self) -> bool:
        return self.matched > 0 and self.matched == self.reached


def rule_matches(*, period: PackPeriod) -> tuple[int, list[RuleRow]]:
    """Items triaged in the period, and every rule's matches (two queries)."""
    outcomes = (
        Feedback.objects.filter(triaged_at__gte=period.start, triaged_at__lt=period.end)
        .values_list(KT("triage_result__rule"), KT("triage_result__reason"))
        .annotate(n=Count("id"))
        .order_by()
    )
    by_rule: dict[str, int] = {}
    by_reason: dict[str, int] = {}
    triaged = 0
    for rule, reason, n in outcomes:
        triaged += n
        if rule:
            by_rule[rule] = by_rule.get(rule, 0) + n
        elif reason:
            by_reason[reason] = by_reason.get(reason, 0) + n
    rules = list(CaseRule.objects.order_by("position", "pk"))
    matched = [by_rule.get(r.name, 0) + by_reason.get(nothing_reason(r.name), 0) for r in rules]
    unmatched = triaged - sum(matched)
    rows, taken_later = [], 0
    for rule, count in reversed(list(zip(rules, matched, strict=True))):
        taken_later += count
        rows.append(
            RuleRow(
                position=rule.position,
                name=rule.name,
                active=rule.active,
                action=rule.get_action_display(),
                matched=count,
                of_triaged=share_of(k=count, n=triaged),
                reached=taken_later + unmatched,
            )
        )
    return triaged, rows[::-1]


def section(*, period: PackPeriod) -> Section:
    triaged, rows = rule_matches(period=period)

    def verdict(row: RuleRow) -> str:
        if not triaged:
            return ""
        if row.never:
            return _("never matched")
        return _("took everything that reached it") if row.takes_all else ""

    return Section(
        slug="rules",
        title=_("Rules that never or always match"),
        intro=_(
            "Each triage rule, in order (the first match wins), with the items it took of the %(n)s triaged "
            "in the period. A rule that takes everything that reaches it leaves nothing to the rules "
            "after it."
        )
        % {"n": number(triaged)},
        tables=[
            Table(
                caption=_("Triage rules"),
                headers=[_("Order"), _("Rule"), _("Action"), _("Took"), _("Reached it"), _("Verdict")],
                rows=[
                    [
                        number(r.position),
                        r.name + ("" if r.active else " " + _("(switched off)")),
                        r.action,
                        share_text(r.of_triaged),
                        number(r.reached),
                        verdict(r),
                    ]
                    for r in rows
                ],
                empty=_("No triage rules are set up."),
            )
        ],
    )
