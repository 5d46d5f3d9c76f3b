"""An expired token stays expired; an integration's service user is never a person's account."""

from datetime import timedelta

import pytest
from allauth.socialaccount.models import SocialAccount
from django.utils import timezone
from freezegun import freeze_time

from cxloop.core.exceptions import ApplicationError
from cxloop.org.models import ApiToken, Role
from cxloop.org.services import api_token_create, api_token_rotate
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_an_expired_token_is_not_revived_by_rotation(people):
    # given
    token, _ = api_token_create(created_by=people["agent"], name="script", expires_in_days=1)
    # when: a day and a bit later
    later = freeze_time(timezone.now() + timedelta(days=1, minutes=1))
    with later, pytest.raises(ApplicationError) as refused:
        api_token_rotate(token=token, actor=people["agent"])
    # then
    assert refused.value.message == "An expired token cannot be rotated; create a new one."
    assert ApiToken.objects.get(pk=token.pk).rotated_at is None


def test_a_live_token_still_rotates(people):
    token, _ = api_token_create(created_by=people["agent"], name="script", expires_in_days=1)
    rotated, key = api_token_rotate(token=token, actor=people["agent"])
    assert rotated.rotated_at is not None
    assert key


def test_the_rotate_page_says_why_it_refuses(client, people):
    token, _ = api_token_create(created_by=people["agent"], name="script", expires_in_days=1)
    with freeze_time(timezone.now() + timedelta(days=2)):
        client.force_login(people["agent"])
        answer = client.post(
            f"/settings/api-tokens/{token.pk}/rotate/", {f"rotate-{token.pk}-confirm": "on"}, follow=True
        )
    assert "An expired token cannot be rotated" in answer.content.decode()


@pytest.mark.parametrize("kind", ["sso", "password", "role"])
def test_an_integration_never_takes_over_a_person_of_that_name(people, org, kind):
    # given: a person called integration-crm
    person = UserFactory(username="integration-crm")
    if kind == "sso":
        person.set_unusable_password()
        person.save()
        SocialAccount.objects.create(user=person, provider="sso", uid="sub-crm")
    elif kind == "role":
        person.set_unusable_password()
        person.save()
        MembershipFactory(user=person, role=Role.AGENT, team=org["team_a1"])
    # when
    token, _ = api_token_create(created_by=people["admin"], name="CRM", integration=True)
    # then: the token has a service user of its own
    assert token.user != person
    assert token.user.username == "integration-crm-2"
    assert not token.user.has_usable_password()
    assert not person.api_tokens.exists()


def test_an_integration_reuses_its_own_service_user(people):
    first, _ = api_token_create(created_by=people["admin"], name="CRM", integration=True)
    second, _ = api_token_create(created_by=people["admin"], name="CRM", integration=True)
    assert first.user == second.user
    assert first.user.username == "integration-crm"
