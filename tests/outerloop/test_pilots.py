"""Pilots: set-up with reasons, controls suggested from the data, start and end, and the impact
review's difference-in-differences and forecast score on hand-computed data."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cxloop.core.exceptions import ApplicationError, NotPermitted, StateConflict
from outerloop.models import ForecastMetric, ForecastOutcome, InitiativeEvent, PilotArm, PilotDimension, Stage
from outerloop.pilot_controls import controls_suggest
from outerloop.pilot_forms import PilotForm
from outerloop.services.impact import impact_review_compute
from outerloop.services.pilots import pilot_controls_set, pilot_create, pilot_end, pilot_start
from tests.factories import SourceFactory, TeamFactory, TouchpointFactory

from .factories import InitiativeFactory
from .pilot_data import scores

pytestmark = pytest.mark.django_db

NOW = timezone.now()
BASELINE = (NOW - timedelta(days=60), NOW - timedelta(days=30))


def _pilot(initiative, actor, units, *, dimension=PilotDimension.TEAM, stage=Stage.CUSTOMER_TEST):
    return pilot_create(
        initiative=initiative, actor=actor, stage=stage, dimension=dimension,
        unit_ids=[u.pk for u in units], baseline_start=BASELINE[0], baseline_end=BASELINE[1],
    )  # fmt: skip


@pytest.fixture
def initiative(people, org):
    return InitiativeFactory(owner=people["manager"], departments=[org["dept_a"]], stage=Stage.CUSTOMER_TEST)


def test_committee_member_sets_up_a_pilot_with_controls_and_runs_it(initiative, people, org):
    # given
    committee = people["committee"]
    # when
    pilot = _pilot(initiative, committee, [org["team_a1"]])
    pilot_controls_set(pilot=pilot, actor=committee, unit_ids=[org["team_a2"].pk, org["team_b1"].pk])
    pilot_start(pilot=pilot, actor=committee)
    pilot_end(pilot=pilot, actor=committee, now=timezone.now() + timedelta(days=1))
    # then
    pilot.refresh_from_db()
    assert sorted(pilot.units.values_list("arm", "team__slug")) == [
        (PilotArm.CONTROL, "team-a2"), (PilotArm.CONTROL, "team-b1"), (PilotArm.PILOT, "team-a1"),
    ]  # fmt: skip
    assert pilot.started_at is not None
    assert pilot.ended_at is not None
    actions = [e.data["action"] for e in initiative.events.filter(kind=InitiativeEvent.Kind.MILESTONE)]
    assert actions == ["created", "controls", "started", "ended"]


def test_a_unit_cannot_be_both_pilot_and_control(initiative, people, org):
    pilot = _pilot(initiative, people["committee"], [org["team_a1"]])
    with pytest.raises(ApplicationError) as refused:
        pilot_controls_set(pilot=pilot, actor=people["committee"], unit_ids=[org["team_a1"].pk])
    assert refused.value.extra == {"controls": ["also in the pilot"]}


def test_units_the_user_may_not_see_are_refused(initiative, people, org):
    # the owner manages department A: team B1 is not theirs to pilot
    with pytest.raises(ApplicationError) as refused:
        _pilot(initiative, people["manager"], [org["team_a1"], org["team_b1"]])
    assert refused.value.extra == {"units": ["not visible to you or does not exist"]}


def test_pilot_form_refuses_units_of_two_kinds(people, org):
    form = PilotForm(
        {"stage": "pre_test", "dimension": "team", "teams": [org["team_a1"].pk],
         "touchpoints": [TouchpointFactory().pk], "baseline_start": "2026-01-01",
         "baseline_end": "2026-01-31"},
        user=people["committee"],
    )  # fmt: skip
    assert not form.is_valid()
    assert form.errors["touchpoints"] == ["A pilot runs on units of one kind: teams, or touchpoints."]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"baseline_end": NOW + timedelta(days=1)}, "baseline_end"),
        ({"baseline_end": BASELINE[0] - timedelta(days=1)}, "baseline_end"),
        ({"stage": Stage.DESIGN}, "stage"),
    ],
)
def test_pilot_setup_refusals_name_the_field(initiative, people, org, change, field):
    kwargs = {
        "initiative": initiative, "actor": people["committee"], "stage": Stage.PRE_TEST,
        "dimension": PilotDimension.TEAM, "unit_ids": [org["team_a1"].pk],
        "baseline_start": BASELINE[0], "baseline_end": BASELINE[1], **change,
    }  # fmt: skip
    with pytest.raises(ApplicationError) as refused:
        pilot_create(**kwargs)
    assert list(refused.value.extra) == [field]


def test_an_agent_or_a_manager_who_does_not_own_it_cannot_set_up_a_pilot(people, org):
    initiative = InitiativeFactory(owner=people["admin"], departments=[org["dept_a"]])
    for actor in (people["agent"], people["manager"]):
        with pytest.raises(NotPermitted):
            _pilot(initiative, actor, [org["team_a1"]])


def test_pilot_starts_only_in_its_stage_and_with_controls(people, org):
    initiative = InitiativeFactory(owner=people["manager"], departments=[org["dept_a"]], stage=Stage.DESIGN)
    pilot = _pilot(initiative, people["manager"], [org["team_a1"]])
    with pytest.raises(StateConflict, match="reaches its stage"):
        pilot_start(pilot=pilot, actor=people["manager"])
    initiative.stage = Stage.CUSTOMER_TEST
    initiative.save()
    with pytest.raises(StateConflict, match="controls first"):
        pilot_start(pilot=pilot, actor=people["manager"])


def test_control_suggestions_rank_the_truly_similar_unit_first(initiative, people, org):
    # given: the pilot team, 100 responses, NPS +20, all by survey; in the baseline:
    when = BASELINE[0] + timedelta(days=3)
    survey, store = SourceFactory(slug="s-survey", kind="survey"), SourceFactory(slug="s-store", kind="store")
    dept = org["dept_a"]
    pilot_team = org["team_a1"]
    twin = TeamFactory(name="Twin", slug="twin", department=dept)  # the same volume, NPS and channel
    big = TeamFactory(name="Big", slug="big", department=dept)  # 4 times the volume
    unhappy = TeamFactory(name="Unhappy", slug="unhappy", department=dept)  # NPS -30
    in_store = TeamFactory(name="In store", slug="in-store", department=dept)  # another channel
    scores(team=pilot_team, when=when, promoters=40, passives=40, detractors=20, source=survey)
    scores(team=twin, when=when, promoters=41, passives=38, detractors=21, source=survey)
    scores(team=big, when=when, promoters=160, passives=160, detractors=80, source=survey)
    scores(team=unhappy, when=when, promoters=20, passives=30, detractors=50, source=survey)
    scores(team=in_store, when=when, promoters=40, passives=40, detractors=20, source=store)
    scores(team=TeamFactory(slug="late", department=dept), when=NOW, promoters=40, passives=40, detractors=20)
    pilot = _pilot(initiative, people["committee"], [pilot_team])
    # when
    ranked = controls_suggest(pilot=pilot, user=people["committee"])
    # then: twin (distance ~0.1), in store (mix 0 alike: 1.0), big (ln 4 = 1.39), unhappy (5.0);
    # the team without baseline feedback is not suggested
    assert [s.unit.slug for s in ranked] == ["twin", "in-store", "big", "unhappy"]
    assert ranked[0].distance == pytest.approx(abs(20 - 20) / 10 + 0 + 0, abs=0.05)
    assert ranked[0].explanation == (
        "100 responses in the baseline against 100 per pilot unit; NPS +20 against the pilot's +20; "
        "channel and segment mix 100% alike."
    )


def _hand_computed_pilot(initiative, actor, org, *, times: int):
    """Pilot team A1, control team A2; cells as in tests/outerloop/test_did.py, `times` over."""
    pilot = _pilot(initiative, actor, [org["team_a1"]])
    pilot_controls_set(pilot=pilot, actor=actor, unit_ids=[org["team_a2"].pk])
    pilot_start(pilot=pilot, actor=actor, now=NOW - timedelta(days=20))
    before, after = BASELINE[0] + timedelta(days=1), NOW - timedelta(days=10)
    t = times
    scores(team=org["team_a1"], when=before, promoters=40 * t, passives=30 * t, detractors=30 * t)
    scores(team=org["team_a1"], when=after, promoters=60 * t, passives=20 * t, detractors=20 * t)
    scores(team=org["team_a2"], when=before, promoters=40 * t, passives=30 * t, detractors=30 * t)
    scores(team=org["team_a2"], when=after, promoters=45 * t, passives=30 * t, detractors=25 * t)
    scores(team=org["team_b1"], when=after, promoters=0, passives=0, detractors=50)  # in neither arm
    return pilot


def test_impact_review_of_a_pilot_is_the_hand_computed_difference_in_differences(initiative, people, org):
    # given: pilot NPS 10 -> 40, controls 10 -> 20 (n = 100 each): effect 20, se 16.0896,
    # interval (-11.54, 51.54), p 0.2139 (computed by hand in tests/outerloop/test_did.py)
    _hand_computed_pilot(initiative, people["committee"], org, times=1)
    # when
    review = impact_review_compute(initiative=initiative, now=NOW)
    # then
    assert review.did_effect == pytest.approx(20.0)
    assert (review.did_low, review.did_high) == (
        pytest.approx(-11.54, abs=0.01),
        pytest.approx(51.54, abs=0.01),
    )
    assert review.did_p_value == pytest.approx(0.2139, abs=0.0001)
    cells = review.did_detail["cells"]
    assert {name: (cell["n"], cell["nps"]) for name, cell in cells.items()} == {
        "pilot_before": (100, 10.0), "pilot_after": (100, 40.0),
        "control_before": (100, 10.0), "control_after": (100, 20.0),
    }  # fmt: skip
    assert review.forecast_outcome == ""


@pytest.mark.parametrize(
    ("forecast", "outcome", "achieved"),
    [
        (5.0, ForecastOutcome.MET, 4.0),  # interval (5.70, 34.30): real and reaches 5
        (40.0, ForecastOutcome.MISSED, 0.5),  # 34.30 < 40: the whole interval short of it
        (-5.0, ForecastOutcome.MISSED, -4.0),  # forecast a fall; the interval lies above -5
    ],
)
def test_impact_review_scores_the_pilot_against_the_forecast(
    initiative, people, org, forecast, outcome, achieved
):
    # given: the same cells five times over (n = 500): effect 20, interval (5.70, 34.30)
    initiative.forecast_metric, initiative.forecast_change = ForecastMetric.NPS, forecast
    initiative.forecast_by, initiative.forecast_recorded_at = NOW.date(), NOW - timedelta(days=90)
    initiative.save()
    _hand_computed_pilot(initiative, people["committee"], org, times=5)
    # when
    review = impact_review_compute(initiative=initiative, now=NOW)
    # then
    assert (review.did_low, review.did_high) == (
        pytest.approx(5.70, abs=0.01),
        pytest.approx(34.30, abs=0.01),
    )
    assert review.forecast_outcome == outcome
    assert review.forecast_achieved == pytest.approx(achieved)
    assert review.did_detail["forecast"]["basis"] == "pilot"


def test_a_proposed_forecast_not_yet_approved_is_not_scored(initiative, people, org):
    initiative.forecast_metric, initiative.forecast_change, initiative.forecast_by = (
        ForecastMetric.NPS,
        5.0,
        NOW,
    )
    initiative.save()
    _hand_computed_pilot(initiative, people["committee"], org, times=1)
    review = impact_review_compute(initiative=initiative, now=NOW)
    assert review.forecast_outcome == ""
    assert review.forecast_achieved is None
