"""A committee of three seats with a meeting and an open decision, shared by the governance tests."""

import pytest

from cxloop.org.models import Role
from governance import services
from tests.factories import DepartmentFactory, MembershipFactory, UserFactory
from tests.outerloop.factories import InitiativeFactory

from .factories import CommitteeFactory, CommitteeSeatFactory, MeetingFactory


@pytest.fixture
def committee(people, org):
    """Three seats: departments A and B and a third one; a majority is two votes."""
    committee = CommitteeFactory()
    third_holder = UserFactory(username="tom", first_name="Tom", last_name="Reed")
    MembershipFactory(user=third_holder, role=Role.COMMITTEE, team=None, department=None)
    seats = [
        CommitteeSeatFactory(committee=committee, department=org["dept_a"], holder=people["manager"]),
        CommitteeSeatFactory(committee=committee, department=org["dept_b"], holder=people["committee"]),
        CommitteeSeatFactory(
            committee=committee,
            department=DepartmentFactory(name="Logistics & returns", slug="dept-c"),
            holder=third_holder,
        ),
    ]
    return {"committee": committee, "seats": seats, "meeting": MeetingFactory(committee=committee)}


@pytest.fixture
def decision(committee, people):
    initiative = InitiativeFactory(owner=people["manager"])
    return services.decision_open(
        meeting=committee["meeting"], initiative=initiative, rationale="Biggest driver of detractors",
        actor=people["committee"],
    )  # fmt: skip
