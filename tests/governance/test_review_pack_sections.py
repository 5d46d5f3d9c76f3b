"""The system-review pack's sections, each on a small world whose figures are counted by hand."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from feedback.models import Feedback
from governance.review_pack import channels, closure, huddles, initiatives, rules, taxonomy
from governance.review_pack.period import PackPeriod, default_period
from innerloop.models import Case, CaseRule, CommitmentState, HuddleStatus, Obstacle
from outerloop.models import ForecastMetric, ForecastOutcome, ImpactReview, InitiativeEvent, Stage
from tests.factories import CategoryFactory, FeedbackFactory, SourceFactory, TouchpointFactory
from tests.governance.factories import CommitteeFactory
from tests.innerloop.factories import CaseFactory, CaseRuleFactory, SlaPolicyFactory
from tests.innerloop.test_huddles import CommitmentFactory, HuddleFactory
from tests.outerloop.factories import InitiativeFactory

pytestmark = pytest.mark.django_db

# Autumn 2026: far enough in the past that every deadline has passed, whatever day the tests run.
PERIOD = PackPeriod(date_from=date(2026, 9, 1), date_to=date(2026, 11, 30))
OCT = datetime(2026, 10, 14, 9, 0, tzinfo=UTC)
NOV = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
BEFORE = datetime(2026, 8, 20, 9, 0, tzinfo=UTC)


def at(model, obj, **fields):
    """Set auto-filled timestamps that the factories cannot."""
    model.objects.filter(pk=obj.pk).update(**fields)


def test_period_defaults_to_since_the_last_system_review_or_24_months(people):
    from governance.services import system_review_record

    assert default_period(today=date(2026, 12, 7)) == PackPeriod(date(2024, 12, 7), date(2026, 12, 7))
    system_review_record(held_on=date(2025, 3, 31), summary="Reviewed.", actor=people["committee"])
    assert default_period(today=date(2026, 12, 7)) == PackPeriod(date(2025, 4, 1), date(2026, 12, 7))


def test_channels_with_and_without_feedback_in_the_period(org):
    # given: the survey brought 2 items in the period (and 1 before it), the inbox none
    survey, inbox = SourceFactory(name="Post-purchase survey"), SourceFactory(name="Email inbox")
    store, app = TouchpointFactory(name="Store"), TouchpointFactory(name="App")
    FeedbackFactory(source=survey, touchpoint=store, occurred_at=OCT)
    FeedbackFactory(source=survey, touchpoint=store, occurred_at=NOV)
    FeedbackFactory(source=survey, touchpoint=app, occurred_at=BEFORE)
    # when
    counts = channels.channel_counts(period=PERIOD)
    # then
    assert {
        (r.name, r.feedback) for r in counts["sources"] if r.name in {"Post-purchase survey", "Email inbox"}
    } == {
        ("Post-purchase survey", 2),
        ("Email inbox", 0),
    }
    assert {(r.name, r.feedback) for r in counts["touchpoints"]} == {("Store", 2), ("App", 0)}
    assert inbox.name in str(channels.section(period=PERIOD).tables[0].rows)


def test_loop_closure_by_month_counts_within_sla_and_recovery(org, people):
    # given: in October, one case contacted 2 h after opening within its deadline and recovered,
    # one never contacted (its deadline passed) and not recovered; in November, one case
    team = org["team_a1"]
    quick = CaseFactory(team=team, first_contact_due_at=OCT + timedelta(hours=24), recovery_score=9)
    at(Case, quick, created_at=OCT, first_contacted_at=OCT + timedelta(hours=2))
    missed = CaseFactory(team=team, first_contact_due_at=OCT + timedelta(hours=24), recovery_score=3)
    at(Case, missed, created_at=OCT)
    later = CaseFactory(team=team, first_contact_due_at=NOV + timedelta(hours=24))
    at(Case, later, created_at=NOV, first_contacted_at=NOV + timedelta(hours=30))
    # when
    october, november = closure.closure_by_month(user=people["committee"], period=PERIOD)
    # then
    assert october.month == date(2026, 10, 1)
    assert october.cases == 2
    assert october.first_contact_p50 == pytest.approx(2.0)
    assert (october.contacted_in_sla.k, october.contacted_in_sla.n) == (1, 2)
    assert (october.recovered.k, october.recovered.n) == (1, 2)
    assert (november.contacted_in_sla.k, november.contacted_in_sla.n) == (0, 1)
    assert november.first_contact_p50 == pytest.approx(30.0)


def test_sla_targets_beside_what_happened(org, people):
    policy = SlaPolicyFactory(
        slug="four-hours", name="Four hours", first_contact_minutes=240, resolution_minutes=480
    )
    for hours in (1, 3, 6):
        case = CaseFactory(
            team=org["team_a1"], sla_policy=policy, first_contact_due_at=OCT + timedelta(hours=4)
        )
        at(Case, case, created_at=OCT, first_contacted_at=OCT + timedelta(hours=hours))
    [row] = [
        r
        for r in closure.sla_against_actual(user=people["committee"], period=PERIOD)
        if r.name == "Four hours"
    ]
    assert (row.first_contact_hours, row.resolution_hours, row.cases) == (4, 8, 3)
    assert (row.contacted_in_sla.k, row.contacted_in_sla.n) == (2, 3)
    assert row.median_contact_hours == pytest.approx(3.0)


def test_huddles_held_attendance_and_commitments(org, people):
    # given: team A1 (an agent and a lead) had three huddles: two held, with 1 and 2 attendees
    team = org["team_a1"]
    huddles_held = []
    for day_ in (5, 12, 19):
        huddle = HuddleFactory(team=team, scheduled_at=datetime(2026, 10, day_, 9, tzinfo=UTC))
        huddles_held.append(huddle)
    for huddle, attendees in zip(
        huddles_held[:2], ([people["agent"]], [people["agent"], people["lead"]]), strict=True
    ):
        at(type(huddle), huddle, status=HuddleStatus.HELD, held_at=huddle.scheduled_at)
        huddle.attendees.set(attendees)
    for state in (CommitmentState.DONE, CommitmentState.DROPPED, CommitmentState.OPEN):
        CommitmentFactory(
            huddle=huddles_held[0], owner=people["agent"], due_on=date(2026, 10, 20), state=state
        )
    # when
    figures = huddles.huddle_figures(user=people["committee"], period=PERIOD)
    # then: 2 of 3 held; 3 attendees of 2 x 2 expected; 1 of 3 commitments done
    assert (figures.held.k, figures.held.n) == (2, 3)
    assert (figures.attendance.k, figures.attendance.n) == (3, 4)
    assert (figures.commitments_done.k, figures.commitments_done.n) == (1, 3)
    assert (figures.commitments_dropped, figures.commitments_open) == (1, 1)


def test_escalated_obstacles_time_to_pick_up(org, people):
    huddle = HuddleFactory(team=org["team_a1"], scheduled_at=OCT)
    for picked_after in (2, 10, None):
        obstacle = Obstacle.objects.create(huddle=huddle, team=org["team_a1"], text="No spare parts")
        picked = OCT + timedelta(hours=picked_after) if picked_after else None
        at(Obstacle, obstacle, escalated_at=OCT, picked_up_at=picked)
    figures = huddles.obstacle_pick_up(user=people["committee"], period=PERIOD)
    assert (figures.escalated, figures.picked_up, figures.waiting) == (3, 2, 1)
    assert figures.median_hours == pytest.approx(6.0)


def test_initiative_throughput_and_stalls(people):
    moving = InitiativeFactory(stage=Stage.DESIGN)
    for to in (Stage.DESIGN, Stage.DESIGN, Stage.ROLLED_OUT):
        event = InitiativeEvent.objects.create(
            initiative=moving, kind=InitiativeEvent.Kind.STAGE_CHANGED, data={"from": "approved", "to": to}
        )
        at(InitiativeEvent, event, created_at=OCT)
    InitiativeFactory(
        title="Stuck in design", stage=Stage.DESIGN, stage_changed_at=timezone.now() - timedelta(days=100)
    )
    figures = initiatives.throughput(period=PERIOD, stall_days=60)
    assert figures.reached == {"design": 2, "rolled_out": 1}
    assert figures.in_stage_now == {"design": 2}
    assert [(title, days) for title, _stage, days in figures.stalled] == [("Stuck in design", 100)]


def test_forecast_accuracy_says_no_forecasts_yet_when_none_were_scored(people):
    section = initiatives.forecast_section(period=PERIOD)
    assert section.tables[0].empty == "No forecasts yet."
    assert section.tables[0].rows == []


def test_forecast_accuracy_from_scored_impact_reviews(people):
    for outcome, achieved in (
        (ForecastOutcome.MET, 1.2),
        (ForecastOutcome.MISSED, 0.4),
        (ForecastOutcome.UNCERTAIN, None),
    ):
        initiative = InitiativeFactory(
            forecast_metric=ForecastMetric.NPS, forecast_change=5.0, forecast_by=date(2026, 12, 1)
        )
        review = ImpactReview.objects.create(
            initiative=initiative,
            before_start=BEFORE,
            split_at=OCT,
            after_end=NOV,
            forecast_outcome=outcome,
            forecast_achieved=achieved,
        )
        at(ImpactReview, review, created_at=NOV)
    figures = initiatives.forecast_accuracy(period=PERIOD)
    assert (figures.scored, figures.uncertain) == (3, 1)
    assert (figures.met.k, figures.met.n) == (1, 2)
    assert figures.mean_achieved == pytest.approx(0.8)
    assert {row.outcome for row in figures.rows} == {"Met", "Missed", "Too uncertain to say"}


def _feedback(n: int, *, when, category=None):
    source = SourceFactory(slug="taxonomy-survey")
    for _index in range(n):
        FeedbackFactory(source=source, occurred_at=when, confirmed_category=category)


def test_categories_never_used_drifting_and_the_growth_of_uncoded_and_other(org):
    # given: "Delivery" is 2 of 20 coded items in September, 20 of 22 in November; "Other" 18 then 2;
    # 10 uncoded items in September and 30 in November; "Unused" never; "Retired" is retired
    delivery, other = CategoryFactory(name="Delivery"), CategoryFactory(slug="other", name="Other")
    CategoryFactory(name="Unused")
    CategoryFactory(name="Retired", retired_at=timezone.now())
    sept = datetime(2026, 9, 10, tzinfo=UTC)
    _feedback(2, when=sept, category=delivery)
    _feedback(18, when=sept, category=other)
    _feedback(10, when=sept)
    _feedback(20, when=NOV, category=delivery)
    _feedback(2, when=NOV, category=other)
    _feedback(30, when=NOV)
    # when
    figures = taxonomy.taxonomy_figures(period=PERIOD)
    # then
    assert figures.never_used == ["Unused"]
    september, november = figures.months
    assert (september.uncoded.k, september.uncoded.n, september.other.k) == (10, 30, 18)
    assert (november.uncoded.k, november.uncoded.n, november.other.k) == (30, 52, 2)
    # uncoded: 10/30 -> 30/52 = +24.4 points; other: 18/30 -> 2/52 = -56.2 points
    assert figures.uncoded_growth.difference == pytest.approx(100 * (30 / 52 - 10 / 30))
    assert figures.other_growth.difference == pytest.approx(100 * (2 / 52 - 18 / 30))
    assert {d.category for d in figures.drifting} == {"Delivery", "Other"}
    delivery_drift = next(d for d in figures.drifting if d.category == "Delivery")
    assert delivery_drift.change.difference == pytest.approx(100 * (20 / 22 - 2 / 20))
    assert delivery_drift.change.ci.low > 0


def test_rules_that_never_match_or_take_everything_that_reaches_them(org):
    # given: rule 1 took 3 items, rule 2 ("open nothing") took 2 and rule 3 none; one item no rule matched
    first = CaseRuleFactory(position=1, name="Detractors")
    CaseRuleFactory(position=2, name="Praise", action=CaseRule.Action.NOTHING, case_kind=None)
    CaseRuleFactory(position=3, name="Catch-all")
    results = [{"case": 1, "team": "team-a1", "rule": first.name}] * 3
    results += [{"case": None, "reason": "rule “Praise” opens no case"}] * 2 + [
        {"case": None, "reason": "no rule matched"}
    ]
    for result in results:
        item = FeedbackFactory()
        at(Feedback, item, triaged_at=OCT, triage_result=result)
    # when
    triaged, every_rule = rules.rule_matches(period=PERIOD)
    # then (the rules the project ships with come after ours)
    rows = [r for r in every_rule if r.name in {"Detractors", "Praise", "Catch-all"}]
    assert triaged == 6
    assert [(r.name, r.matched, r.reached) for r in rows] == [
        ("Detractors", 3, 6),
        ("Praise", 2, 3),
        ("Catch-all", 0, 1),
    ]
    assert [r.never for r in rows] == [False, False, True]
    assert not any(r.takes_all for r in rows)


def test_a_rule_that_leaves_nothing_to_the_rules_after_it_is_said_to_take_everything(org):
    CaseRuleFactory(position=1, name="Everything")
    CaseRuleFactory(position=2, name="Never reached")
    item = FeedbackFactory()
    at(Feedback, item, triaged_at=OCT, triage_result={"case": 1, "rule": "Everything"})
    _triaged, rows = rules.rule_matches(period=PERIOD)
    assert [(r.takes_all, r.never) for r in rows[:2]] == [(True, False), (False, True)]
    verdicts = [row[-1] for row in rules.section(period=PERIOD).tables[0].rows]
    assert verdicts[:2] == ["took everything that reached it", "never matched"]


def test_stall_days_come_from_the_committee(people):
    CommitteeFactory(stall_days=10)
    InitiativeFactory(
        title="Two weeks in design", stage=Stage.DESIGN, stage_changed_at=timezone.now() - timedelta(days=14)
    )
    from governance.review_pack.pack import review_pack

    sections = {s.slug: s for s in review_pack(user=people["committee"], period=PERIOD)}
    assert sections["initiatives"].tables[1].rows[0][0] == "Two weeks in design"
