"""What a single sign-on grants: the groups claim, through the group mapping, to memberships.

At each single sign-on the person's memberships are set to exactly what their groups grant (added and
removed, each audited): the identity provider is where their role and team are decided. A person
whose groups grant nothing, or whose cxloop account is deactivated, is refused.
"""

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction

from cxloop.core.models import audit
from cxloop.identity.models import GroupMapping
from cxloop.org.models import Membership

logger = logging.getLogger(__name__)

# (role, team id, department id): one membership, as the mapping and the Membership table both say it.
Grant = tuple[str, int | None, int | None]

REFUSALS = {
    "no_role": "Your groups at the identity provider give you no role in cxloop. Ask an administrator "
    "to map one of your groups to a role.",
    "inactive": "Your cxloop account is deactivated. Ask an administrator to reactivate it.",
    "connect": "An account is either the identity provider's or a local one: linking them is not offered.",
}


class SsoRefused(Exception):
    """A single sign-on that must not sign the person in; `reason` is a key of REFUSALS."""

    def __init__(self, reason: str) -> None:
        super().__init__(REFUSALS[reason])
        self.reason = reason
        self.message = REFUSALS[reason]


def groups_from_claims(claims: dict[str, Any]) -> list[str]:
    """The groups claim as a list of names (a provider may send one name as a string)."""
    value = claims.get(settings.CXLOOP_OIDC_GROUPS_CLAIM) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        return []
    return sorted({str(group) for group in value if str(group).strip()})


def grants_for(*, groups: Iterable[str]) -> set[Grant]:
    """What the groups grant through the mapping."""
    rows = GroupMapping.objects.filter(group__in=list(groups)).values_list("role", "team_id", "department_id")
    return set(rows)


@transaction.atomic
def memberships_sync(*, person: Any, groups: list[str]) -> tuple[set[Grant], set[Grant]]:
    """Set the person's memberships to what their groups grant, which may be nothing (the sign-on is
    then refused, but the roles the provider took away are gone from cxloop too); returns
    (granted, revoked)."""
    wanted = grants_for(groups=groups)
    current = {
        (m.role, m.team_id, m.department_id): m
        for m in Membership.objects.select_for_update(no_key=True).filter(user=person)
    }
    granted = wanted - current.keys()
    revoked = current.keys() - wanted
    # Each membership added or taken away is audited as membership.granted / membership.revoked by
    # cxloop/org/signals.py, whatever path changes it; this row says the sign-on did it, and why.
    for grant in revoked:
        current[grant].delete()
    for role, team_id, department_id in granted:
        Membership.objects.create(user=person, role=role, team_id=team_id, department_id=department_id)
    if granted or revoked:
        audit(
            actor=None,
            verb="sso.memberships_synced",
            target=person,
            groups=groups,
            granted=[_grant_data(*grant) for grant in sorted(granted, key=str)],
            revoked=[_grant_data(*grant) for grant in sorted(revoked, key=str)],
        )
    return granted, revoked


def _grant_data(role: str, team_id: int | None, department_id: int | None) -> dict[str, Any]:
    return {"role": role, "team_id": team_id, "department_id": department_id}


def sso_refusal_record(*, person: Any | None, uid: str, reason: str, groups: list[str]) -> None:
    """Audit a refused single sign-on (the person when cxloop knows them, else the provider's id)."""
    logger.info("single sign-on refused: %s", reason)
    data = {"reason": reason, "groups": groups, "provider": settings.CXLOOP_OIDC_PROVIDER_ID}
    if person is not None:
        audit(actor=None, verb="sso.refused", target=person, **data)
    else:
        audit(actor=None, verb="sso.refused", target_type="auth.sso", target_id=uid, **data)
