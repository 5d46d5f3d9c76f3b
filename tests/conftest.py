"""Fixtures shared by the whole suite."""

import pytest

from cxloop.org.models import Role

from .factories import DepartmentFactory, MembershipFactory, TeamFactory, UserFactory

pytest_plugins = ["tests.fixtures.celery_worker", "tests.fixtures.servers", "tests.fixtures.smtp"]


@pytest.fixture
def org(db):
    """Two departments; department A has teams A1 and A2, department B has team B1."""
    dept_a = DepartmentFactory(name="Department A", slug="dept-a")
    dept_b = DepartmentFactory(name="Department B", slug="dept-b")
    return {
        "dept_a": dept_a,
        "dept_b": dept_b,
        "team_a1": TeamFactory(name="Team A1", slug="team-a1", department=dept_a),
        "team_a2": TeamFactory(name="Team A2", slug="team-a2", department=dept_a),
        "team_b1": TeamFactory(name="Team B1", slug="team-b1", department=dept_b),
    }


@pytest.fixture
def people(org):
    """One person per role; the agent and lead work on team A1, the manager runs department A."""

    def person(username, role, **where):
        user = UserFactory(username=username)
        MembershipFactory(user=user, role=role, **where)
        return user

    admin = UserFactory(username="admin-user", is_staff=True, is_superuser=True)
    MembershipFactory(user=admin, role=Role.ADMIN, team=None)
    return {
        "agent": person("agent-a1", Role.AGENT, team=org["team_a1"]),
        "agent_b": person("agent-b1", Role.AGENT, team=org["team_b1"]),
        "lead": person("lead-a1", Role.TEAM_LEAD, team=org["team_a1"]),
        "manager": person("manager-a", Role.MANAGER, team=None, department=org["dept_a"]),
        "committee": person("committee-1", Role.COMMITTEE, team=None, department=org["dept_b"]),
        "admin": admin,
    }
