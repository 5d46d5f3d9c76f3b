"""Eight processes claim from 5,000 open cases at once: each case exactly once, no deadlock."""

import os
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.utils import timezone

from cxloop.org.models import Role
from innerloop.models import Case
from tests.factories import FeedbackFactory, MembershipFactory, UserFactory
from tests.fixtures.celery_worker import ROOT, database_url_for_tests

from .factories import CaseKindFactory

pytestmark = pytest.mark.django_db(transaction=True)

CASES = 5_000
CLAIMERS = 8


def test_eight_processes_claim_each_case_exactly_once(org, settings):
    # given: 5,000 open cases (their feedback made in bulk) and eight agents on the team
    team = org["team_a1"]
    kind = CaseKindFactory()
    template = FeedbackFactory.build(team=team)
    feedback = [FeedbackFactory.build(team=team, source=template.source, customer=None) for _ in range(CASES)]
    from feedback.models import Feedback

    for item in feedback:
        item.source.save()
    stored = Feedback.objects.bulk_create(feedback, batch_size=1000)
    now = timezone.now()
    Case.objects.bulk_create(
        [Case(feedback=item, kind=kind, team=team, due_at=now) for item in stored], batch_size=1000
    )
    agents = [UserFactory(username=f"claimer-{n}") for n in range(CLAIMERS)]
    for agent in agents:
        MembershipFactory(user=agent, role=Role.AGENT, team=team)
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_tests(),
        "DJANGO_SETTINGS_MODULE": "cxloop.settings.test",
    }

    def claim(agent):
        result = subprocess.run(
            [sys.executable, "-m", "tests.innerloop.claimer", agent.username, str(team.pk)],
            env=env, cwd=ROOT, capture_output=True, text=True, timeout=240, check=True,
        )  # fmt: skip
        return [int(line) for line in result.stdout.split()]

    # when
    with ThreadPoolExecutor(max_workers=CLAIMERS) as pool:
        claims = list(pool.map(claim, agents))
    # then
    everything = [case_id for claimed in claims for case_id in claimed]
    assert len(everything) == CASES
    assert not [case_id for case_id, n in Counter(everything).items() if n > 1]
    assert all(claims), "every claimer got work: they ran side by side"
    assert Case.objects.filter(assignee__isnull=True).count() == 0
    by_assignee = Counter(Case.objects.values_list("assignee__username", flat=True))
    assert sum(by_assignee.values()) == CASES
