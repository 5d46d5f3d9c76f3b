"""The demo committee: its logins can still carry a decision now that only holders and proxies vote."""

from datetime import UTC, datetime

import pytest

from cxloop.org.models import Role
from governance import selectors, services
from governance.demo import seed_committee
from governance.models import Decision, Outcome
from outerloop.models import Stage
from tests.factories import DepartmentFactory, MembershipFactory, UserFactory
from tests.outerloop.factories import InitiativeFactory

pytestmark = pytest.mark.django_db


def test_the_demo_logins_carry_a_decision_through_named_proxies():
    # given: four departments, each with a committee member; two demo logins among them
    departments = [
        DepartmentFactory(name=name, slug=name.lower()) for name in ("Care", "Digital", "Logistics", "Stores")
    ]
    for department in departments:
        username = "committee" if department.slug == "logistics" else f"member-{department.slug}"
        MembershipFactory(
            user=UserFactory(username=username), role=Role.COMMITTEE, team=None, department=department
        )
    manager = UserFactory(username="manager")
    MembershipFactory(user=manager, role=Role.MANAGER, team=None, department=departments[0])
    # when
    committee = seed_committee(end=datetime(2026, 11, 30, tzinfo=UTC))
    meeting = selectors.meeting_next(committee=committee)
    # then: three of four seats carry it; Care's member names its manager, Digital's the committee login
    proxies = {
        named.seat.department.slug: named.proxy.username
        for named in selectors.meeting_proxies(meeting=meeting)
    }
    assert proxies == {"care": "manager", "digital": "committee"}
    decision = services.decision_open(
        meeting=meeting, initiative=InitiativeFactory(), rationale="Demo", actor=manager
    )
    committee_login = committee.seats.get(department__slug="logistics").holder
    for slug, voter in (("care", manager), ("digital", committee_login), ("logistics", committee_login)):
        services.vote_cast(
            decision=decision,
            seat=committee.seats.get(department__slug=slug),
            choice=Outcome.APPROVED,
            actor=voter,
        )
    decision.refresh_from_db()
    decision.initiative.refresh_from_db()
    assert (decision.status, decision.initiative.stage) == (Decision.Status.DECIDED, Stage.APPROVED)
    # and seeding again names nobody twice
    seed_committee(end=datetime(2026, 11, 30, tzinfo=UTC))
    assert meeting.proxies.count() == 2
