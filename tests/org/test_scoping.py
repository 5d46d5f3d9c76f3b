import pytest

from cxloop.org.scoping import departments_visible_to, scope_for, teams_visible_to
from feedback.selectors import feedback_visible_to
from tests.factories import FeedbackFactory

pytestmark = pytest.mark.django_db


def slugs(queryset):
    return sorted(queryset.values_list("slug", flat=True))


@pytest.mark.parametrize(
    ("person", "expected_teams"),
    [
        ("agent", ["team-a1"]),
        ("lead", ["team-a1"]),
        ("agent_b", ["team-b1"]),
        ("manager", ["team-a1", "team-a2"]),
        ("committee", ["team-a1", "team-a2", "team-b1"]),
        ("admin", ["team-a1", "team-a2", "team-b1"]),
    ],
)
def test_teams_visible_follow_role(people, person, expected_teams):
    # when
    teams = teams_visible_to(user=people[person])
    # then
    assert slugs(teams) == expected_teams


@pytest.mark.parametrize(
    ("person", "expected_departments"),
    [("agent", []), ("manager", ["dept-a"]), ("committee", ["dept-a", "dept-b"])],
)
def test_departments_visible_follow_role(people, person, expected_departments):
    assert slugs(departments_visible_to(user=people[person])) == expected_departments


def test_feedback_is_scoped_to_teams(people, org):
    # given
    mine = FeedbackFactory(team=org["team_a1"])
    same_department = FeedbackFactory(team=org["team_a2"])
    other_department = FeedbackFactory(team=org["team_b1"])
    unrouted = FeedbackFactory(team=None)
    # when
    seen = {person: set(feedback_visible_to(user=people[person])) for person in people}
    # then
    assert seen["agent"] == {mine}
    assert seen["manager"] == {mine, same_department}
    assert seen["agent_b"] == {other_department}
    assert seen["committee"] == {mine, same_department, other_department, unrouted}


def test_user_without_membership_sees_nothing(db, org):
    # given
    from tests.factories import UserFactory

    stranger = UserFactory(username="stranger")
    FeedbackFactory(team=org["team_a1"])
    # then
    assert scope_for(stranger).primary_role is None
    assert not feedback_visible_to(user=stranger).exists()
    assert not teams_visible_to(user=stranger).exists()


def test_membership_scope_must_match_role(org):
    # given
    from django.db import IntegrityError

    from cxloop.org.models import Role
    from tests.factories import MembershipFactory

    # then: an agent must be on a team, a manager must have a department
    with pytest.raises(IntegrityError):
        MembershipFactory(role=Role.MANAGER, team=org["team_a1"], department=None)
