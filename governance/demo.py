"""Demo governance: the steering committee, one seat per department, and its next meeting.

Called by seed_demo (settings.CXLOOP_DEMO_SEED_HOOKS), so the `committee` login finds a committee
to work in: each department's committee member holds its seat; the chair, who has none, records
votes cast in the meeting.
"""

from datetime import datetime, time, timedelta

from django.utils import timezone

from cxloop.org.models import Department, Membership, Role

from .models import Committee
from .services import committee_seat_assign, meeting_schedule

COMMITTEE_NAME = "Customer experience steering committee"


def seed_committee(*, seed: int, end: datetime, live_days: int) -> Committee:
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
        meeting_schedule(
            committee=committee,
            scheduled_for=datetime.combine(day, time(10, 0), tzinfo=timezone.get_current_timezone()),
            actor=None,
        )
    return committee
