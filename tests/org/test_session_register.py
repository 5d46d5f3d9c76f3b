"""Signed-in sessions are registered, listed to administrators and ended; a role change rotates the id."""

import pytest
from django.conf import settings
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.models import Session
from django.test import Client, RequestFactory

from cxloop.core.models import AuditEvent
from cxloop.org.models import Membership, Role, UserSession
from cxloop.org.services import sessions_end
from cxloop.org.session_store import SessionStore
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def session_key(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def test_sign_in_registers_the_session_with_its_address_and_browser(people):
    # given
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="Firefox/140 on Linux")
    request.session = SessionStore()
    # when
    login(request, people["agent"], backend="django.contrib.auth.backends.ModelBackend")
    # then
    row = UserSession.objects.get(session_id=request.session.session_key)
    assert row.user == people["agent"]
    assert row.ip == "203.0.113.7"
    assert row.user_agent == "Firefox/140 on Linux"


def test_sign_out_removes_the_session_from_the_register(people):
    client = signed_in(people["agent"])
    assert UserSession.objects.filter(user=people["agent"]).count() == 1
    client.post("/logout/")
    assert not UserSession.objects.filter(user=people["agent"]).exists()


def test_a_rotated_session_id_stays_in_the_register(people):
    # given: a password change rotates the session id (update_session_auth_hash)
    request = RequestFactory().get("/")
    request.session, request.user = SessionStore(), AnonymousUser()
    login(request, people["agent"], backend="django.contrib.auth.backends.ModelBackend")
    old_key = request.session.session_key
    # when
    update_session_auth_hash(request, people["agent"])
    # then
    assert request.session.session_key != old_key
    assert UserSession.objects.filter(session_id=request.session.session_key, user=people["agent"]).exists()
    assert not Session.objects.filter(session_key=old_key).exists()


def test_sessions_end_signs_the_person_out_everywhere(people):
    # given: the agent on two browsers, the lead on one
    laptop, phone, lead = signed_in(people["agent"]), signed_in(people["agent"]), signed_in(people["lead"])
    assert laptop.get("/cases/").status_code == 200
    # when
    ended = sessions_end(person=people["agent"], actor=people["admin"], reason="lost phone")
    # then
    assert ended == 2
    assert laptop.get("/cases/").status_code == 302
    assert phone.get("/cases/").status_code == 302
    assert lead.get("/cases/").status_code == 200
    event = AuditEvent.objects.get(verb="sessions.ended")
    assert event.data["count"] == 2
    assert event.target_id == str(people["agent"].pk)


def test_the_person_page_lists_sessions_and_ends_them_after_confirmation(client, people):
    # given
    agent = signed_in(people["agent"])
    agent.get("/cases/", REMOTE_ADDR="198.51.100.4", HTTP_USER_AGENT="Agent's browser")
    UserSession.objects.filter(user=people["agent"]).update(ip="198.51.100.4", user_agent="Agent's browser")
    client.force_login(people["admin"])
    url = f"/people/{people['agent'].pk}/"
    # when: listed
    page = client.get(url).content.decode()
    # then
    assert "198.51.100.4" in page
    assert "Agent&#x27;s browser" in page
    assert "End all sessions" in page
    # when: without ticking the confirmation
    refused = client.post(f"{url}end-sessions/", {})
    # then
    assert refused.status_code == 400
    assert "Tick the box to confirm." in refused.content.decode()
    assert agent.get("/cases/").status_code == 200
    # when: confirmed
    done = client.post(f"{url}end-sessions/", {"end-confirm": "on"})
    # then
    assert done.status_code == 302
    assert agent.get("/cases/").status_code == 302
    assert client.get(url).status_code == 200  # the admin's own session goes on


@pytest.mark.parametrize("person", ["agent", "lead", "manager", "committee"])
def test_only_administrators_see_a_person_page_or_end_sessions(client, people, person):
    victim = signed_in(people["agent_b"])
    client.force_login(people[person])
    url = f"/people/{people['agent_b'].pk}/"
    assert client.get(url).status_code == 403
    assert client.post(f"{url}end-sessions/", {"end-confirm": "on"}).status_code == 403
    assert victim.get("/cases/").status_code == 200


def test_ending_sessions_needs_a_csrf_token(people):
    victim = signed_in(people["agent"])
    admin = Client(enforce_csrf_checks=True)
    admin.force_login(people["admin"])
    response = admin.post(f"/people/{people['agent'].pk}/end-sessions/", {"end-confirm": "on"})
    assert response.status_code == 403
    assert victim.get("/cases/").status_code == 200


# --- a role change rotates the session id ---------------------------------------------------------


def test_a_role_change_gives_the_session_a_new_id_and_the_old_one_stops_working(people, org):
    # given
    agent = signed_in(people["agent"])
    assert agent.get("/cases/").status_code == 200
    old_key = session_key(agent)
    # when: made team lead of another team (any path: here the ORM)
    MembershipFactory(user=people["agent"], role=Role.TEAM_LEAD, team=org["team_a2"])
    response = agent.get("/cases/")
    # then: still signed in, with a new session id; the old one is gone
    assert response.status_code == 200
    new_key = session_key(agent)
    assert new_key != old_key
    assert not Session.objects.filter(session_key=old_key).exists()
    assert UserSession.objects.filter(session_id=new_key, user=people["agent"]).exists()
    stolen = Client()
    stolen.cookies[settings.SESSION_COOKIE_NAME] = old_key
    assert stolen.get("/cases/").status_code == 302
    # and the next request keeps the new id
    agent.get("/cases/")
    assert session_key(agent) == new_key


def test_an_unchanged_role_keeps_the_session_id(people):
    agent = signed_in(people["agent"])
    agent.get("/cases/")
    key = session_key(agent)
    agent.get("/cases/")
    assert session_key(agent) == key


def test_losing_a_role_also_rotates_the_session(people):
    lead = signed_in(people["lead"])
    lead.get("/cases/")
    key = session_key(lead)
    Membership.objects.filter(user=people["lead"]).delete()
    lead.get("/")
    assert session_key(lead) != key


# --- role changes are audited -----------------------------------------------------------------------


def test_granting_changing_and_revoking_a_role_is_audited(people, org):
    # given
    before = AuditEvent.objects.order_by("id").last().pk
    # when
    membership = MembershipFactory(user=people["agent"], role=Role.TEAM_LEAD, team=org["team_a2"])
    membership.team = org["team_b1"]
    membership.save()
    membership.delete()
    # then
    rows = list(
        AuditEvent.objects.filter(
            verb__startswith="membership.", target_id=str(people["agent"].pk), pk__gt=before
        )
        .order_by("id")
        .values_list("verb", "data")
    )
    assert [(verb, data["role"], data["team"]) for verb, data in rows] == [
        ("membership.granted", "team_lead", "team-a2"),
        ("membership.revoked", "team_lead", "team-a2"),
        ("membership.granted", "team_lead", "team-b1"),
        ("membership.revoked", "team_lead", "team-b1"),
    ]
    assert all(data["via"] == "signal" for _, data in rows)


def test_a_manager_membership_names_its_department(people, org):
    MembershipFactory(user=people["agent"], role=Role.MANAGER, team=None, department=org["dept_b"])
    event = AuditEvent.objects.filter(verb="membership.granted").latest("id")
    assert (event.data["role"], event.data["department"], event.data["team"]) == ("manager", "dept-b", None)


def test_an_admin_granting_a_role_in_the_admin_is_the_actor(client, people, org):
    client.force_login(people["admin"])
    response = client.post(
        "/admin/org/membership/add/",
        {"user": people["agent_b"].pk, "role": Role.AGENT, "team": org["team_a2"].pk, "department": ""},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.filter(verb="membership.granted").latest("id")
    assert event.actor == people["admin"]
    assert event.target_id == str(people["agent_b"].pk)
    assert event.data["team"] == "team-a2"


def test_an_administrator_ending_their_own_sessions_is_signed_out(client, people):
    client.force_login(people["admin"])
    response = client.post(f"/people/{people['admin'].pk}/end-sessions/", {"end-confirm": "on"})
    assert response.status_code == 302
    assert client.get("/people/").status_code == 302
