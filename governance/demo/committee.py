"""Governance's part of the demo: the steering committee, one seat per department, its next meeting
and proxies.

Seeded last by `manage.py seed_demo` (governance.demo.seed), so the `committee` login finds a committee
to work in: each department's committee member holds its seat. Only the demo logins can sign in,
so for the next meeting some holders name a demo login as their proxy, enough for the demo
logins' votes to carry a decision (a seat's vote is cast by its holder or its proxy only).
"""

from datetime import datetime, time, timedelta

from django.utils import timezone

from cxloop.core.demo import DEMO_USERNAMES
from cxloop.org.models import Department, Membership, Role
from governance.models import Committee, Meeting
from governance.services import committee_seat_assign, meeting_schedule, proxy_name

COMMITTEE_NAME = "Customer experience steering committee"


def seed_committee(*, end: datetime) -> Committee:
    """The committee with a seat per department held by its member, and a meeting after `end`."""
    committee, _ = Committee.objects.get_or_create(name=COMMITTEE_NAME)
    members = {
        membership.department_id: membership.user
        for membership in Membership.objects.filter(role=Role.COMMITTEE, department__isnull=False)
        .select_related("user")
        .order_by("pk")
    }
    for department in Department.objects.order_by("name"):
        holder = members.get(department.pk)
        if holder is not None:
            committee_seat_assign(committee=committee, department=department, holder=holder, actor=None)
    if not committee.meetings.exists():
        # The first Tuesday after the demo's end, 10:00 in the server's time zone.
        day = (end + timedelta(days=1)).date()
        day += timedelta(days=(1 - day.weekday()) % 7)
        meeting = meeting_schedule(
            committee=committee,
            scheduled_for=datetime.combine(day, time(10, 0), tzinfo=timezone.get_current_timezone()),
            actor=None,
        )
        _name_proxies_for_a_quorum(meeting=meeting)
    return committee


def _name_proxies_for_a_quorum(*, meeting: Meeting) -> None:
    """Holders without a login name one until the demo logins hold a majority of the votes.

    A department's seat goes to its manager where the manager is a demo login (a manager standing
    in for the department's member), otherwise to the `committee` login.
    """
    seats = list(meeting.committee.seats.select_related("holder").order_by("department__name"))
    needed = meeting.committee.votes_needed(seats=len(seats))
    logins = Membership.objects.filter(user__username__in=DEMO_USERNAMES).select_related("user")
    managers = {m.department_id: m.user for m in logins if m.role == Role.MANAGER and m.department_id}
    committee_login = next(m.user for m in logins if m.user.username == "committee")
    votes = sum(seat.holder.username in DEMO_USERNAMES for seat in seats)
    for seat in seats:
        if votes >= needed:
            return
        if seat.holder.username not in DEMO_USERNAMES:
            proxy = managers.get(seat.department_id, committee_login)
            proxy_name(meeting=meeting, seat=seat, proxy=proxy, actor=seat.holder)
            votes += 1
