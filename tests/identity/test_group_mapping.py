"""The group mapping and what a sign-on's groups grant (no provider needed)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from cxloop.identity.models import GroupMapping
from cxloop.identity.services.sso import groups_from_claims, memberships_sync
from cxloop.org.models import Membership, Role
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "where", "field"),
    [
        (Role.AGENT, {}, "team"),
        (Role.TEAM_LEAD, {"department": "dept_a", "team": "team_a1"}, "department"),
        (Role.MANAGER, {}, "department"),
        (Role.MANAGER, {"team": "team_a1", "department": "dept_a"}, "team"),
        (Role.COMMITTEE, {"team": "team_a1"}, "team"),
        (Role.ADMIN, {"department": "dept_a"}, "department"),
    ],
)
def test_a_mapping_that_does_not_fit_its_role_names_the_field(org, role, where, field):
    mapping = GroupMapping(group="g", role=role, **{key: org[value] for key, value in where.items()})
    with pytest.raises(ValidationError) as error:
        mapping.full_clean()
    assert field in error.value.message_dict


def test_the_database_holds_the_same_rule(org):
    with pytest.raises(IntegrityError):
        GroupMapping.objects.create(group="g", role=Role.AGENT)


@pytest.mark.parametrize(
    ("claims", "groups"),
    [
        ({"groups": ["b", "a", "a", ""]}, ["a", "b"]),
        ({"groups": "solo"}, ["solo"]),
        ({"groups": {"not": "a list"}}, []),
        ({}, []),
    ],
)
def test_groups_are_read_from_the_claim(claims, groups):
    assert groups_from_claims(claims) == groups


def test_sync_sets_memberships_to_exactly_what_the_groups_grant(org):
    # given: an agent on A1 with a manual committee seat
    person = UserFactory()
    MembershipFactory(user=person, role=Role.AGENT, team=org["team_a1"])
    MembershipFactory(user=person, role=Role.COMMITTEE, team=None, department=None)
    GroupMapping.objects.create(group="a1", role=Role.AGENT, team=org["team_a1"])
    GroupMapping.objects.create(group="mgr-b", role=Role.MANAGER, department=org["dept_b"])
    # when
    granted, revoked = memberships_sync(person=person, groups=["a1", "mgr-b"])
    # then
    assert set(Membership.objects.filter(user=person).values_list("role", "team", "department")) == {
        (Role.AGENT, org["team_a1"].pk, None),
        (Role.MANAGER, None, org["dept_b"].pk),
    }
    assert granted == {(Role.MANAGER, None, org["dept_b"].pk)}
    assert revoked == {(Role.COMMITTEE, None, None)}


def test_groups_that_grant_nothing_take_every_role_away(org):
    person = UserFactory()
    MembershipFactory(user=person, role=Role.AGENT, team=org["team_a1"])
    granted, revoked = memberships_sync(person=person, groups=["unknown"])
    assert (granted, revoked) == (set(), {(Role.AGENT, org["team_a1"].pk, None)})
    assert not Membership.objects.filter(user=person).exists()
