"""Dashboards and the huddle review: every NPS with its 95 % interval and n, "real" only when the
test says so and no sample is small, bars for categories and touchpoints, a fitted y axis, and query
counts that do not grow with the data."""

import re
from datetime import timedelta

import pytest
from django.template.defaultfilters import floatformat
from django.utils import timezone

from feedback.metrics.figures import is_real_change
from innerloop.dashboards.chart import Point, fitted_axis, nps_trend_svg
from innerloop.huddles import services as huddle_services
from tests.factories import CategoryFactory, FeedbackFactory, JourneyStageFactory, TouchpointFactory
from tests.innerloop.test_huddles import HuddleFactory

from .factories import CaseFactory

pytestmark = pytest.mark.django_db

INTERVAL = re.compile(r"95 % interval -?\d+ to -?\d+")


@pytest.fixture
def small_threshold(settings):
    """Small samples below 10 answers, so a test needs tens of rows, not hundreds."""
    settings.CXLOOP_LOW_SAMPLE_N = 10


@pytest.fixture
def answers(org):
    """Team A1: six answers at the checkout (3 promoters, 1 passive, 2 detractors); team B1: one."""
    checkout = TouchpointFactory(slug="checkout", name="Checkout")
    for score in (10, 9, 9, 3, 2, 8):
        FeedbackFactory(team=org["team_a1"], touchpoint=checkout, score=score)
    FeedbackFactory(team=org["team_b1"], score=10)
    return org


def _whole(value: float) -> str:
    """A figure as the page rounds it (half away from zero, as Django's floatformat)."""
    return floatformat(value, 0)


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


# --- the rule ---


@pytest.mark.parametrize(
    ("p_value", "sizes", "real"),
    [
        (0.001, (40, 50), True),
        (0.001, (3, 50), False),  # one small sample: never real
        (0.001, (50, 3), False),
        (0.2, (40, 50), False),  # not significant
        (None, (40, 50), False),
        (0.05, (40, 50), False),  # the threshold itself is not below it
    ],
)
def test_a_change_is_real_only_when_significant_and_no_sample_is_small(p_value, sizes, real):
    assert is_real_change(p_value, *sizes) is real


# --- interval and n on every page ---


@pytest.mark.parametrize(
    ("person", "path"),
    [
        ("manager", "/dashboards/"),
        ("manager", "/dashboards/departments/dept-a/"),
        ("lead", "/dashboards/teams/team-a1/"),
        ("committee", "/dashboards/"),
    ],
)
def test_every_nps_on_the_dashboards_shows_its_interval_and_n(client, people, answers, person, path):
    # given
    client.force_login(people[person])
    # when
    response = client.get(path)
    # then: the headline and the team A1 and checkout rows each show their interval and n = 6
    assert response.status_code == 200
    text = _text(response)
    overall = response.context["overall"]
    assert f"95 % interval {_whole(overall['ci_low'])} to {_whole(overall['ci_high'])}" in text
    assert f"n = {overall['n']}" in text
    assert len(INTERVAL.findall(text)) >= 2
    touchpoint = response.context["touchpoints"][0]
    assert (touchpoint["n"], touchpoint["ci_low"] < touchpoint["nps"] < touchpoint["ci_high"]) == (6, True)
    assert f"95 % interval {_whole(touchpoint['ci_low'])} to {_whole(touchpoint['ci_high'])}) n = 6" in text


def test_the_organisation_page_shows_each_department_with_interval_and_n(client, people, answers):
    client.force_login(people["committee"])
    response = client.get("/dashboards/")
    rows = {department.slug: row for department, row in response.context["departments"]}
    assert (rows["dept-a"]["n"], rows["dept-b"]["n"]) == (6, 1)
    html = response.content.decode()
    assert html.count("small sample") >= 3  # the headline, both departments, teams


def _held_huddle(team, lead):
    huddle = HuddleFactory(
        team=team,
        scheduled_at=timezone.now() - timedelta(hours=1),
        period_start=timezone.now() - timedelta(days=7),
        period_end=timezone.now(),
    )
    huddle_services.huddle_record(huddle=huddle, actor=lead, attendees=[], notes="")
    huddle_services.huddle_prepare(huddle_id=huddle.pk)
    huddle.refresh_from_db()
    return huddle


def test_huddle_review_shows_nps_with_interval_n_and_the_feedback_behind_it(client, people, answers):
    # given: team A1's last huddle covers its six answers
    huddle = _held_huddle(answers["team_a1"], people["lead"])
    client.force_login(people["manager"])
    # when
    response = client.get("/huddles/review/")
    # then
    text = _text(response)
    nps = huddle.summary["nps"]["current"]
    assert f"95 % interval {_whole(nps['ci_low'])} to {_whole(nps['ci_high'])}" in text
    assert "n = 6" in text
    assert "small sample" in text
    assert "real change" not in text
    figures = next(row.figures for row in response.context["board"] if row.team == answers["team_a1"])
    listed = client.get(figures["href"])
    assert listed.context["page"].paginator.count == nps["n"] == 6
    detractors = client.get(figures["detractors_href"])
    assert detractors.context["page"].paginator.count == 2


# --- real only when significant and not small ---


@pytest.fixture
def delivery_complaints(org, small_threshold):
    """In team A1, `Late delivery` is coded on 3 detractors among 40 promoters: very significant, small."""
    late = CategoryFactory(slug="late-delivery", name="Late delivery")
    for _ in range(3):
        FeedbackFactory(team=org["team_a1"], score=0, confirmed_category=late)
    FeedbackFactory.create_batch(40, team=org["team_a1"], score=10)
    return late


def test_a_category_with_a_small_sample_is_never_called_real(client, people, delivery_complaints):
    # given
    client.force_login(people["lead"])
    # when
    response = client.get("/dashboards/teams/team-a1/")
    # then: the difference is large and its p-value tiny, but three answers are a small sample
    (row,) = response.context["categories"]
    assert (row["n"], row["low_sample"]) == (3, True)
    assert row["p_value"] < 0.001
    assert row["real"] is False
    cells = re.search(r"<td>Late delivery</td>(.*?)</tr>", response.content.decode(), re.S).group(1)
    assert "small sample" in cells
    assert ">real<" not in cells


def test_a_category_with_enough_answers_and_a_significant_difference_is_real(
    client, people, org, delivery_complaints
):
    # given: twelve more detractors with the category: no longer a small sample
    FeedbackFactory.create_batch(12, team=org["team_a1"], score=0, confirmed_category=delivery_complaints)
    client.force_login(people["lead"])
    # when
    response = client.get("/dashboards/teams/team-a1/")
    # then
    (row,) = response.context["categories"]
    assert (row["n"], row["low_sample"], row["real"]) == (15, False, True)
    cells = re.search(r"<td>Late delivery</td>(.*?)</tr>", response.content.decode(), re.S).group(1)
    assert ">real<" in cells
    assert "small sample" not in cells


# --- charts ---


def test_categories_and_touchpoints_have_bars_with_their_numbers_in_the_table(
    client, people, org, delivery_complaints
):
    # given
    web = TouchpointFactory(slug="web", name="Website")
    FeedbackFactory(team=org["team_a1"], score=2, touchpoint=web)
    client.force_login(people["lead"])
    # when
    html = client.get("/dashboards/teams/team-a1/").content.decode()
    # then: a bar per category row and per touchpoint row, hidden from screen readers (the cells say it)
    assert html.count('class="bar-chart"') >= 2
    assert 'aria-hidden="true"' in html
    assert re.search(r'<rect x="0" y="3" width="200\.0"', html)  # the largest category fills its bar


def test_the_trend_axis_fits_the_data_and_its_intervals():
    # given: NPS between 20 and 60 with intervals from 5 to 75
    points = [
        Point("2026-10-05", 20.0, 5.0, 35.0, 40, False),
        Point("2026-10-12", 60.0, 45.0, 75.0, 40, False),
        Point("2026-10-19", None, None, None, 0, True),
    ]
    # when
    chart = nps_trend_svg(points)
    # then: not -100..100, every interval end inside, ticks labelled
    assert (chart["low"], chart["high"]) == (0, 80)
    assert [tick["label"] for tick in chart["grid"]] == [0, 20, 40, 60, 80]
    assert all(12 <= dot["y"] <= 232 for dot in chart["dots"])
    assert [tick["label"] for tick in chart["ticks"]][:2] == ["5 Oct", "12 Oct"]


@pytest.mark.parametrize(
    ("values", "axis"),
    [
        ([], (-100, 100)),
        ([-100.0, 100.0], (-100, 100)),
        ([12.0, 14.0], (5, 20)),
        ([-42.0, -3.0], (-50, 0)),
    ],
)
def test_fitted_axis(values, axis):
    fitted = fitted_axis(values)
    assert (fitted.low, fitted.high) == axis
    assert (fitted.ticks[0], fitted.ticks[-1]) == axis


# --- query counts ---


@pytest.mark.parametrize(
    ("person", "path", "most"),
    [
        ("committee", "/dashboards/", 30),
        ("manager", "/dashboards/departments/dept-a/", 28),
        ("lead", "/dashboards/teams/team-a1/", 30),
        ("manager", "/dashboards/?period=custom&date_from=2026-01-01&date_to=2026-03-31", 30),
    ],
)
def test_dashboard_queries_do_not_grow_with_the_data(
    client, people, answers, person, path, most, django_assert_max_num_queries
):
    # given: more answers, categories, stages and cases than the first request saw
    client.force_login(people[person])
    client.get(path)
    for i in range(6):
        category = CategoryFactory(slug=f"c-{i}")
        stage = JourneyStageFactory(slug=f"s-{i}", name=f"Stage {i}")
        FeedbackFactory.create_batch(
            3, team=answers["team_a1"], confirmed_category=category, journey_stage=stage
        )
        FeedbackFactory(team=answers["team_a2"], touchpoint=TouchpointFactory(slug=f"t-{i}"))
    CaseFactory.create_batch(5, team=answers["team_a1"])
    # when / then
    with django_assert_max_num_queries(most):
        assert client.get(path).status_code == 200
