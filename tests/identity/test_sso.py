"""Single sign-on against a real OpenID provider on loopback (tests/identity/provider)."""

import pytest
from allauth.socialaccount.models import SocialAccount, SocialToken
from django.contrib.auth import get_user_model

from cxloop.core.models import AuditEvent
from cxloop.identity.models import GroupMapping
from cxloop.identity.services.recheck import sso_accounts_recheck
from cxloop.identity.tasks import sso_accounts_recheck as sso_accounts_recheck_task
from cxloop.org.models import Membership, Role
from cxloop.org.services import api_token_create
from tests.identity.provider.fixture import oidc_provider, sso  # noqa: F401 - fixtures
from tests.identity.sso_flow import CALLBACK, sso_login

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "idp-pw-for-tests"


@pytest.fixture
def mapping(org):
    GroupMapping.objects.create(group="cx-agents-a1", role=Role.AGENT, team=org["team_a1"])
    GroupMapping.objects.create(group="cx-leads-b1", role=Role.TEAM_LEAD, team=org["team_b1"])
    GroupMapping.objects.create(group="cx-committee", role=Role.COMMITTEE)
    return org


@pytest.fixture
def idp(sso):  # noqa: F811
    sso.allow_redirect(CALLBACK)
    return sso


def _grants(user):
    return set(Membership.objects.filter(user=user).values_list("role", "team__slug", "department__slug"))


def test_first_sign_on_creates_the_person_with_the_mapped_role_and_team(client, idp, mapping):
    # given
    idp.add_user("sso-ana", PASSWORD, ["cx-agents-a1", "unmapped-group"])
    # when
    answer = sso_login(client, username="sso-ana", password=PASSWORD)
    # then: signed in, landed on the agent's page
    assert answer.status_code == 302
    person = User.objects.get(username="sso-ana")
    assert _grants(person) == {(Role.AGENT, "team-a1", None)}
    assert person.has_usable_password() is False
    assert client.get("/", follow=True).redirect_chain[-1][0] == "/cases/"
    verbs = set(AuditEvent.objects.filter(target_id=str(person.pk)).values_list("verb", flat=True))
    assert {"person.created", "membership.granted", "sso.login"} <= verbs
    # and the refresh token is kept for the re-check
    assert SocialToken.objects.get(account__user=person).token_secret


def test_changed_groups_change_role_and_team_at_the_next_sign_on(client, idp, mapping):
    # given
    idp.add_user("sso-ben", PASSWORD, ["cx-agents-a1"])
    sso_login(client, username="sso-ben", password=PASSWORD)
    person = User.objects.get(username="sso-ben")
    client.post("/logout/")
    # when
    idp.set_groups("sso-ben", ["cx-leads-b1", "cx-committee"])
    answer = sso_login(client, username="sso-ben", password=PASSWORD)
    # then
    assert answer.status_code == 302
    assert _grants(person) == {(Role.TEAM_LEAD, "team-b1", None), (Role.COMMITTEE, None, None)}
    revoked = AuditEvent.objects.get(verb="membership.revoked", target_id=str(person.pk))
    assert (revoked.data["role"], revoked.data["team"]) == ("agent", "team-a1")
    assert AuditEvent.objects.filter(verb="membership.granted", target_id=str(person.pk)).count() == 3
    synced = AuditEvent.objects.filter(verb="sso.memberships_synced", target_id=str(person.pk)).first()
    assert synced.data["groups"] == ["cx-committee", "cx-leads-b1"]
    assert synced.data["revoked"] == [
        {"role": "agent", "team_id": mapping["team_a1"].pk, "department_id": None}
    ]


def test_groups_that_map_to_no_role_are_refused_and_no_account_is_made(client, idp, mapping):
    # given
    idp.add_user("sso-cas", PASSWORD, ["unmapped-group"])
    # when
    answer = sso_login(client, username="sso-cas", password=PASSWORD)
    # then
    assert answer.status_code == 403
    assert "give you no role in cxloop" in answer.content.decode()
    assert not User.objects.filter(username__startswith="sso-cas").exists()
    refusal = AuditEvent.objects.get(verb="sso.refused")
    assert refusal.data["reason"] == "no_role"
    assert client.get("/feedback/").status_code == 302


def test_a_person_whose_groups_no_longer_grant_a_role_loses_it_and_is_refused(client, idp, mapping):
    # given
    idp.add_user("sso-hal", PASSWORD, ["cx-agents-a1"])
    sso_login(client, username="sso-hal", password=PASSWORD)
    client.post("/logout/")
    idp.set_groups("sso-hal", ["unmapped-group"])
    # when
    answer = sso_login(client, username="sso-hal", password=PASSWORD)
    # then
    assert answer.status_code == 403
    assert not Membership.objects.filter(user__username="sso-hal").exists()
    assert AuditEvent.objects.filter(verb="sso.refused", data__reason="no_role").exists()


def test_a_person_deactivated_in_cxloop_is_refused(client, idp, mapping):
    # given
    idp.add_user("sso-dan", PASSWORD, ["cx-agents-a1"])
    sso_login(client, username="sso-dan", password=PASSWORD)
    client.post("/logout/")
    User.objects.filter(username="sso-dan").update(is_active=False)
    # when
    answer = sso_login(client, username="sso-dan", password=PASSWORD)
    # then
    assert answer.status_code == 403
    assert "account is deactivated" in answer.content.decode()
    assert AuditEvent.objects.filter(verb="sso.refused", data__reason="inactive").exists()


def test_the_recheck_keeps_present_people_and_follows_token_rotation(client, idp, mapping):
    # given
    idp.add_user("sso-eve", PASSWORD, ["cx-agents-a1"])
    sso_login(client, username="sso-eve", password=PASSWORD)
    first = SocialToken.objects.get(account__user__username="sso-eve").token_secret
    # when: twice, so the second run asks with the refresh token the first was given
    results = [sso_accounts_recheck(), sso_accounts_recheck()]
    # then
    assert [(r.checked, r.deactivated, r.errors) for r in results] == [(1, 0, 0), (1, 0, 0)]
    assert SocialToken.objects.get(account__user__username="sso-eve").token_secret != first
    assert User.objects.get(username="sso-eve").is_active


@pytest.mark.parametrize("how", ["remove_user", "deactivate_user"])
def test_a_person_removed_at_the_provider_is_refused_and_their_sessions_and_tokens_end(
    client, idp, mapping, how
):
    # given: signed in, with an API token
    idp.add_user("sso-fay", PASSWORD, ["cx-agents-a1"])
    sso_login(client, username="sso-fay", password=PASSWORD)
    person = User.objects.get(username="sso-fay")
    _, key = api_token_create(created_by=person, name="script")
    assert client.get("/feedback/").status_code == 200
    # when: removed at the provider, then the periodic re-check runs
    getattr(idp, how)("sso-fay")
    refused = sso_login(client.__class__(), username="sso-fay", password=PASSWORD)
    result = sso_accounts_recheck_task()
    # then: the provider refuses them at its login page, and cxloop has ended everything
    assert refused.status_code == 200
    assert "did not match" in refused.text
    assert result["deactivated"] == 1
    person.refresh_from_db()
    assert person.is_active is False
    assert client.get("/feedback/").status_code == 302
    assert client.get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {key}").status_code in (401, 403)
    assert AuditEvent.objects.filter(verb="person.deactivated", target_id=str(person.pk)).exists()
    assert not SocialToken.objects.filter(account__user=person).exists()
    assert SocialAccount.objects.filter(user=person).exists()


def test_the_recheck_deactivates_nobody_when_the_provider_does_not_answer(client, idp, mapping, settings):
    # given
    idp.add_user("sso-gus", PASSWORD, ["cx-agents-a1"])
    sso_login(client, username="sso-gus", password=PASSWORD)
    settings.CXLOOP_OIDC_SERVER_URL = "http://127.0.0.1:9"
    # when
    result = sso_accounts_recheck()
    # then
    assert result.errors == 1
    assert result.deactivated == 0
    assert User.objects.get(username="sso-gus").is_active


@pytest.mark.parametrize(("ask", "lands"), [(False, "/"), (True, "/accounts/2fa/authenticate/")])
def test_an_enrolled_person_is_asked_for_the_code_after_sign_on_only_if_configured(
    client, idp, mapping, settings, ask, lands
):
    # given: a committee member who has an authenticator app
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    idp.add_user("sso-ida", PASSWORD, ["cx-committee"])
    sso_login(client, username="sso-ida", password=PASSWORD)
    client.post("/logout/")
    TOTP.activate(User.objects.get(username="sso-ida"), generate_totp_secret())
    settings.CXLOOP_MFA_FOR_SSO = ask
    # when
    answer = sso_login(client, username="sso-ida", password=PASSWORD)
    # then
    assert answer.status_code == 302
    assert answer["Location"] == lands


def test_accounts_the_recheck_cannot_ask_about_are_reported(client, idp, mapping, caplog):
    # given: one person whose provider gave no refresh token (offline_access not granted, say)
    idp.add_user("sso-gil", PASSWORD, ["cx-agents-a1"])
    sso_login(client, username="sso-gil", password=PASSWORD)
    SocialToken.objects.filter(account__user__username="sso-gil").delete()
    # when
    with caplog.at_level("WARNING", logger="cxloop.identity.services.recheck"):
        result = sso_accounts_recheck()
    # then: still active (nobody is deactivated on no answer), and an admin can see it
    assert (result.checked, result.unverifiable, result.deactivated) == (1, 1, 0)
    assert User.objects.get(username="sso-gil").is_active
    row = AuditEvent.objects.get(verb="sso.recheck_unverifiable")
    assert row.data == {"unverifiable": 1, "checked": 1}
    assert "cannot be checked at the provider" in caplog.text


def test_the_provider_is_asked_for_a_refresh_token_by_default():
    from django.conf import settings

    assert "offline_access" in settings.CXLOOP_OIDC_SCOPES
