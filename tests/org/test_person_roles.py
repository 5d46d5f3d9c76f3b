"""An admin changes a person's role, team or department from the person page; the person's session
gets a new id on their next request and they work with the new role."""

import pytest
from django.conf import settings
from django.test import Client

from cxloop.core.models import AuditEvent
from cxloop.org.models import Membership, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client, people):
    client.force_login(people["admin"])
    return client


def change(client, person, membership, **fields):
    data = {"role": "", "team": "", "department": "", **fields}
    prefix = f"role-{membership.pk}"
    return client.post(
        f"/people/{person.pk}/roles/{membership.pk}/", {f"{prefix}-{k}": v for k, v in data.items()}
    )


def test_an_agent_becomes_a_manager_and_their_session_rotates(admin, people, org):
    # given: the agent is signed in and works their queue
    agent = people["agent"]
    agent_browser = Client()
    agent_browser.force_login(agent)
    assert agent_browser.get("/cases/").status_code == 200
    assert agent_browser.get("/huddles/review/").status_code == 403
    old_key = agent_browser.cookies[settings.SESSION_COOKIE_NAME].value
    membership = Membership.objects.get(user=agent)
    # when: the admin makes them manager of department B
    response = change(admin, agent, membership, role=Role.MANAGER, department=org["dept_b"].pk)
    # then
    assert response.status_code == 302
    membership.refresh_from_db()
    assert (membership.role, membership.team, membership.department) == (Role.MANAGER, None, org["dept_b"])
    assert agent_browser.get("/huddles/review/").status_code == 200
    assert agent_browser.cookies[settings.SESSION_COOKIE_NAME].value != old_key
    old = Client()
    old.cookies[settings.SESSION_COOKIE_NAME] = old_key
    assert old.get("/huddles/review/").status_code == 302  # the id seen before the change no longer works
    granted = AuditEvent.objects.filter(verb="membership.granted", target_id=str(agent.pk)).latest("id")
    assert granted.actor == people["admin"]
    assert granted.data["role"] == Role.MANAGER
    assert AuditEvent.objects.filter(verb="membership.revoked", target_id=str(agent.pk)).exists()


def test_a_role_in_the_wrong_place_is_refused_with_the_field(admin, people, org):
    membership = Membership.objects.get(user=people["lead"])
    response = change(admin, people["lead"], membership, role=Role.MANAGER, team=org["team_a1"].pk)
    assert response.status_code == 400
    page = response.content.decode()
    assert "A manager runs a department: choose one." in page
    assert "A manager runs a department, not a team: leave the team empty." in page
    membership.refresh_from_db()
    assert membership.role == Role.TEAM_LEAD


def test_give_and_take_away_a_role(admin, people, org):
    person = people["agent"]
    given = admin.post(
        f"/people/{person.pk}/roles/add/",
        {"add-role-role": Role.COMMITTEE, "add-role-team": "", "add-role-department": org["dept_a"].pk},
    )
    twice = admin.post(
        f"/people/{person.pk}/roles/add/",
        {"add-role-role": Role.COMMITTEE, "add-role-team": "", "add-role-department": org["dept_a"].pk},
    )
    committee = Membership.objects.get(user=person, role=Role.COMMITTEE)
    unconfirmed = admin.post(f"/people/{person.pk}/roles/{committee.pk}/remove/", {})
    kept = Membership.objects.filter(pk=committee.pk).exists()
    removed = admin.post(
        f"/people/{person.pk}/roles/{committee.pk}/remove/", {f"remove-{committee.pk}-confirm": "on"}
    )
    assert given.status_code == 302
    assert twice.status_code == 400
    assert "They hold this role there already." in twice.content.decode()
    assert unconfirmed.status_code == 400
    assert kept
    assert removed.status_code == 302
    assert list(person.memberships.values_list("role", flat=True)) == [Role.AGENT]


def test_an_admin_cannot_take_away_their_own_admin_role(admin, people):
    own = Membership.objects.get(user=people["admin"], role=Role.ADMIN)
    response = admin.post(
        f"/people/{people['admin'].pk}/roles/{own.pk}/remove/", {f"remove-{own.pk}-confirm": "on"}
    )
    assert response.status_code == 400
    assert "You cannot take away your own administrator role" in response.content.decode()
    assert Membership.objects.filter(pk=own.pk).exists()


@pytest.mark.parametrize("who", ["manager", "committee", "lead"])
def test_only_admins_change_roles(client, people, org, who):
    membership = Membership.objects.get(user=people["agent"])
    client.force_login(people[who])
    response = change(client, people["agent"], membership, role=Role.TEAM_LEAD, team=org["team_a1"].pk)
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.role == Role.AGENT


def test_a_membership_of_someone_else_is_not_found(admin, people, org):
    other = Membership.objects.get(user=people["lead"])
    response = change(admin, people["agent"], other, role=Role.AGENT, team=org["team_a1"].pk)
    assert response.status_code == 404


def test_a_person_without_a_role_is_listed_and_reachable(admin, people):
    Membership.objects.filter(user=people["agent_b"]).delete()
    page = admin.get("/people/").content.decode()
    assert "People without a role" in page
    assert f'href="/people/{people["agent_b"].pk}/"' in page
