"""The rollups (days, weeks, months): triggers keep them equal to the raw feedback on every write."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback.demo.pgcopy import copy_rows
from feedback.metrics.dimensions import DIMENSIONS
from feedback.metrics.queries import Filters, metric_groups
from feedback.metrics.rollup import rollup_drift, rollup_fold_pending
from feedback.models import Customer, Feedback
from feedback.models.metrics import FeedbackDailyRollup, FeedbackPeriodRollup, FeedbackRollupPending
from tests.factories import (
    CustomerFactory,
    FeedbackFactory,
    JourneyStageFactory,
    SourceFactory,
    TeamFactory,
    TouchpointFactory,
)

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 2)  # a Monday
AT = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
CELL = ("day", "scale", "segment", "n", "promoters", "passives", "detractors", "satisfied")


def cells():
    """The rollup as the test's transaction would leave it at commit."""
    rollup_fold_pending()
    return list(FeedbackDailyRollup.objects.order_by("day", "scale", "segment").values_list(*CELL))


def test_insert_counts_scored_feedback_in_its_utc_day_and_segment():
    # given
    customer = CustomerFactory(segment="retail")
    # when
    FeedbackFactory(scale="nps", score=10, occurred_at=AT, customer=customer)
    FeedbackFactory(scale="nps", score=3, occurred_at=AT + timedelta(hours=1), customer=None)
    FeedbackFactory(scale=None, score=None, occurred_at=AT)
    # then: 00:30 UTC the next day is the next day; unscored feedback is not counted
    assert cells() == [
        (DAY, "nps", "retail", 1, 1, 0, 0, 0),
        (DAY + timedelta(days=1), "nps", "", 1, 0, 0, 1, 0),
    ]


def test_update_moves_the_counts_and_deletes_empty_cells():
    # given
    feedback = FeedbackFactory(scale="nps", score=10, occurred_at=AT, customer=None)
    # when
    feedback.scale, feedback.score = "csat", 4
    feedback.save()
    # then
    assert cells() == [(DAY, "csat", "", 1, 0, 0, 0, 1)]


def periods():
    """Weeks and months summed over their cells (each factory row has a source of its own)."""
    rollup_fold_pending()
    sums = [Sum(name) for name in ("n", "promoters", "passives", "detractors")]
    return list(
        FeedbackPeriodRollup.objects.order_by("grain", "start", "scale")
        .values_list("grain", "start", "scale")
        .annotate(*sums)
    )


def test_weeks_and_months_add_up_their_days_and_follow_corrections():
    # given: Sunday 1 March (the week before) and Monday 2 March (a new week), one month
    before = FeedbackFactory(scale="nps", score=10, occurred_at=AT - timedelta(days=1), customer=None)
    FeedbackFactory(scale="nps", score=3, occurred_at=AT, customer=None)
    FeedbackFactory(scale="nps", score=8, occurred_at=AT + timedelta(days=1), customer=None)
    assert periods() == [
        ("month", date(2026, 3, 1), "nps", 3, 1, 1, 1),
        ("week", DAY - timedelta(days=7), "nps", 1, 1, 0, 0),
        ("week", DAY, "nps", 2, 0, 1, 1),
    ]
    # when: the Sunday answer moves into February
    Feedback.objects.filter(pk=before.pk).update(occurred_at=AT - timedelta(days=3))
    # then: its week stays, its month changes; the emptied March cell is gone, not left at zero
    assert periods() == [
        ("month", date(2026, 2, 1), "nps", 1, 1, 0, 0),
        ("month", date(2026, 3, 1), "nps", 2, 0, 1, 1),
        ("week", DAY - timedelta(days=7), "nps", 1, 1, 0, 0),
        ("week", DAY, "nps", 2, 0, 1, 1),
    ]
    assert rollup_drift() == 0


def test_update_of_other_columns_leaves_the_rollup_alone():
    # given
    feedback = FeedbackFactory(scale="ces", score=5, occurred_at=AT, customer=None)
    rollup_fold_pending()
    # when
    Feedback.objects.filter(pk=feedback.pk).update(sentiment=0.4, comment="changed", occurred_at=AT)
    # then: nothing pending, the cell as it was
    assert not FeedbackRollupPending.objects.exists()
    assert list(FeedbackDailyRollup.objects.values_list("n", "score_sum", "score_sq_sum")) == [(1, 5, 25)]


@pytest.mark.django_db(transaction=True)
def test_changes_reach_the_rollup_when_their_transaction_commits():
    # given
    source, team = SourceFactory(), TeamFactory()
    # when: one transaction of many savepoints, as an import chunk or a batch through the API is
    with transaction.atomic():
        for index in range(60):
            with transaction.atomic():
                FeedbackFactory(
                    scale="nps", score=index % 11, occurred_at=AT, customer=None, source=source, team=team
                )
        folded_inside = FeedbackDailyRollup.objects.exists()
    # then: folded at commit, once, and nothing left pending
    assert folded_inside is False
    assert list(FeedbackDailyRollup.objects.values_list(*CELL)) == [(DAY, "nps", "", 60, 10, 10, 40, 0)]
    assert not FeedbackRollupPending.objects.exists()


def test_delete_subtracts():
    # given
    kept = FeedbackFactory(scale="nps", score=8, occurred_at=AT, customer=None)
    gone = FeedbackFactory(
        scale="nps", score=8, occurred_at=AT, customer=None, source=kept.source, team=kept.team
    )
    # when
    gone.delete()
    # then
    assert cells() == [(DAY, "nps", "", 1, 0, 1, 0, 0)]


def test_copy_is_counted_too():
    # given
    source, team = SourceFactory(), TeamFactory()
    rows = [
        (
            source.pk,
            f"copy-{i}",
            "nps",
            score,
            "",
            AT.isoformat(),
            AT.isoformat(),
            AT.isoformat(),
            "{}",
            "",
            "",
            team.pk,
        )
        for i, score in enumerate([10, 9, 7, 0])
    ]
    # when
    copy_rows(
        model=Feedback,
        fields=(
            "source", "external_id", "scale", "score", "comment", "occurred_at", "received_at",
            "updated_at", "metadata", "content_hash", "language", "team",
        ),
        rows=rows,
    )  # fmt: skip
    # then
    assert cells() == [(DAY, "nps", "", 4, 2, 1, 1, 0)]


def test_a_customer_segment_change_moves_their_history():
    # given
    customer = CustomerFactory(segment="consumer")
    FeedbackFactory(scale="nps", score=10, occurred_at=AT, customer=customer)
    # when: through the ingestion's upsert, which the UPDATE trigger sees too
    Customer.objects.bulk_create(
        [Customer(external_id=customer.external_id, segment="trade")],
        update_conflicts=True,
        unique_fields=["external_id"],
        update_fields=["segment"],
    )
    # then
    assert cells() == [(DAY, "nps", "trade", 1, 1, 0, 0, 0)]


def test_rebuild_repairs_a_damaged_rollup(capsys):
    # given
    FeedbackFactory(scale="csat", score=5, occurred_at=AT, customer=None)
    rollup_fold_pending()
    FeedbackDailyRollup.objects.update(n=7)
    # when
    call_command("rollup_rebuild", "--check")
    found = capsys.readouterr().out
    call_command("rollup_rebuild")
    # then
    assert "1 rollup cells differ" in found
    assert cells() == [(DAY, "csat", "", 1, 0, 0, 0, 1)]
    assert rollup_drift() == 0


def test_drift_in_the_weeks_and_months_is_found_and_repaired():
    # given
    FeedbackFactory(scale="csat", score=5, occurred_at=AT, customer=None)
    rollup_fold_pending()
    FeedbackPeriodRollup.objects.filter(grain="month").update(n=7)
    # when
    drift = rollup_drift()
    call_command("rollup_rebuild")
    # then
    assert drift == 1
    assert [(grain, n) for grain, _, _, n, *_ in periods()] == [("month", 1), ("week", 1)]
    assert rollup_drift() == 0


def test_the_report_reads_the_rollup_not_the_feedback(people):
    # given
    FeedbackFactory(scale="nps", score=10, occurred_at=AT)
    rollup_fold_pending()
    FeedbackDailyRollup.objects.update(n=5, promoters=5)
    # when
    rollup = metric_groups(user=people["admin"], scale="nps", date_from=DAY, date_to=DAY + timedelta(days=1))
    raw = metric_groups(
        user=people["admin"], scale="nps", date_from=DAY, date_to=DAY + timedelta(days=1), from_rollup=False
    )
    # then
    assert (rollup[0].counts.n, raw[0].counts.n) == (5, 1)


# --- Property: whatever is written, the rollup path answers exactly what the raw path answers ---

SCORES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
scored = st.sampled_from(sorted(SCORES)).flatmap(
    lambda scale: st.tuples(st.just(scale), st.integers(*SCORES[scale]))
)
feedback_rows = st.lists(
    st.fixed_dictionaries(
        {
            # mostly scored; some unscored, with and without a scale
            "scale_score": st.one_of(scored, scored, scored, st.sampled_from([(None, None), ("nps", None)])),
            "source": st.integers(0, 2),
            # 0 is "none", n is the n-th object of the world
            "team": st.integers(0, 3),
            "touchpoint": st.integers(0, 3),
            "journey_stage": st.integers(0, 2),
            "customer": st.integers(0, 4),
            # ten weeks from a Thursday: whole weeks and whole months, and days at their edges
            "minutes": st.integers(0, 60 * 24 * 70 - 1),
        }
    ),
    min_size=10,
    max_size=60,
)
# (which row, what to do, a value): each row is changed at most once.
changes = st.lists(
    st.tuples(
        st.integers(0, 39), st.sampled_from(["delete", "rescore", "move", "segment"]), st.integers(0, 10)
    ),
    max_size=8,
    unique_by=lambda change: change[0],
)
# (first day after 1 January, length in days): short windows read days only, long ones whole
# weeks or months from the period table and their edges from the daily one.
windows = st.tuples(st.integers(0, 10), st.one_of(st.integers(1, 21), st.integers(28, 80)))
groupings = st.one_of(
    st.just(()),
    st.tuples(st.sampled_from(DIMENSIONS)),
    st.sampled_from([("week", "touchpoint"), ("segment", "month"), ("channel", "team"), ("week", "month")]),
)
queries = st.tuples(
    st.sampled_from(sorted(SCORES)),
    groupings,
    st.sampled_from(["admin", "manager", "agent"]),
    st.sampled_from(["none", "team", "touchpoint", "segment", "source", "channel"]),
)


@pytest.fixture
def world(org, people):
    """Reference data the generated feedback points into."""
    return {
        "source": [SourceFactory(kind=kind) for kind in ("survey", "survey", "call_centre")],
        "team": [org["team_a1"], org["team_a2"], org["team_b1"]],
        "touchpoint": [TouchpointFactory() for _ in range(3)],
        "journey_stage": [JourneyStageFactory() for _ in range(2)],
        "customer": [CustomerFactory(segment=segment) for segment in ("consumer", "trade", "", "consumer")],
        "people": people,
    }


ACTIONS = {
    "delete": lambda world, item, value: Feedback.objects.filter(pk=item.pk).delete(),
    # 1..5 lies on every scale; unscored feedback stays unscored
    "rescore": lambda world, item, value: Feedback.objects.filter(pk=item.pk, scale__isnull=False).update(
        score=1 + value % 5
    ),
    "move": lambda world, item, value: Feedback.objects.filter(pk=item.pk).update(
        team=world["team"][value % 3], occurred_at=item.occurred_at + timedelta(days=value)
    ),
    "segment": lambda world, item, value: Customer.objects.filter(pk=item.customer_id).update(
        segment=f"seg-{value % 2}"
    ),
}


def _write(world, rows, edits):
    """Store the generated rows in one statement, then apply the edits one statement each."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    pick = {name: [None, *world[name]] for name in ("team", "touchpoint", "journey_stage", "customer")}
    created = Feedback.objects.bulk_create(
        [
            Feedback(
                source=world["source"][row["source"]],
                external_id=f"p-{index}",
                scale=row["scale_score"][0],
                score=row["scale_score"][1],
                occurred_at=start + timedelta(minutes=row["minutes"]),
                # index 0 of each list is None: "no team", "no touchpoint"...
                **{name: pick[name][row[name]] for name in pick},
            )
            for index, row in enumerate(rows)
        ]
    )
    for index, action, value in edits:
        ACTIONS[action](world, created[index % len(created)], value)


FILTERS = {
    "none": lambda world: Filters(),
    "team": lambda world: Filters(team=world["team"][0]),
    "touchpoint": lambda world: Filters(touchpoint=world["touchpoint"][1]),
    "segment": lambda world: Filters(segment="consumer"),
    "source": lambda world: Filters(source=world["source"][0]),
    "channel": lambda world: Filters(channel="call_centre"),
}


def both_paths(world, queries, date_from, date_to):
    """Each query answered from the rollup and from the raw feedback."""
    answers = []
    for scale, group_by, who, narrowing in queries:
        arguments = {
            "user": world["people"][who],
            "scale": scale,
            "date_from": date_from,
            "date_to": date_to,
            "group_by": group_by,
            "filters": FILTERS[narrowing](world),
        }
        answers.append((metric_groups(**arguments), metric_groups(**arguments, from_rollup=False)))
    return answers


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=feedback_rows, edits=changes, window=windows, query=st.lists(queries, min_size=4, max_size=4))
def test_rollup_answers_exactly_what_the_raw_feedback_answers(world, rows, edits, window, query):
    with transaction.atomic():
        # given: random feedback, then random corrections, deletions and segment changes
        _write(world, rows, edits)
        date_from = date(2026, 1, 1) + timedelta(days=window[0])
        date_to = date_from + timedelta(days=window[1])
        # when: read while the changes are pending, then once they are folded in as at commit
        pending = both_paths(world, query, date_from, date_to)
        rollup_fold_pending()
        folded = both_paths(world, query, date_from, date_to)
        # then
        assert [rollup for rollup, _ in pending] == [raw for _, raw in pending]
        assert [rollup for rollup, _ in folded] == [raw for _, raw in folded]
        assert rollup_drift() == 0
        transaction.set_rollback(True)
