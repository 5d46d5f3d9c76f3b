"""Invitations: an admin invites by email; the one-time link makes the account, signs the person in
with the role, and works once, until it expires or is withdrawn."""

import itertools
import re
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone
from freezegun import freeze_time

from cxloop.core.models import AuditEvent
from cxloop.org.models import Invitation, Membership, Preference, Role
from cxloop.org.scoping import scope_for

pytestmark = pytest.mark.django_db

User = get_user_model()
_octets = itertools.count(1)
STRONG = "violet-harbour-1729"


def invite(client, **fields):
    data = {
        "full_name": "Maria Sousa",
        "email": "maria@example.org",
        "role": Role.AGENT,
        "team": "",
        "department": "",
        "language": "",
        **fields,
    }
    return client.post("/people/invite/", data)


def link_path(message) -> str:
    found = re.search(r"https?://[^/\s]+(/invitation/[^/\s]+/)", message.body)
    assert found, message.body
    return found.group(1)


def visitor() -> Client:
    """A browser from an address no other test used: refused links count per address in Redis,
    which outlives a test."""
    return Client(REMOTE_ADDR=f"10.{next(_octets) % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}")


def accept(path: str, username="maria", password=STRONG, client=None):
    client = client or visitor()
    return client, client.post(path, {"username": username, "password1": password, "password2": password})


@pytest.fixture
def admin(client, people):
    client.force_login(people["admin"])
    return client


def test_the_invited_person_accepts_and_lands_signed_in_with_the_role(admin, org):
    # given: the admin invites an agent of team A1, in Portuguese
    response = invite(admin, team=org["team_a1"].pk, language="pt")
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    path = link_path(message)
    # when: the invitee opens the link, sees their username suggested, and chooses a password
    invitee = visitor()
    page = invitee.get(path)
    _, answer = accept(path, client=invitee)
    # then
    assert message.to == ["maria@example.org"]
    assert message.alternatives[0][1] == "text/html"
    assert page.status_code == 200
    assert 'value="maria"' in page.content.decode()
    assert answer.status_code == 302
    user = User.objects.get(username="maria")
    assert (user.email, user.first_name, user.last_name) == ("maria@example.org", "Maria", "Sousa")
    membership = Membership.objects.get(user=user)
    assert (membership.role, membership.team) == (Role.AGENT, org["team_a1"])
    assert Preference.objects.get(user=user).language == "pt"
    assert invitee.get("/cases/").status_code == 200  # signed in, and an agent
    invitation = Invitation.objects.get()
    assert invitation.accepted_at is not None
    assert invitation.user == user
    # only the token's hash is kept
    token = path.strip("/").split("/")[-1]
    assert token not in invitation.token_hash
    # audited, without the address or the name
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"invitation.created", "invitation.accepted", "membership.granted"} <= verbs
    for event in AuditEvent.objects.filter(verb__startswith="invitation."):
        assert "maria" not in str(event.data).lower()
        assert "sousa" not in str(event.data).lower()


def test_the_link_works_once(admin, org):
    invite(admin, team=org["team_a1"].pk)
    path = link_path(mail.outbox[0])
    accept(path)
    # when: opened and posted again
    again = visitor().get(path)
    _, second = accept(path, username="someone-else")
    # then
    assert again.status_code == 410
    assert "used already" in again.content.decode()
    assert second.status_code == 410
    assert not User.objects.filter(username="someone-else").exists()


@override_settings(CXLOOP_INVITATION_DAYS=2)
def test_the_link_expires_after_the_configured_days(admin, org):
    invite(admin, role=Role.MANAGER, department=org["dept_a"].pk)
    path = link_path(mail.outbox[0])
    assert Invitation.objects.get().expires_at < timezone.now() + timedelta(days=2, minutes=1)
    with freeze_time(timezone.now() + timedelta(days=1)):
        still_open = visitor().get(path).status_code
    with freeze_time(timezone.now() + timedelta(days=2, minutes=1)):
        expired = visitor().get(path)
        _, refused = accept(path)
    assert still_open == 200
    assert expired.status_code == 410
    assert "expired" in expired.content.decode()
    assert refused.status_code == 410
    assert not User.objects.filter(username="maria").exists()


def test_a_withdrawn_link_is_refused_and_withdrawing_needs_the_box(admin, org):
    invite(admin, team=org["team_a1"].pk)
    path = link_path(mail.outbox[0])
    invitation = Invitation.objects.get()
    # when: withdrawn without, then with, the box ticked
    unconfirmed = admin.post(f"/people/invitations/{invitation.pk}/withdraw/", {})
    still_works = visitor().get(path).status_code
    confirmed = admin.post(f"/people/invitations/{invitation.pk}/withdraw/", {"withdraw-confirm": "on"})
    # then
    assert unconfirmed.status_code == 400
    assert "Tick the box to confirm." in unconfirmed.content.decode()
    assert still_works == 200
    assert confirmed.status_code == 302
    refused = visitor().get(path)
    assert refused.status_code == 410
    assert "withdrawn" in refused.content.decode()
    assert AuditEvent.objects.filter(verb="invitation.withdrawn").exists()


def test_resending_makes_a_new_link_and_the_old_one_stops(admin, org):
    invite(admin, team=org["team_a1"].pk)
    old = link_path(mail.outbox[0])
    invitation = Invitation.objects.get()
    # when
    admin.post(f"/people/invitations/{invitation.pk}/resend/")
    new = link_path(mail.outbox[1])
    # then
    assert new != old
    assert visitor().get(old).status_code == 404
    _, answer = accept(new)
    assert answer.status_code == 302
    assert AuditEvent.objects.filter(verb="invitation.resent").exists()


def test_the_people_page_lists_open_invitations(admin, org):
    invite(admin, team=org["team_a1"].pk, full_name="Maria <b>Sousa</b>")
    page = admin.get("/people/").content.decode()
    assert "Invitations not yet accepted" in page
    assert "Maria &lt;b&gt;Sousa&lt;/b&gt;" in page
    assert "Resend with a new link" in page


@pytest.mark.parametrize("who", ["manager", "committee", "lead", "agent"])
def test_only_admins_invite_resend_or_withdraw(client, people, org, who):
    invitation = Invitation.objects.create(
        email="x@example.org", role=Role.AGENT, team=org["team_a1"], token_hash="0" * 64,
        expires_at=timezone.now() + timedelta(days=1),
    )  # fmt: skip
    client.force_login(people[who])
    assert client.get("/people/invite/").status_code == 403
    assert invite(client, team=org["team_a1"].pk).status_code == 403
    assert client.post(f"/people/invitations/{invitation.pk}/resend/").status_code == 403
    confirmed = {"withdraw-confirm": "on"}
    assert client.post(f"/people/invitations/{invitation.pk}/withdraw/", confirmed).status_code == 403
    invitation.refresh_from_db()
    assert invitation.withdrawn_at is None
    assert not mail.outbox


def test_an_address_with_an_active_account_is_refused(admin, people, org):
    people["agent"].email = "Agent@Example.org"
    people["agent"].save()
    response = invite(admin, email="agent@example.org", team=org["team_a1"].pk)
    assert response.status_code == 400
    assert "already has an account" in response.content.decode()
    assert not Invitation.objects.exists()
    assert not mail.outbox


def test_an_invitation_never_grants_a_role_to_an_existing_account(admin, people, org):
    # given: an invitation as team lead
    invite(admin, role=Role.TEAM_LEAD, team=org["team_b1"].pk)
    path = link_path(mail.outbox[0])
    # when: accepted with the username of an existing account
    _, taken = accept(path, username=people["agent"].username.upper())
    # and opened by a person who is signed in
    signed_in = visitor()
    signed_in.force_login(people["agent"])
    opened = signed_in.get(path)
    _, posted = accept(path, client=signed_in)
    # then: nobody existing gets the role
    assert taken.status_code == 400
    assert "This username is taken" in taken.content.decode()
    assert opened.status_code == 409
    assert posted.status_code == 409
    people["agent"].refresh_from_db()
    assert list(people["agent"].memberships.values_list("role", flat=True)) == [Role.AGENT]
    assert Invitation.objects.get().accepted_at is None


def test_role_and_place_must_match(admin, org):
    no_team = invite(admin, role=Role.AGENT)
    manager_with_team = invite(admin, role=Role.MANAGER, team=org["team_a1"].pk, department=org["dept_a"].pk)
    assert no_team.status_code == 400
    assert "An agent or team lead works in a team: choose one." in no_team.content.decode()
    assert manager_with_team.status_code == 400
    assert "leave the team empty" in manager_with_team.content.decode()
    assert not Invitation.objects.exists()


def test_passwords_go_through_djangos_validators(admin, org):
    invite(admin, team=org["team_a1"].pk)
    path = link_path(mail.outbox[0])
    _, weak = accept(path, password="12345678")
    client = visitor()
    different = client.post(path, {"username": "maria", "password1": STRONG, "password2": STRONG + "x"})
    assert weak.status_code == 400
    assert "This password is entirely numeric." in weak.content.decode()
    assert different.status_code == 400
    assert "The two passwords differ." in different.content.decode()
    assert not User.objects.filter(username="maria").exists()


def test_the_email_is_escaped_and_carries_no_internal_codes(admin, org):
    invite(admin, team=org["team_a1"].pk, full_name='<script>alert("x")</script> Sousa', language="")
    message = mail.outbox[0]
    html = message.alternatives[0][0]
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert '<script>alert("x")</script> Sousa' in message.body  # plain text: as typed, not entity soup
    assert "Agent" in message.body
    assert "Team A1" in message.body
    assert "team-a1" not in message.body
    assert "team_a1" not in html


@override_settings(CXLOOP_LOGIN_FAILURES_PER_ADDRESS=3)
def test_an_address_trying_many_links_is_paused(admin, org):
    invite(admin, team=org["team_a1"].pk)
    path = link_path(mail.outbox[0])
    guesser = visitor()
    for attempt in range(3):
        assert guesser.get(f"/invitation/not-a-token-{attempt}/").status_code == 404
    # when: the real link, from the same address
    paused = guesser.get(path)
    # then: paused there, while another address opens it
    assert paused.status_code == 429
    assert visitor().get(path).status_code == 200


def test_an_expired_invitation_makes_way_for_a_new_one(admin, org):
    invite(admin, team=org["team_a1"].pk)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    again = invite(admin, team=org["team_a1"].pk)
    open_one = invite(admin, team=org["team_a1"].pk)
    assert again.status_code == 302
    assert open_one.status_code == 400
    assert "open invitation" in open_one.content.decode()
    assert Invitation.objects.filter(withdrawn_at__isnull=True).count() == 1


def test_an_invited_admin_gets_the_admin_role(admin):
    invite(admin, role=Role.ADMIN, language="")
    _, answer = accept(link_path(mail.outbox[0]))
    assert answer.status_code == 302
    assert scope_for(User.objects.get(username="maria")).has_role(Role.ADMIN)


def test_a_link_stops_working_when_the_admin_who_sent_it_is_deactivated(admin, people, org):
    # given: an admin invites an admin, then is deactivated before the link is used
    from cxloop.org.invitations import invitation_accept
    from cxloop.org.services import person_deactivate

    invite(admin, role=Role.ADMIN, email="later@example.org")
    path = link_path(mail.outbox[0])
    second_admin = User.objects.create_user("other-admin", password="x")
    Membership.objects.create(user=second_admin, role=Role.ADMIN)
    person_deactivate(person=people["admin"], actor=second_admin, reason="Left the company")
    # when
    page = visitor().get(path)
    _, answer = accept(path, username="comeback")
    # then: refused on the page and by the service, and no account made
    assert page.status_code == 410
    assert answer.status_code == 410
    token = path.strip("/").split("/")[-1]
    with pytest.raises(Exception, match="no longer works"):
        invitation_accept(token=token, username="comeback", password=STRONG)
    assert not User.objects.filter(username="comeback").exists()
