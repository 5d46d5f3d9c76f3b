"""Loop-closure metrics against a hand count."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import CategoryFactory

from .factories import CaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed_loop(org):
    """Four cases of team A1 opened yesterday: contacted after 1 h, 3 h, 30 h, and never (now overdue)."""
    now = timezone.now()
    opened = now - timedelta(hours=40)
    cause = CategoryFactory()
    specs = [(1, 8), (3, 4), (30, None), (None, None)]
    cases = []
    for contact_after, recovery in specs:
        case = CaseFactory(
            team=org["team_a1"],
            first_contact_due_at=opened + timedelta(hours=24),
            resolution_due_at=opened + timedelta(hours=36),
            first_contacted_at=opened + timedelta(hours=contact_after) if contact_after else None,
            resolved_at=opened + timedelta(hours=contact_after + 2) if contact_after else None,
            root_cause=cause if contact_after else None,
            resolution_note="done" if contact_after else "",
            status="resolved" if contact_after else "new",
            recovery_score=recovery,
        )
        cases.append(case)
    from innerloop.models import Case

    Case.objects.filter(pk__in=[c.pk for c in cases]).update(created_at=opened)
    CaseFactory(team=org["team_b1"])  # another team's: not the agent's business
    return cases


def test_loop_closure_matches_a_hand_count(people, closed_loop):
    # when
    client = APIClient()
    client.force_authenticate(people["agent"])
    body = client.get("/api/v1/metrics/loop-closure/").json()
    # then
    (row,) = body["results"]
    assert row["cases"] == 4
    assert row["contacted"] == 3
    assert row["first_contact_hours_p50"] == 3.0  # median of 1, 3, 30
    assert row["first_contact_hours_p90"] == pytest.approx(24.6)  # 3 + 0.8 * (30 - 3)
    assert row["pct_contacted_within_sla"] == 50.0  # 2 of the 4, all past their deadline
    assert row["pct_resolved_within_sla"] == 75.0  # resolved at 3, 5 and 32 h of 36; one never
    assert row["recovery_rate"] == 50.0  # 8 recovered, 4 not


def test_grouped_by_team_and_validated(people, closed_loop):
    client = APIClient()
    client.force_authenticate(people["committee"])
    by_team = client.get("/api/v1/metrics/loop-closure/", {"group_by": "team"}).json()["results"]
    bad = client.get("/api/v1/metrics/loop-closure/", {"group_by": "planet"})
    assert {row["group"] for row in by_team} == {"team-a1", "team-b1"}
    assert bad.status_code == 400
    assert "group_by" in bad.json()
