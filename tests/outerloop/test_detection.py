"""Signal detection: a planted rise is found, flat controls are not, and re-runs never duplicate."""

from datetime import timedelta

import numpy as np
import pytest
from django.core.management import call_command
from django.utils import timezone
from scipy import stats

from feedback.models import Feedback
from outerloop.models import Signal, SignalStatus
from outerloop.services.detection import DEFAULT_PARAMS, DetectionParams, cells_count
from outerloop.services.signals import root_cause_key, signals_detect
from tests.factories import (
    CategoryFactory,
    CustomerFactory,
    FeedbackFactory,
    JourneyStageFactory,
    SourceFactory,
    TeamFactory,
)
from tests.innerloop.factories import CaseFactory

pytestmark = pytest.mark.django_db


def _week(
    *, stage, team, source, now, weeks_ago: int, rows: int, mentions: dict, customers=(), **extra
) -> None:
    """`rows` feedback rows spread over the week `weeks_ago` weeks before `now`, in one stratum
    (`source`, `stage`, no touchpoint), of which `mentions[category]` carry that confirmed category.
    Rows take the `customers` in turn (none when empty)."""
    categories = [category for category, count in mentions.items() for _ in range(count)]
    assert len(categories) <= rows
    categories += [None] * (rows - len(categories))
    Feedback.objects.bulk_create(
        FeedbackFactory.build(
            source=source,
            journey_stage=stage,
            team=team,
            customer=customers[index % len(customers)] if customers else None,
            confirmed_category=category,
            occurred_at=now - timedelta(weeks=weeks_ago, hours=1 + index * (160 // rows)),
            **extra,
        )
        for index, category in enumerate(categories)
    )


def _weeks(*, weeks: range, **kwargs) -> None:
    for weeks_ago in weeks:
        _week(weeks_ago=weeks_ago, **kwargs)


@pytest.fixture
def crafted(org):
    """16 weeks at 24 feedback rows a week, half from team A2 and half from team B1 (two departments):
    12 weeks of baseline and a 4-week window.

    `rising` is 1 of each team's 12 rows a week in the baseline and 4 of 12 in the window: its share
    quadruples at the same volume, in both teams (a root cause across silos). `flat` is 2 of 12.
    """
    now = timezone.now()
    stage = JourneyStageFactory(slug="receive", name="Receive")
    source = SourceFactory()
    rising = CategoryFactory(slug="late", name="Late delivery")
    flat = CategoryFactory(slug="queue", name="Long queue")
    common = {"stage": stage, "source": source, "now": now, "rows": 12}
    # The window's rising mentions come from 8 customers, 4 for each team, each of them every week.
    customers = CustomerFactory.create_batch(8)
    for team, theirs in ((org["team_a2"], customers[:4]), (org["team_b1"], customers[4:])):
        _weeks(weeks=range(4, 16), team=team, mentions={rising: 1, flat: 2}, **common)
        _weeks(weeks=range(4), team=team, mentions={rising: 4, flat: 2}, customers=theirs, **common)
    return {"now": now, "stage": stage, "source": source, "rising": rising, "flat": flat}


def _exact_p(*, strata: int, recent: int, baseline: int, recent_rows: int, baseline_rows: int) -> float:
    """P(T >= observed) for `strata` identical strata, from scipy's hypergeometric law (the sum of the
    strata's window mentions, given each stratum's mentions and rows)."""
    mentions, rows = recent + baseline, recent_rows + baseline_rows
    pmf = stats.hypergeom.pmf(np.arange(mentions + 1), rows, mentions, recent_rows)
    distribution = np.ones(1)
    for _ in range(strata):
        distribution = np.convolve(distribution, pmf)
    return float(distribution[strata * recent :].sum())


def test_finds_planted_rise_and_not_flat_control(crafted, org):
    # when
    result = signals_detect(end=crafted["now"])
    # then
    signal = Signal.objects.get()
    assert result.created == 1
    assert signal.category == crafted["rising"]
    assert signal.journey_stage == crafted["stage"]
    assert (signal.recent_count, signal.baseline_count) == (32, 24)
    # The baseline's share, 24 of 288, at the window's volume of 96 rows.
    assert signal.expected_count == pytest.approx(8.0)
    assert signal.rate_ratio == pytest.approx(4.0)
    # The exact test over the two teams' strata: 16 of 48 rows against 12 of 144 in each.
    exact = _exact_p(strata=2, recent=16, baseline=12, recent_rows=48, baseline_rows=144)
    assert signal.p_value == pytest.approx(exact, rel=1e-6)
    # Two cells were tested in the run: the smaller p-value is doubled.
    assert signal.q_value == pytest.approx(2 * signal.p_value, rel=1e-9)
    assert signal.rising is True
    assert signal.teams == 2
    assert sorted(signal.department_ids) == sorted([org["dept_a"].pk, org["dept_b"].pk])
    assert signal.customers == 8


def test_volume_alone_makes_no_signal(org):
    """Twice the feedback with the same shares: the counts double, the shares do not move."""
    # given
    now = timezone.now()
    source, stage, category = SourceFactory(), JourneyStageFactory(), CategoryFactory(slug="queue")
    common = {"stage": stage, "source": source, "now": now, "team": org["team_a1"]}
    _weeks(weeks=range(4, 16), rows=40, mentions={category: 5}, **common)
    _weeks(weeks=range(4), rows=80, mentions={category: 10}, **common)
    # when
    result = signals_detect(end=now)
    (cell,) = cells_count(end=now)
    # then
    assert (cell.recent, cell.baseline) == (40, 60)
    assert cell.expected == pytest.approx(40.0)
    assert cell.ratio == pytest.approx(1.0)
    assert cell.p_value > 0.4
    assert result.created == 0


def test_a_share_that_doubles_at_constant_volume_is_a_signal(org):
    # given: in two teams of two departments, 5 of 40 rows a week, then 10 of 40
    now = timezone.now()
    source, stage, category = SourceFactory(), JourneyStageFactory(), CategoryFactory(slug="queue")
    for team in (org["team_a1"], org["team_b1"]):
        common = {"stage": stage, "source": source, "now": now, "team": team, "rows": 40}
        _weeks(weeks=range(4, 16), mentions={category: 5}, **common)
        _weeks(weeks=range(4), mentions={category: 10}, **common)
    # when
    result = signals_detect(end=now)
    # then
    signal = Signal.objects.get()
    assert result.created == 1
    assert (signal.recent_count, signal.expected_count, signal.rate_ratio) == (80, 40.0, 2.0)
    # 40 of 160 rows against 60 of 480 in each team; one cell tested, so q = p.
    exact = _exact_p(strata=2, recent=40, baseline=60, recent_rows=160, baseline_rows=480)
    assert signal.p_value == signal.q_value == pytest.approx(exact, rel=1e-6)
    assert signal.q_value < DEFAULT_PARAMS.false_discovery_rate


def test_a_rise_in_one_team_is_a_learning_item_for_its_huddle_not_a_signal(org):
    # given: the same doubling, in team A1 alone
    from innerloop.huddles.summary import huddle_summary
    from innerloop.models.huddles import Huddle, TeamRise

    now = timezone.now()
    source, stage = SourceFactory(), JourneyStageFactory(name="Receive")
    category = CategoryFactory(slug="queue", name="Long queue")
    common = {"stage": stage, "source": source, "now": now, "team": org["team_a1"], "rows": 40}
    _weeks(weeks=range(4, 16), mentions={category: 5}, **common)
    _weeks(weeks=range(4), mentions={category: 12}, **common)
    # when
    result = signals_detect(end=now)
    huddle = Huddle.objects.create(
        team=org["team_a1"], scheduled_at=now, period_start=now - timedelta(days=7), period_end=now
    )
    summary = huddle_summary(huddle=huddle)
    # then
    assert (result.created, result.team_rises) == (0, 1)
    assert not Signal.objects.exists()
    rise = TeamRise.objects.get()
    assert (rise.team, rise.category, rise.recent_count) == (org["team_a1"], category, 48)
    assert summary["rising_causes"] == [
        {"category": "Long queue", "journey_stage": "Receive", "recent": 48, "expected": 20.0}
    ]
    # and once it rises in a second team, it is the committee's
    common["team"] = org["team_b1"]
    _weeks(weeks=range(4, 16), mentions={category: 5}, **common)
    _weeks(weeks=range(4), mentions={category: 12}, **common)
    assert signals_detect(end=now).created == 1
    assert not TeamRise.objects.filter(rising=True).exists()


def test_a_busier_stratum_does_not_lift_a_quiet_one(org):
    """The December peak in stores: one source doubles its volume, the other stays; shares stay in both.

    Pooled over the stage, the category's share would rise (the busy source mentions it more often);
    stratum by stratum it does not move.
    """
    # given
    now = timezone.now()
    stage, category = JourneyStageFactory(), CategoryFactory(slug="unhelpful")
    store, web = SourceFactory(), SourceFactory()
    team = org["team_a1"]
    _weeks(weeks=range(4, 16), source=store, rows=20, mentions={category: 6}, stage=stage, team=team, now=now)
    _weeks(weeks=range(4), source=store, rows=40, mentions={category: 12}, stage=stage, team=team, now=now)
    _weeks(weeks=range(16), source=web, rows=40, mentions={category: 1}, stage=stage, team=team, now=now)
    # when
    (cell,) = cells_count(end=now)
    # then
    assert cell.ratio == pytest.approx(1.0)
    assert not cell.rising(DEFAULT_PARAMS)


def test_counts_coded_cases_once_per_feedback_and_value_at_risk(crafted, org):
    # given: a case coded on feedback already confirmed with the same cause, and one on other feedback
    feedback = crafted["rising"].confirmed_feedback.order_by("-occurred_at").first()
    CaseFactory(feedback=feedback, team=org["team_b1"], root_cause=crafted["rising"])
    rich = CustomerFactory(annual_value=12000)
    other = FeedbackFactory(
        journey_stage=crafted["stage"], customer=rich, occurred_at=crafted["now"] - timedelta(days=2)
    )
    CaseFactory(feedback=other, team=org["team_a2"], root_cause=crafted["rising"])
    # when
    signals_detect(end=crafted["now"])
    # then
    signal = Signal.objects.get()
    assert signal.recent_count == 33
    assert signal.case_count == 2
    assert signal.feedback_count == 32
    assert signal.teams == 2
    assert sorted(signal.department_ids) == sorted([org["dept_a"].pk, org["dept_b"].pk])
    assert signal.value_at_risk == 12000


def test_confident_suggestions_count_and_unsure_ones_do_not(org):
    # given
    now = timezone.now()
    category = CategoryFactory(slug="suggested")
    team = org["team_a1"]
    for days in range(1, 13):
        FeedbackFactory(suggested_category=category, suggested_confidence=0.9, team=team,
                        occurred_at=now - timedelta(days=days))  # fmt: skip
        FeedbackFactory(suggested_category=category, suggested_confidence=0.5, team=team,
                        occurred_at=now - timedelta(days=days))  # fmt: skip
    # when
    cells = cells_count(end=now)
    # then
    assert [(cell.category_id, cell.recent, cell.baseline) for cell in cells] == [(category.pk, 12, 0)]


def test_rerun_updates_the_same_signal_and_keeps_its_triage(crafted):
    # given
    signals_detect(end=crafted["now"])
    Signal.objects.update(status=SignalStatus.DISMISSED, dismissed_reason="seasonal")
    # when
    again = signals_detect(end=crafted["now"] + timedelta(hours=1))
    # then
    assert again.created == 0
    assert Signal.objects.count() == 1
    assert Signal.objects.get().status == SignalStatus.DISMISSED


def test_signal_key_is_unique(crafted):
    # given
    signals_detect(end=crafted["now"])
    signal = Signal.objects.get()
    # then
    assert signal.key == root_cause_key(
        category_id=crafted["rising"].pk, journey_stage_id=crafted["stage"].pk
    )
    with pytest.raises(Exception, match="duplicate key"):
        Signal.objects.create(key=signal.key, title="again")


def test_quiet_cell_stays_below_min_count(org):
    # given: 3 recent mentions of something never seen before
    now = timezone.now()
    category = CategoryFactory(slug="rare")
    _weeks(weeks=range(3), source=SourceFactory(), stage=None, team=TeamFactory(), now=now, rows=10,
           mentions={category: 1})  # fmt: skip
    # when
    result = signals_detect(end=now, params=DetectionParams(min_count=8))
    # then
    assert result.created == 0


def test_management_command_runs_detection(crafted, capsys):
    # when
    call_command("signals_detect")
    # then
    assert Signal.objects.filter(category=crafted["rising"]).exists()
    assert "new signal" in capsys.readouterr().out
