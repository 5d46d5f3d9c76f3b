"""Build a huddle's summary: a JSON snapshot of the team's period, so the record never shifts later.

Everything here reads; `services.huddle_prepare` stores the result. The summary holds plain JSON
values only (ISO dates, ints, strings), because it lives in a JSONField and feeds an email.
"""

import re
from datetime import datetime

from django.db.models import Count
from django.utils import timezone

from cxloop.core.pii import mask_personal_data
from cxloop.org.models import TEAM_ROLES, Membership
from feedback.metrics.counts import Counts
from feedback.metrics.figures import is_real_change, nps_comparison, nps_of
from feedback.models import Feedback
from innerloop.models import OPEN_STATUSES, Case
from innerloop.models.cases import RECOVERED
from innerloop.models.huddles import Huddle

MAX_COMMENTS = 8
MAX_CASES = 10
TOP_ROOT_CAUSES = 5


def _nps(team_id: int, start: datetime, end: datetime) -> dict:
    """The team's NPS over [start, end) from the metrics layer: interval and small-sample flag included."""
    return nps_of(Feedback.objects.filter(team_id=team_id, occurred_at__gte=start, occurred_at__lt=end))


def _trend(current: dict, previous: dict) -> dict:
    comparison = nps_comparison(_counts(current), _counts(previous))
    if comparison.difference is None:
        return {"difference": None, "p_value": None, "direction": "unknown"}
    difference = round(comparison.difference, 1)
    direction = "flat"
    # Up or down only for a real change: significant, and neither period a small sample.
    if is_real_change(comparison.p_value, current["n"], previous["n"]):
        direction = "up" if difference > 0 else "down"
    return {
        "difference": difference,
        "p_value": None if comparison.p_value is None else round(comparison.p_value, 4),
        "direction": direction,
    }


def _counts(summary: dict) -> Counts:
    return Counts(summary["n"], summary["promoters"], summary["passives"], summary["detractors"])


def staff_first_names(team_id: int) -> dict[str, int]:
    """First name (lower case) -> user id of each agent and team lead on the team."""
    rows = Membership.objects.filter(team_id=team_id, role__in=TEAM_ROLES).values_list(
        "user_id", "user__first_name"
    )
    names: dict[str, int] = {}
    for user_id, first_name in rows:
        name = first_name.strip().lower()
        if len(name) >= 2:
            names[name] = user_id
    return names


def names_mentioned(comment: str, names: dict[str, int]) -> list[str]:
    """Team members' first names the comment names as whole words, in the order of `names`."""
    if not names:
        return []
    found = re.findall(r"\b(" + "|".join(re.escape(n) for n in names) + r")\b", comment, re.IGNORECASE)
    seen = {match.lower() for match in found}
    return [name.title() for name in names if name in seen]


def _comments(queryset, *, names: dict[str, int] | None = None) -> list[dict]:
    items = []
    for feedback in queryset.exclude(comment="").only("id", "score", "comment", "occurred_at")[:200]:
        items.append(
            {
                "feedback_id": feedback.pk,
                "score": feedback.score,
                # A summary is a copy that is emailed and kept: it never holds personal data.
                "comment": mask_personal_data(feedback.comment)[:600],
                "occurred_at": feedback.occurred_at.isoformat(),
                "names": names_mentioned(feedback.comment, names) if names is not None else [],
            }
        )
    # Comments naming staff first (a shout-out is best when it reaches the person), newest first within.
    items.sort(key=lambda item: item["occurred_at"], reverse=True)
    items.sort(key=lambda item: not item["names"])
    return items[:MAX_COMMENTS]


def _case_row(case: Case) -> dict:
    return {
        "case_id": case.pk,
        "kind": case.kind.name,
        "priority": case.priority,
        "status": case.status,
        "due_at": case.due_at.isoformat() if case.due_at else None,
        "assignee": (case.assignee.get_full_name() or case.assignee.username) if case.assignee else None,
    }


def _cases(team_id: int, start: datetime, end: datetime, now: datetime) -> dict:
    cases = Case.objects.filter(team_id=team_id)
    open_cases = cases.filter(status__in=OPEN_STATUSES)
    overdue = open_cases.filter(due_at__lt=now, paused_at__isnull=True)
    resolved = cases.filter(resolved_at__gte=start, resolved_at__lt=end)
    root_causes = (
        resolved.filter(root_cause__isnull=False)
        .values("root_cause_id", "root_cause__name", "root_cause__parent__name")
        .annotate(count=Count("id"))
        .order_by("-count", "root_cause__name")[:TOP_ROOT_CAUSES]
    )
    recovered = resolved.filter(RECOVERED).select_related("kind", "assignee")
    return {
        "open": open_cases.count(),
        "overdue": overdue.count(),
        "overdue_cases": [
            _case_row(case)
            for case in overdue.select_related("kind", "assignee").order_by("due_at")[:MAX_CASES]
        ],
        "resolved": resolved.count(),
        "top_root_causes": [
            {
                "category_id": row["root_cause_id"],
                "name": " / ".join(filter(None, [row["root_cause__parent__name"], row["root_cause__name"]])),
                "count": row["count"],
            }
            for row in root_causes
        ],
        "recovered": recovered.count(),
        "recovered_cases": [
            {**_case_row(case), "recovery_score": _recovery_score(case)}
            for case in recovered.order_by("-resolved_at")[:MAX_CASES]
        ],
    }


def _recovery_score(case: Case) -> int | None:
    """The customer's own score where they answered (innerloop.recovery), else the agent's."""
    return case.customer_recovery_score if case.customer_recovery_score is not None else case.recovery_score


def _last_commitments(huddle: Huddle) -> dict | None:
    last = (
        Huddle.objects.filter(team_id=huddle.team_id, scheduled_at__lt=huddle.scheduled_at, status="held")
        .order_by("-scheduled_at")
        .first()
    )
    if last is None or last.held_at is None:
        return None
    today = timezone.localdate()
    return {
        "huddle_id": last.pk,
        "held_at": last.held_at.isoformat(),
        "commitments": [
            {
                "commitment_id": c.pk,
                "text": c.text,
                "owner": c.owner.get_full_name() or c.owner.username,
                "due_on": c.due_on.isoformat(),
                "state": c.state,
                "overdue": c.state == "open" and c.due_on < today,
            }
            for c in last.commitments.select_related("owner").order_by("due_on", "id")
        ],
    }


def huddle_summary(*, huddle: Huddle, now: datetime | None = None) -> dict:
    """What the team looks at in the huddle, for its period and the one before."""
    now = now or timezone.now()
    start, end = huddle.period_start, huddle.period_end
    previous_start = start - (end - start)
    current, previous = _nps(huddle.team_id, start, end), _nps(huddle.team_id, previous_start, start)
    period = Feedback.objects.without_anonymous_answers().filter(
        team_id=huddle.team_id, occurred_at__gte=start, occurred_at__lt=end
    )
    names = staff_first_names(huddle.team_id)
    return {
        "version": 1,
        "built_at": now.isoformat(),
        "team": huddle.team.name,
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "previous_period": {"start": previous_start.isoformat(), "end": start.isoformat()},
        "nps": {"current": current, "previous": previous, "trend": _trend(current, previous)},
        "shout_outs": _comments(period.promoters().order_by("-occurred_at"), names=names),
        "learning_moments": _comments(period.detractors().order_by("score", "-occurred_at")),
        "cases": _cases(huddle.team_id, start, end, now),
        "rising_causes": _rising_causes(huddle.team_id),
        "last_huddle": _last_commitments(huddle),
    }


def _rising_causes(team_id: int) -> list[dict]:
    """Root causes rising in this team alone (not a committee matter): what to learn from this week."""
    from innerloop.models.huddles import TeamRise

    rises = TeamRise.objects.filter(team_id=team_id, rising=True).select_related(
        "category__parent", "journey_stage"
    )
    return [
        {
            "category": str(rise.category),
            "journey_stage": rise.journey_stage.name if rise.journey_stage else None,
            "recent": rise.recent_count,
            "expected": round(rise.expected_count, 1),
        }
        for rise in rises.order_by("-recent_count")[:10]
    ]


def _nps_text(nps: dict) -> str:
    """ "25.0 (95 % -10.2 to 55.1, n=4, small sample)": the figure with its interval and sample."""
    if nps["nps"] is None:
        return f"no responses (n={nps['n']})"
    interval = f"95 % {nps['ci_low']:.1f} to {nps['ci_high']:.1f}, " if nps.get("ci_low") is not None else ""
    small = ", small sample" if nps.get("low_sample") else ""
    return f"{nps['nps']:.1f} ({interval}n={nps['n']}{small})"


def summary_as_text(summary: dict) -> str:
    """The summary as a plain-text email body."""
    nps = summary["nps"]["current"]
    trend = summary["nps"]["trend"]
    cases = summary["cases"]
    lines = [
        f"Huddle summary for {summary['team']}",
        "",
        f"NPS: {_nps_text(nps)}"
        + (f", {trend['difference']:+} on the previous period" if trend["difference"] is not None else ""),
        f"Open cases: {cases['open']}, overdue: {cases['overdue']}, recovered: {cases['recovered']}",
    ]
    if cases["top_root_causes"]:
        lines += ["", "Top root causes:"] + [
            f"- {r['name']} ({r['count']})" for r in cases["top_root_causes"]
        ]
    if summary["shout_outs"]:
        lines += ["", "Shout-outs:"] + [
            f"- {s['comment'][:200]}" + (f" (names {', '.join(s['names'])})" if s["names"] else "")
            for s in summary["shout_outs"]
        ]
    if summary.get("rising_causes"):
        lines += ["", "Rising in this team (a learning item, not yet a company-wide signal):"] + [
            f"- {r['category']}: {r['recent']} mentions in 28 days, {r['expected']} expected"
            for r in summary["rising_causes"]
        ]
    if summary["learning_moments"]:
        lines += ["", "Learning moments:"] + [
            f"- ({m['score']}) {m['comment'][:200]}" for m in summary["learning_moments"]
        ]
    last = summary.get("last_huddle")
    if last and last["commitments"]:
        lines += ["", "Commitments from the last huddle:"] + [
            f"- [{c['state']}{', overdue' if c['overdue'] else ''}] {c['text']}"
            f" ({c['owner']}, due {c['due_on']})"
            for c in last["commitments"]
        ]
    return "\n".join(lines) + "\n"
