"""A person whose role needs a second factor keeps their last one, by every page that removes one;
an admin's reset still removes them all."""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse

from cxloop.identity.services.second_factor import second_factor_reset

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def required(settings):
    settings.CXLOOP_MFA_REQUIRED_ROLES = ["admin", "committee"]


def _key(user, name: str = "key") -> Authenticator:
    """A security key as allauth stores it (its credential is not read by the pages under test)."""
    return Authenticator.objects.create(
        user=user, type=Authenticator.Type.WEBAUTHN, data={"name": name, "credential": {}}
    )


def _totp(user) -> None:
    TOTP.activate(user, generate_totp_secret())
    RecoveryCodes.activate(user)


def _just_reauthenticated(client, user) -> None:
    client.force_login(user)
    session = client.session
    session["account_authentication_methods"] = [
        {"method": "password", "at": time.time(), "reauthenticated": True}
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()


def test_the_last_security_key_is_not_removed_and_the_person_is_told_why(client, people):
    # given: a committee member whose only second factor is one security key
    key = _key(people["committee"])
    _just_reauthenticated(client, people["committee"])
    # when
    answer = client.post(reverse("mfa_remove_webauthn", kwargs={"pk": key.pk}), follow=True)
    # then
    assert Authenticator.objects.filter(pk=key.pk).exists()
    assert answer.redirect_chain[0][0] == reverse("mfa_list_webauthn")
    assert "add another authenticator app or security key" in answer.content.decode()


def test_one_of_two_security_keys_may_go(client, people):
    # given
    key, _ = _key(people["committee"]), _key(people["committee"], "spare")
    _just_reauthenticated(client, people["committee"])
    # when
    client.post(reverse("mfa_remove_webauthn", kwargs={"pk": key.pk}))
    # then
    assert not Authenticator.objects.filter(pk=key.pk).exists()


def test_a_person_whose_role_does_not_need_one_removes_their_last_key(client, people):
    key = _key(people["agent"])
    _just_reauthenticated(client, people["agent"])
    client.post(reverse("mfa_remove_webauthn", kwargs={"pk": key.pk}))
    assert not Authenticator.objects.filter(pk=key.pk).exists()


def test_the_last_totp_is_not_deactivated(client, people):
    # given
    _totp(people["committee"])
    _just_reauthenticated(client, people["committee"])
    # when
    answer = client.post(reverse("mfa_deactivate_totp"))
    # then
    assert answer.status_code == 200
    assert Authenticator.objects.filter(user=people["committee"], type="totp").exists()


@pytest.mark.parametrize("kind", ["totp", "webauthn"])
def test_no_code_path_removes_the_last_factor_one_by_one(people, kind):
    # given
    _totp(people["committee"]) if kind == "totp" else _key(people["committee"])
    factor = Authenticator.objects.get(user=people["committee"], type=kind)
    # then: whatever page or code deletes it
    with pytest.raises(PermissionDenied), transaction.atomic():
        factor.delete()
    assert Authenticator.objects.filter(pk=factor.pk).exists()


def test_an_admin_reset_still_removes_every_factor(people):
    # given
    _totp(people["committee"])
    _key(people["committee"])
    # when
    removed = second_factor_reset(person=people["committee"], actor=people["admin"])
    # then
    assert removed == 3
    assert not Authenticator.objects.filter(user=people["committee"]).exists()


def test_deleting_the_person_takes_their_factors_with_them(people):
    _key(people["committee"])
    get_user_model().objects.filter(pk=people["committee"].pk).delete()
    assert not Authenticator.objects.filter(user_id=people["committee"].pk).exists()
