"""GET /api/v1/metrics/{nps,csat,ces}/ as DESIGN.md section 5 specifies it."""

from datetime import UTC, datetime

import pytest
from freezegun import freeze_time
from rest_framework.test import APIClient

from feedback.models import Touchpoint
from tests.factories import (
    CustomerFactory,
    FeedbackFactory,
    JourneyStageFactory,
    SourceFactory,
    TouchpointFactory,
)

pytestmark = pytest.mark.django_db

WINDOW = {"from": "2026-03-02", "to": "2026-03-30"}  # four whole weeks, Monday to Monday


def at(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=UTC)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def get(client: APIClient, metric: str, **params):
    return client.get(f"/api/v1/metrics/{metric}/", params)


@pytest.fixture
def admin(people):
    return client_for(people["admin"])


def nps_scores(scores, *, day="2026-03-03", **fields):
    return [FeedbackFactory(scale="nps", score=score, occurred_at=at(day), **fields) for score in scores]


def test_nps_answers_the_contract(admin, org):
    # given: 3 promoters, a passive and a detractor: NPS 40; adjusted Wald: n' = 8, p' = 3.75/8,
    # d' = 1.75/8, NPS' = .25, var = .625, se = sqrt(.625/8) = .27951, CI = 25 +/- 54.78
    nps_scores([10, 9, 9, 7, 2], team=org["team_a1"])
    # when
    response = get(admin, "nps", **WINDOW)
    # then
    figures = {
        "n": 5,
        "promoters": 3,
        "passives": 1,
        "detractors": 1,
        "nps": 40.0,
        "ci_low": -29.78,
        "ci_high": 79.78,
        "low_sample": True,
    }
    assert response.status_code == 200
    assert response.json() == {
        "metric": "nps",
        "from": "2026-03-02",
        "to": "2026-03-30",
        "group_by": [],
        "compare": None,
        "low_sample_n": 30,
        "overall": figures,
        "results": [{"group": {}, "labels": {}, **figures}],
    }


def test_no_responses_is_n_zero_and_no_score(admin):
    # when
    body = get(admin, "nps", **WINDOW).json()
    # then
    empty = {
        "n": 0,
        "promoters": 0,
        "passives": 0,
        "detractors": 0,
        "nps": None,
        "ci_low": None,
        "ci_high": None,
        "low_sample": True,
    }
    assert body["overall"] == empty
    assert body["results"] == [{"group": {}, "labels": {}, **empty}]


def test_csat_answers_percent_satisfied_with_a_wilson_interval(admin):
    # given: 4 of 5 satisfied; Wilson (z = 1.96) for 4/5: 37.55 to 96.38
    for score in (5, 4, 4, 5, 2):
        FeedbackFactory(scale="csat", score=score, occurred_at=at("2026-03-04"))
    # when
    body = get(admin, "csat", **WINDOW).json()
    # then
    assert body["overall"] == {
        "n": 5,
        "satisfied": 4,
        "pct_satisfied": 80.0,
        "ci_low": 37.55,
        "ci_high": 96.38,
        "low_sample": True,
    }


def test_ces_answers_the_mean_with_a_t_interval(admin):
    # given: 3, 4, 5, 6, 7: mean 5, t interval 3.04 to 6.96
    for score in (3, 4, 5, 6, 7):
        FeedbackFactory(scale="ces", score=score, occurred_at=at("2026-03-04"))
    # when
    body = get(admin, "ces", **WINDOW).json()
    # then
    assert body["overall"] == {"n": 5, "mean": 5.0, "ci_low": 3.04, "ci_high": 6.96, "low_sample": True}


def test_low_sample_follows_the_setting(admin, settings):
    # given
    settings.CXLOOP_LOW_SAMPLE_N = 3
    nps_scores([10, 9, 9])
    # when
    body = get(admin, "nps", **WINDOW).json()
    # then
    assert (body["low_sample_n"], body["overall"]["low_sample"]) == (3, False)


@pytest.fixture
def spread(org):
    """Three responses that differ in every dimension."""
    checkout, delivery = (
        TouchpointFactory(slug="checkout", name="Checkout"),
        TouchpointFactory(slug="delivery", name="Delivery"),
    )
    buy, receive = (
        JourneyStageFactory(slug="buy", name="Buy", position=1),
        JourneyStageFactory(slug="receive", name="Receive", position=2),
    )
    survey, calls = SourceFactory(kind="survey"), SourceFactory(kind="call_centre")
    nps_scores(
        [10],
        day="2026-03-03",
        touchpoint=checkout,
        journey_stage=buy,
        source=survey,
        customer=CustomerFactory(segment="retail"),
        team=org["team_a1"],
    )
    nps_scores(
        [0],
        day="2026-03-10",
        touchpoint=delivery,
        journey_stage=receive,
        source=calls,
        customer=CustomerFactory(segment="trade"),
        team=org["team_b1"],
    )
    nps_scores([8], day="2026-03-11", source=survey, customer=None, team=org["team_a1"])


@pytest.mark.parametrize(
    ("group_by", "groups", "labels", "sizes"),
    [
        (
            "week",
            ["2026-03-02", "2026-03-09", "2026-03-16", "2026-03-23"],
            ["2026-03-02", "2026-03-09", "2026-03-16", "2026-03-23"],
            [1, 2, 0, 0],
        ),
        ("month", ["2026-03-01"], ["2026-03-01"], [3]),
        ("touchpoint", ["checkout", "delivery", None], ["Checkout", "Delivery", None], [1, 1, 1]),
        ("journey_stage", ["buy", "receive", None], ["Buy", "Receive", None], [1, 1, 1]),
        ("channel", ["call_centre", "survey"], ["Call centre", "Survey"], [1, 2]),
        ("segment", ["retail", "trade", None], ["retail", "trade", None], [1, 1, 1]),
        ("team", ["team-a1", "team-b1"], ["Team A1", "Team B1"], [2, 1]),
    ],
)
def test_group_by_each_dimension(admin, spread, group_by, groups, labels, sizes):
    # when
    body = get(admin, "nps", group_by=group_by, **WINDOW).json()
    # then
    assert body["group_by"] == [group_by]
    assert [row["group"][group_by] for row in body["results"]] == groups
    assert [row["labels"][group_by] for row in body["results"]] == labels
    assert [row["n"] for row in body["results"]] == sizes
    assert body["overall"]["n"] == 3


def test_group_by_two_dimensions(admin, spread):
    # when
    body = get(admin, "nps", group_by="week,touchpoint", **WINDOW).json()
    # then
    assert [(row["group"], row["n"]) for row in body["results"]] == [
        ({"week": "2026-03-02", "touchpoint": "checkout"}, 1),
        ({"week": "2026-03-09", "touchpoint": "delivery"}, 1),
        ({"week": "2026-03-09", "touchpoint": None}, 1),
    ]


@pytest.mark.parametrize(
    ("params", "bad"),
    [
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-02-30"}, "to"),
        ({"from": "2026-03-10", "to": "2026-03-10"}, "to"),
        ({"from": "1900-01-01", "to": "1900-02-01"}, "from"),
        ({"from": "2000-01-01", "to": "2026-01-01"}, "to"),
        ({"from": "9999-12-01", "to": "9999-12-31", "group_by": "month"}, "to"),
        ({"group_by": "year"}, "group_by"),
        ({"group_by": "week,month"}, "group_by"),
        ({"group_by": "week,touchpoint,team"}, "group_by"),
        ({"group_by": "team,team"}, "group_by"),
        ({"compare": "last-year"}, "compare"),
        ({"source": "no-such-source"}, "source"),
        ({"touchpoint": "no-such-touchpoint"}, "touchpoint"),
        ({"journey_stage": "no-such-stage"}, "journey_stage"),
        ({"team": "no-such-team"}, "team"),
        ({"channel": "pigeon"}, "channel"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_parameter(admin, params, bad):
    # when
    response = get(admin, "nps", **params)
    # then
    assert response.status_code == 400
    assert list(response.json()) == [bad]


def test_a_repeated_parameter_is_a_400_not_half_read(admin):
    response = admin.get("/api/v1/metrics/nps/?group_by=week&group_by=team")
    assert response.status_code == 400
    assert list(response.json()) == ["group_by"]


def test_filters_narrow_the_counts(admin, spread):
    # when
    narrowed = {
        name: get(admin, "nps", **{name: value}, **WINDOW).json()["overall"]["n"]
        for name, value in {
            "touchpoint": "checkout",
            "journey_stage": "receive",
            "segment": "retail",
            "team": "team-a1",
            "channel": "survey",
        }.items()
    }
    # then
    assert narrowed == {"touchpoint": 1, "journey_stage": 1, "segment": 1, "team": 2, "channel": 2}


def test_an_agent_sees_their_team_the_committee_everything(people, org):
    # given
    nps_scores([10, 10], team=org["team_a1"])
    nps_scores([0], team=org["team_a2"])
    nps_scores([0, 0, 0], team=org["team_b1"])
    # when
    seen = {
        who: get(client_for(people[who]), "nps", **WINDOW).json()["overall"]["n"]
        for who in ("agent", "manager", "committee")
    }
    # then
    assert seen == {"agent": 2, "manager": 3, "committee": 6}


def test_an_agent_cannot_ask_for_another_team(people, org):
    # when
    response = get(client_for(people["agent"]), "nps", team="team-b1", **WINDOW)
    # then
    assert response.status_code == 400
    assert list(response.json()) == ["team"]


def test_metrics_need_a_login(client):
    # when / then
    assert get(client, "nps").status_code in (401, 403)


def test_compare_previous_gives_the_previous_window_its_difference_and_p_value(admin, org):
    # given: NPS 40 (3/1/1) now; -40 (1/1/3) in the 28 days before.
    # n' = 8 both; var' / n' = .625 / 8 each; se = .39528; z = .5 / .39528 = 1.2649, p = .2059;
    # CI = 100 (.5 +/- 1.96 x .39528) = (-27.48, 127.48)
    nps_scores([10, 9, 9, 7, 2], day="2026-03-20")
    nps_scores([10, 7, 0, 1, 2], day="2026-02-10")
    # when
    body = get(admin, "nps", compare="previous", **WINDOW).json()
    # then
    overall = body["overall"]
    assert (body["compare"], body["previous_from"], body["previous_to"]) == (
        "previous",
        "2026-02-02",
        "2026-03-02",
    )
    assert overall["previous"] == {
        "n": 5,
        "promoters": 1,
        "passives": 1,
        "detractors": 3,
        "nps": -40.0,
        "ci_low": -79.78,
        "ci_high": 29.78,
        "low_sample": True,
    }
    assert (overall["difference"], overall["difference_ci_low"], overall["difference_ci_high"]) == (
        80.0,
        -27.48,
        127.48,
    )
    assert overall["p_value"] == pytest.approx(0.2059, abs=1e-4)
    assert body["results"][0]["difference"] == 80.0


def test_compare_previous_matches_groups_by_key(admin, spread):
    # given: a checkout promoter in the previous window too
    nps_scores([10], day="2026-02-20", touchpoint=Touchpoint.objects.get(slug="checkout"))
    # when
    body = get(admin, "nps", group_by="touchpoint", compare="previous", **WINDOW).json()
    # then
    assert [
        (row["group"]["touchpoint"], row["previous"]["n"], row["difference"]) for row in body["results"]
    ] == [
        ("checkout", 1, 0.0),
        ("delivery", 0, None),
        (None, 0, None),
    ]


def test_compare_by_week_is_week_on_week(admin):
    # given: a promoter in the week before `from`, a detractor in the first week, a passive in the second
    nps_scores([10], day="2026-02-25")
    nps_scores([0], day="2026-03-03")
    nps_scores([8], day="2026-03-10")
    # when
    body = get(admin, "nps", group_by="week", compare="previous", **WINDOW).json()
    # then
    assert [(row["group"]["week"], row["previous"]["nps"], row["difference"]) for row in body["results"]] == [
        ("2026-03-02", 100.0, -200.0),
        ("2026-03-09", -100.0, 100.0),
        ("2026-03-16", 0.0, None),
        ("2026-03-23", None, None),
    ]


@freeze_time("2026-03-15 12:00:00")
def test_the_default_window_is_the_last_90_days(admin):
    # given
    nps_scores([10], day="2026-03-15")
    nps_scores([0], day="2025-12-16")  # 90 days before tomorrow: inside
    nps_scores([0], day="2025-12-15")  # outside
    # when
    body = get(admin, "nps").json()
    # then: from is inclusive, to (tomorrow) exclusive
    assert (body["from"], body["to"], body["overall"]["n"]) == ("2025-12-16", "2026-03-16", 2)


def test_a_grouped_comparison_takes_a_handful_of_queries(admin, spread, django_assert_max_num_queries):
    # when / then
    with django_assert_max_num_queries(8):
        assert get(admin, "nps", group_by="week,touchpoint", compare="previous", **WINDOW).status_code == 200
