"""The second factor: who must have one, enrolment before anything else, the code at sign-in, resets."""

import base64
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from cxloop.core.models import AuditEvent
from cxloop.identity.adapters import MfaAdapter
from cxloop.identity.services.second_factor import second_factor_reset
from tests.factories import UserFactory
from tests.identity.totp import totp

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-only"


@pytest.fixture(autouse=True)
def required(settings):
    settings.CXLOOP_MFA_REQUIRED_ROLES = ["admin", "committee"]


def _enrol(user) -> tuple[str, list[str]]:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    codes = RecoveryCodes.activate(user).generate_codes()
    return secret, codes


def _sso_session(client, user) -> None:
    session = client.session
    session["account_authentication_methods"] = [{"method": "socialaccount", "at": time.time()}]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()


@pytest.mark.parametrize("person", ["committee", "admin"])
def test_a_person_whose_role_needs_it_reaches_nothing_but_enrolment(client, people, person):
    # given
    client.force_login(people[person])
    # when
    page = client.get("/feedback/")
    api = client.get("/api/v1/cases/")
    htmx = client.get("/feedback/", HTTP_HX_REQUEST="true")
    # then
    assert page.status_code == 302
    assert page["Location"] == reverse("mfa_index")
    assert api.status_code == 403
    assert "second factor" in api.json()["detail"]
    assert htmx["HX-Redirect"] == reverse("mfa_index")
    bell = client.get(
        "/notifications/bell/", HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="http://testserver/accounts/2fa/"
    )
    assert bell.status_code == 204
    assert "HX-Redirect" not in bell
    assert client.get(reverse("mfa_index")).status_code == 200
    # (allauth first asks a person signed in long ago, or by force_login, for their password again)
    assert client.get(reverse("mfa_activate_totp"), follow=True).status_code == 200
    assert client.post(reverse("logout")).status_code == 302


def test_a_superuser_counts_as_an_admin(client, db):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    assert client.get("/admin/")["Location"] == reverse("mfa_index")


@pytest.mark.parametrize("person", ["agent", "lead", "manager"])
def test_other_roles_are_not_held_up(client, people, person):
    client.force_login(people[person])
    assert client.get("/", follow=True).status_code == 200


def test_the_roles_are_configurable(client, people, settings):
    settings.CXLOOP_MFA_REQUIRED_ROLES = ["manager"]
    client.force_login(people["committee"])
    assert client.get("/feedback/").status_code == 200
    client.force_login(people["manager"])
    assert client.get("/feedback/").status_code == 302


def test_an_enrolled_person_goes_anywhere_their_role_allows(client, people):
    _enrol(people["committee"])
    client.force_login(people["committee"])
    assert client.get("/feedback/").status_code == 200


def test_a_single_sign_on_is_trusted_with_the_second_factor_unless_configured(client, people, settings):
    # given
    client.force_login(people["committee"])
    _sso_session(client, people["committee"])
    # then
    assert client.get("/feedback/").status_code == 200
    settings.CXLOOP_MFA_FOR_SSO = True
    assert client.get("/feedback/")["Location"] == reverse("mfa_index")


def test_sign_in_asks_for_the_code_and_audits_it(client, people):
    # given
    secret, _ = _enrol(people["committee"])
    # when: the password
    first = client.post(reverse("login"), {"login": "committee-1", "password": PASSWORD})
    # then: not signed in yet; the code is asked for
    assert first["Location"] == reverse("mfa_authenticate")
    assert client.get("/feedback/").status_code == 302
    # when: a wrong code, then the right one
    wrong = client.post(
        reverse("mfa_authenticate"), {"code": "000000" if totp(secret) != "000000" else "111111"}
    )
    right = client.post(reverse("mfa_authenticate"), {"code": totp(secret)})
    # then
    assert wrong.status_code == 200
    assert right.status_code == 302
    assert client.get("/feedback/").status_code == 200
    verbs = list(
        AuditEvent.objects.filter(target_id=str(people["committee"].pk)).values_list("verb", flat=True)
    )
    assert "mfa.failed" in verbs
    assert "mfa.used" in verbs


def test_a_recovery_code_signs_in_once(client, people):
    # given
    _, codes = _enrol(people["committee"])
    client.post(reverse("login"), {"login": "committee-1", "password": PASSWORD})
    # when
    used = client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    client.post(reverse("logout"))
    client.post(reverse("login"), {"login": "committee-1", "password": PASSWORD})
    again = client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    # then
    assert used.status_code == 302
    assert again.status_code == 200
    assert client.get("/feedback/").status_code == 302
    assert AuditEvent.objects.filter(verb="mfa.recovery_code_used").count() == 1


def test_the_last_second_factor_of_a_required_role_cannot_be_removed(people):
    # given
    _enrol(people["committee"])
    _enrol(people["agent"])
    committee_totp = Authenticator.objects.get(user=people["committee"], type="totp")
    agent_totp = Authenticator.objects.get(user=people["agent"], type="totp")
    # then
    assert MfaAdapter().can_delete_authenticator(committee_totp) is False
    assert MfaAdapter().can_delete_authenticator(agent_totp) is True


def test_an_admin_resets_a_second_factor_and_the_person_enrols_again(client, people):
    # given
    _enrol(people["committee"])
    # when
    removed = second_factor_reset(person=people["committee"], actor=people["admin"])
    # then
    assert removed == 2
    assert not Authenticator.objects.filter(user=people["committee"]).exists()
    row = AuditEvent.objects.get(verb="mfa.reset")
    assert row.data == {"kinds": ["recovery_codes", "totp"], "removed": 2}
    client.force_login(people["committee"])
    assert client.get("/feedback/")["Location"] == reverse("mfa_index")


def test_the_admin_reset_action(client, people):
    # given
    _enrol(people["committee"])
    _enrol(people["admin"])
    client.force_login(people["admin"])
    ids = list(Authenticator.objects.filter(user=people["committee"]).values_list("pk", flat=True))
    # when
    response = client.post(
        "/admin/mfa/authenticator/", {"action": "reset_second_factor", "_selected_action": ids}, follow=True
    )
    # then
    assert response.status_code == 200
    assert not Authenticator.objects.filter(user=people["committee"]).exists()
    assert Authenticator.objects.filter(user=people["admin"]).exists()


@pytest.mark.parametrize(
    "name",
    [
        "mfa_index",
        "mfa_deactivate_totp",
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
        "mfa_list_webauthn",
        "mfa_add_webauthn",
    ],
)
def test_the_second_factor_pages_render_in_cxloop_layout(client, people, name):
    # given: enrolled, and just re-authenticated (these pages ask for it)
    _enrol(people["committee"])
    client.force_login(people["committee"])
    session = client.session
    session["account_authentication_methods"] = [
        {"method": "password", "at": time.time(), "reauthenticated": True}
    ]
    session["account_authentication_methods_user"] = str(people["committee"].pk)
    session.save()
    # when
    response = client.get(reverse(name))
    # then
    assert response.status_code == 200
    assert 'aria-label="Main"' in response.content.decode()


def test_second_factor_secrets_are_stored_sealed(people, settings):
    # given
    secret, codes = _enrol(people["committee"])
    stored = Authenticator.objects.get(user=people["committee"], type="totp").data["secret"]
    # then: not in clear, and still usable, also after the key is rotated
    assert secret not in stored
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-key-" + "x" * 50
    totp_auth = TOTP(Authenticator.objects.get(user=people["committee"], type="totp"))
    assert totp_auth.validate_code(totp(secret))
    assert RecoveryCodes(
        Authenticator.objects.get(user=people["committee"], type="recovery_codes")
    ).validate_code(codes[1])


def test_the_rfc_6238_vector():
    # RFC 6238 appendix B, SHA-1, T = 59 s: 94287082 (8 digits)
    secret = base64.b32encode(b"12345678901234567890").decode()
    assert totp(secret, at=59, digits=8) == "94287082"
