"""A deferred or rejected initiative: everyone whose obstacle or feedback fed it gets the rationale."""

import pytest

from cxloop.notifications.models import Notification
from governance import services
from governance.models import Outcome
from outerloop.services.initiatives import initiative_create_from_signals
from outerloop.services.signals import signal_merge
from tests.factories import CategoryFactory
from tests.outerloop.factories import SignalFactory
from tests.outerloop.outcome_world import escalated_obstacle, staff_item, staff_source

pytestmark = pytest.mark.django_db

RATIONALE = "Not before the new till system is in, next spring"


@pytest.fixture
def fed_initiative(org, people):
    """An initiative from the agent's escalated obstacle, and a root cause that agent B's signed
    feedback fed, merged into it beforehand."""
    _, obstacle = escalated_obstacle(
        team=org["team_a1"], raiser=people["agent"], lead=people["lead"], text="Refund limit too low"
    )
    category = CategoryFactory(name="Refunds")
    staff_item(source=staff_source(), author=people["agent_b"], category=category)
    duplicate = SignalFactory(category=category, journey_stage=None)
    signal_merge(signal=duplicate, into=obstacle, actor=people["manager"])
    return initiative_create_from_signals(
        signals=[obstacle], actor=people["manager"], owner=people["manager"], title="Raise the refund limit",
        problem="Agents cannot refund on the call",
    )  # fmt: skip


def decide(committee, initiative, people, outcome):
    decision = services.decision_open(
        meeting=committee["meeting"], initiative=initiative, rationale=RATIONALE, actor=people["committee"]
    )
    first, second, _ = committee["seats"]
    services.vote_cast(decision=decision, seat=first, choice=outcome, actor=first.holder)
    services.vote_cast(decision=decision, seat=second, choice=outcome, actor=second.holder)
    return decision


@pytest.mark.parametrize(
    ("outcome", "title"),
    [(Outcome.DEFERRED, "Deferred by the committee"), (Outcome.REJECTED, "Rejected by the committee")],
)
def test_a_deferred_or_rejected_initiative_tells_everyone_who_fed_it_the_rationale(
    committee, fed_initiative, people, outcome, title
):
    # when
    decision = decide(committee, fed_initiative, people, outcome)
    # then: the obstacle's raiser and escalator, and the author of the merged root cause's feedback
    told = Notification.objects.filter(kind="raised_outcome", key__startswith="outcome:decision:")
    assert set(told.values_list("user__username", flat=True)) == {"agent-a1", "lead-a1", "agent-b1"}
    for notification in told:
        assert notification.title == f"{title}: Raise the refund limit"
        assert RATIONALE in notification.body
        assert notification.key.startswith(f"outcome:decision:{decision.pk}:")


def test_an_approval_tells_nobody_by_notification(committee, fed_initiative, people):
    # when
    decide(committee, fed_initiative, people, Outcome.APPROVED)
    # then: approvals are read on the person's page; roll-outs are told when they happen
    assert not Notification.objects.filter(key__startswith="outcome:decision:").exists()
