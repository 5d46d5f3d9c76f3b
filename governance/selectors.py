"""Reads of governance: the automatic agenda, meetings, and accountability per department."""

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from cxloop.org.models import Role
from cxloop.org.scoping import scope_for
from outerloop import selectors as outer

from .models import ActionItem, Committee, CommitteeSeat, Decision, Meeting, MeetingProxy, SystemReview

# Bain: review the whole programme every 18 to 24 months.
SYSTEM_REVIEW_REMIND_MONTHS = 18
SYSTEM_REVIEW_DUE_MONTHS = 24


@dataclass(frozen=True)
class SystemReviewReminder:
    last_held_on: date | None
    due_by: date
    overdue: bool


def system_review_reminder(*, today: date | None = None) -> SystemReviewReminder | None:
    """A reminder once the last system review is 18 months old (due by 24); None while it is recent."""
    today = today or timezone.localdate()
    last = SystemReview.objects.order_by("-held_on").first()
    if last is not None and last.held_on > today - relativedelta(months=SYSTEM_REVIEW_REMIND_MONTHS):
        return None
    due_by = last.held_on + relativedelta(months=SYSTEM_REVIEW_DUE_MONTHS) if last else today
    return SystemReviewReminder(
        last_held_on=last.held_on if last else None, due_by=due_by, overdue=due_by <= today
    )


def meeting_agenda(*, meeting: Meeting, now=None) -> dict:
    """Built live: what awaits a decision, what stalled, strong signals, impact reviews, system review."""
    now = now or timezone.now()
    open_decisions = Decision.objects.filter(initiative=OuterRef("pk"), status=Decision.Status.OPEN)
    return {
        "awaiting_decision": list(
            outer.initiatives_awaiting_decision().annotate(decision_open=Exists(open_decisions))
        ),
        "stalled": list(outer.initiatives_stalled(days=meeting.committee.stall_days, now=now)),
        "strong_signals": list(outer.signals_strong()[:20]),
        "impact_reviews": list(outer.impact_reviews_to_discuss()),
        "system_review": system_review_reminder(today=timezone.localdate(now)),
    }


def agenda_snapshot(agenda: dict) -> dict:
    """The agenda as plain JSON, frozen into a held meeting."""
    reminder = agenda["system_review"]
    return {
        "awaiting_decision": [{"id": i.pk, "title": i.title} for i in agenda["awaiting_decision"]],
        "stalled": [{"id": i.pk, "title": i.title, "stage": i.stage} for i in agenda["stalled"]],
        "strong_signals": [{"id": s.pk, "title": s.title} for s in agenda["strong_signals"]],
        "impact_reviews": [{"id": r.pk, "initiative": r.initiative_id} for r in agenda["impact_reviews"]],
        "system_review": {"due_by": reminder.due_by.isoformat()} if reminder else None,
    }


def _snapshot_for_page(snapshot: dict) -> dict:
    """A held meeting's frozen agenda, with its system review's due date a date again (it is JSON)."""
    reminder = snapshot.get("system_review")
    if not reminder or not isinstance(reminder.get("due_by"), str):
        return snapshot
    return {**snapshot, "system_review": {**reminder, "due_by": date.fromisoformat(reminder["due_by"])}}


def committee_current() -> Committee | None:
    return Committee.objects.order_by("pk").first()


def meetings(*, committee: Committee) -> QuerySet[Meeting]:
    return committee.meetings.order_by("-scheduled_for")


def meeting_next(*, committee: Committee, after: Meeting | None = None) -> Meeting | None:
    """The first upcoming meeting (other than `after`, the one being held)."""
    upcoming = committee.meetings.filter(held_at__isnull=True)
    if after is not None:
        upcoming = upcoming.exclude(pk=after.pk)
    return upcoming.order_by("scheduled_for", "pk").first()


def meeting_get(*, meeting_id: int) -> Meeting:
    return get_object_or_404(Meeting.objects.select_related("committee"), pk=meeting_id)


# What the decision log shows of each vote: the seat's department and who cast it for whom.
VOTE_LOG = ("votes__seat__department", "votes__cast_by", "votes__proxy_for")

# Who may be named a seat's proxy: the roles that open the meeting page and the decisions API.
PROXY_ROLES = (Role.COMMITTEE, Role.MANAGER)


def meeting_decisions(*, meeting: Meeting, user):
    """The meeting's decisions the user may see (all of them where they vote: decisions_visible_to)."""
    return decisions_visible_to(user=user).filter(meeting=meeting).order_by("created_at", "pk")


def meeting_agenda_for(*, meeting: Meeting, user) -> dict:
    """The agenda as `user` may see it: whole for the committee, admins and those who vote at the
    meeting; otherwise only the initiatives and signals of their departments (a manager following
    the committee must not read another department's through it)."""
    agenda = (
        _snapshot_for_page(meeting.agenda_snapshot) if meeting.held_at else meeting_agenda(meeting=meeting)
    )
    if scope_for(user).sees_everything or seats_voted_by(meeting=meeting, user=user).exists():
        return agenda
    initiatives = set(outer.initiatives_visible_to(user=user).values_list("pk", flat=True))
    signals = set(outer.signals_visible_to(user=user).values_list("pk", flat=True))

    def pk(item, name="pk"):
        # Live agendas hold models; a held meeting's snapshot holds {"id", "initiative", ...} dicts.
        snapshot_key = {"pk": "id", "initiative_id": "initiative"}[name]
        return item.get(snapshot_key) if isinstance(item, dict) else getattr(item, name)

    return {
        **agenda,
        "awaiting_decision": [i for i in agenda["awaiting_decision"] if pk(i) in initiatives],
        "stalled": [i for i in agenda["stalled"] if pk(i) in initiatives],
        "strong_signals": [s for s in agenda["strong_signals"] if pk(s) in signals],
        "impact_reviews": [r for r in agenda["impact_reviews"] if pk(r, "initiative_id") in initiatives],
    }


def seats(*, committee: Committee):
    return committee.seats.select_related("department", "holder")


def seats_voted_by(*, meeting: Meeting, user) -> QuerySet[CommitteeSeat]:
    """Seats whose vote `user` casts at `meeting`: those they hold and those whose holder named them proxy.

    A proxy named by an earlier holder lapses when the seat changes hands.
    """
    named_proxy = MeetingProxy.objects.filter(
        meeting=meeting, seat=OuterRef("pk"), proxy=user.pk, named_by=OuterRef("holder")
    )
    return seats(committee=meeting.committee).filter(Q(holder=user.pk) | Exists(named_proxy))


def meeting_proxies(*, meeting: Meeting) -> QuerySet[MeetingProxy]:
    """The proxies named for `meeting` whose seat is still held by the person who named them."""
    return (
        meeting.proxies.filter(named_by=F("seat__holder"))
        .select_related("seat__department", "proxy", "named_by")
        .order_by("seat__department__name")
    )


def proxy_candidates():
    """Active people who may be named a proxy: committee members and managers."""
    return (
        get_user_model()
        .objects.filter(is_active=True, memberships__role__in=PROXY_ROLES)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def decisions_visible_to(*, user) -> QuerySet[Decision]:
    """Decisions on initiatives the user may see, and every decision at a meeting where they vote.

    A manager holding a seat, or named a proxy, votes on initiatives beyond their department.
    """
    meetings_voted_at = Meeting.objects.filter(
        Q(committee__seats__holder=user.pk) | Q(proxies__proxy=user.pk)
    )
    return (
        Decision.objects.filter(
            Q(initiative__in=outer.initiatives_visible_to(user=user).values("pk"))
            | Q(meeting__in=meetings_voted_at.values("pk"))
        )
        .select_related("initiative", "meeting", "carried_from", "withdrawn_by")
        .prefetch_related(*VOTE_LOG)
    )


def accountability(*, departments, today: date | None = None) -> list[dict]:
    """Per department: initiatives it is involved in, on time and overdue (a milestone past due), actions."""
    today = today or timezone.localdate()
    rows = []
    for department in departments:
        initiatives = department.initiatives.annotate(
            overdue_milestones=Count(
                "milestones", filter=Q(milestones__due_on__lt=today, milestones__done_at__isnull=True)
            )
        ).select_related("owner")
        items = ActionItem.objects.filter(
            Q(department=department) | Q(owner__committee_seats__department=department)
        )
        rows.append(
            {
                "department": department,
                "initiatives": list(initiatives),
                "on_time": sum(1 for i in initiatives if not i.overdue_milestones),
                "overdue": sum(1 for i in initiatives if i.overdue_milestones),
                "actions_open": items.filter(done_at__isnull=True).distinct().count(),
                "actions_overdue": items.filter(done_at__isnull=True, due_on__lt=today).distinct().count(),
            }
        )
    return rows
