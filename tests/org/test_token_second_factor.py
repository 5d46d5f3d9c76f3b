"""An API token is no way round the second factor a person's role needs."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.socialaccount.models import SocialAccount
from django.test import override_settings
from rest_framework.test import APIClient

from cxloop.org.models import ApiToken
from cxloop.org.second_factor import ENROL_MESSAGE
from cxloop.org.services import api_token_create

pytestmark = pytest.mark.django_db
REQUIRED = {"CXLOOP_MFA_REQUIRED_ROLES": ["admin", "committee"]}


def _read(key: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/cases/")


@pytest.mark.parametrize("person", ["committee", "admin"])
def test_a_token_of_a_person_without_the_second_factor_their_role_needs_is_refused(people, person):
    # given: a token made before the requirement applied to them
    token, key = api_token_create(created_by=people[person], name="script", scopes=["read"])
    # when
    with override_settings(**REQUIRED):
        answer = _read(key)
    # then
    assert answer.status_code == 403
    assert answer.json()["detail"] == ENROL_MESSAGE
    token.refresh_from_db()
    assert token.last_used_at is None


def test_once_enrolled_the_token_works(people):
    _, key = api_token_create(created_by=people["committee"], name="script", scopes=["read"])
    TOTP.activate(people["committee"], generate_totp_secret())
    with override_settings(**REQUIRED):
        assert _read(key).status_code == 200


def test_roles_that_do_not_need_it_are_not_held_up(people):
    _, key = api_token_create(created_by=people["agent"], name="script", scopes=["read"])
    with override_settings(**REQUIRED):
        assert _read(key).status_code == 200


def test_a_person_of_the_identity_provider_is_vouched_for_unless_configured(people):
    # given: a committee member who signs in through single sign-on
    SocialAccount.objects.create(user=people["committee"], provider="sso", uid="sub-1")
    _, key = api_token_create(created_by=people["committee"], name="script", scopes=["read"])
    # then
    with override_settings(**REQUIRED):
        assert _read(key).status_code == 200
    with override_settings(**REQUIRED, CXLOOP_MFA_FOR_SSO=True):
        assert _read(key).status_code == 403


def test_integration_tokens_are_unaffected(people):
    token, key = api_token_create(created_by=people["admin"], name="crm", integration=True)
    assert ApiToken.objects.get(pk=token.pk).is_integration
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    with override_settings(**REQUIRED):
        answer = client.get("/api/v1/cases/")
    # refused for its scope (an integration only sends feedback), not for a second factor
    assert answer.status_code == 403
    assert answer.json()["detail"] == "An integration token may only send feedback."
