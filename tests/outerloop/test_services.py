"""Triage of signals and the life of an initiative."""

import pytest
from django.utils import timezone

from cxloop.core.exceptions import ApplicationError
from outerloop.models import InitiativeEvent, SignalStatus, Stage
from outerloop.services import initiatives as services
from outerloop.services.impact import impact_review_compute
from outerloop.services.signals import signal_dismiss, signal_merge

from .factories import InitiativeFactory, SignalFactory

pytestmark = pytest.mark.django_db


def test_dismiss_needs_a_reason_and_records_it(people):
    # given
    signal = SignalFactory()
    # when
    with pytest.raises(ApplicationError):
        signal_dismiss(signal=signal, actor=people["committee"], reason=" ")
    dismissed = signal_dismiss(signal=signal, actor=people["committee"], reason="Seasonal peak")
    # then
    assert dismissed.status == SignalStatus.DISMISSED
    assert dismissed.dismissed_reason == "Seasonal peak"


def test_merge_into_another_signal(people):
    # given
    signal, other = SignalFactory(), SignalFactory()
    # when
    merged = signal_merge(signal=signal, into=other, actor=people["committee"])
    # then
    assert (merged.status, merged.merged_into) == (SignalStatus.MERGED, other)
    with pytest.raises(ApplicationError):
        signal_merge(signal=other, into=other, actor=people["committee"])
    with pytest.raises(ApplicationError):
        signal_merge(signal=other, into=merged, actor=people["committee"])


def test_promote_creates_a_proposed_initiative_with_evidence(people, org):
    # given
    first = SignalFactory(recent_count=30, value_at_risk=990, departments=2,
                          department_ids=[org["dept_a"].pk, org["dept_b"].pk])  # fmt: skip
    second = SignalFactory(recent_count=10, value_at_risk=0, departments=1, department_ids=[org["dept_a"].pk])
    # when
    initiative = services.initiative_create_from_signals(
        signals=[first, second], actor=people["manager"], owner=people["manager"],
        title="Fix courier slots", problem="Couriers miss slots",
    )  # fmt: skip
    # then
    first.refresh_from_db()
    assert initiative.stage == Stage.PROPOSED
    assert first.status == SignalStatus.PROMOTED
    assert set(initiative.signals.all()) == {first, second}
    assert set(initiative.departments.all()) == {org["dept_a"], org["dept_b"]}
    assert initiative.priority_score == pytest.approx(40 * 3 * 2)  # 40 mentions x log10(1000) x 2 departments
    assert initiative.events.get().kind == InitiativeEvent.Kind.CREATED
    with pytest.raises(ApplicationError, match="Only new signals"):
        services.initiative_create_from_signals(
            signals=[first], actor=people["manager"], owner=people["manager"], title="Again", problem="x"
        )


@pytest.mark.parametrize("to_stage", [Stage.APPROVED, Stage.DEFERRED, Stage.REJECTED, Stage.DESIGN])
def test_owner_cannot_move_a_proposed_initiative(people, to_stage):
    # given
    initiative = InitiativeFactory(owner=people["manager"])
    # when / then
    with pytest.raises(ApplicationError, match="committee decision"):
        services.initiative_transition(initiative=initiative, to_stage=to_stage, actor=people["manager"])


def test_decision_then_owner_moves_through_stages(people, django_capture_on_commit_callbacks):
    # given
    initiative = InitiativeFactory(owner=people["manager"])
    services.initiative_apply_decision(
        initiative=initiative, outcome=Stage.APPROVED, actor=people["committee"], decision_id=1,
        rationale="Worth it", votes={"dept-a": "approved"},
    )  # fmt: skip
    # when
    with django_capture_on_commit_callbacks() as callbacks:
        for stage in (Stage.DESIGN, Stage.PRE_TEST, Stage.DEVELOP, Stage.CUSTOMER_TEST, Stage.ROLLED_OUT):
            services.initiative_transition(initiative=initiative, to_stage=stage, actor=people["manager"])
    # then
    initiative.refresh_from_db()
    assert initiative.stage == Stage.ROLLED_OUT
    assert initiative.rolled_out_at is not None
    assert callbacks == []  # rolling out tells nobody: a person does that (services.close_loop)
    kinds = list(initiative.events.values_list("kind", flat=True))
    assert kinds.count(InitiativeEvent.Kind.STAGE_CHANGED) == 6
    assert InitiativeEvent.Kind.DECIDED in kinds


def test_only_the_owner_moves_it_and_only_along_the_map(people):
    # given
    initiative = InitiativeFactory(owner=people["manager"], stage=Stage.APPROVED)
    # then
    with pytest.raises(ApplicationError, match="owner"):
        services.initiative_transition(initiative=initiative, to_stage=Stage.DESIGN, actor=people["agent"])
    with pytest.raises(ApplicationError, match="cannot go"):
        services.initiative_transition(
            initiative=initiative, to_stage=Stage.ROLLED_OUT, actor=people["manager"]
        )
    with pytest.raises(ApplicationError, match="proposed"):
        services.initiative_apply_decision(
            initiative=initiative, outcome=Stage.REJECTED, actor=people["committee"], decision_id=1,
            rationale="", votes={},
        )  # fmt: skip


def test_comments_milestones_and_edits_are_on_the_timeline(people):
    # given
    initiative = InitiativeFactory(owner=people["manager"])
    # when
    services.initiative_comment_add(initiative=initiative, author=people["committee"], text="Which couriers?")
    milestone = services.milestone_add(
        initiative=initiative, actor=people["manager"], title="Pilot", due_on=initiative.created_at.date()
    )
    services.milestone_complete(milestone=milestone, actor=people["manager"])
    services.initiative_update(initiative=initiative, actor=people["committee"], priority_score=99.0)
    # then
    initiative.refresh_from_db()
    assert initiative.priority_score == 99.0
    assert list(initiative.events.values_list("kind", flat=True)) == [
        "commented", "milestone", "milestone", "edited",
    ]  # fmt: skip
    with pytest.raises(ApplicationError):
        services.initiative_update(initiative=initiative, actor=people["committee"], stage="closed")


def test_impact_reviewed_needs_a_review(people):
    # given
    initiative = InitiativeFactory(
        owner=people["manager"], stage=Stage.ROLLED_OUT, rolled_out_at=timezone.now()
    )
    # when / then
    with pytest.raises(ApplicationError, match="impact first"):
        services.initiative_transition(
            initiative=initiative, to_stage=Stage.IMPACT_REVIEWED, actor=people["manager"]
        )
    impact_review_compute(initiative=initiative)
    moved = services.initiative_transition(
        initiative=initiative, to_stage=Stage.IMPACT_REVIEWED, actor=people["manager"]
    )
    assert moved.stage == Stage.IMPACT_REVIEWED
