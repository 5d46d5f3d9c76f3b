"""Dashboards: every number with its uncertainty, constant queries, safe CSV, scoped."""

import csv
import io

import pytest

from tests.factories import CategoryFactory, FeedbackFactory, TouchpointFactory

from .factories import CaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(org):
    checkout = TouchpointFactory(slug="checkout", name="Checkout")
    formula = CategoryFactory(slug="formula", name="=HYPERLINK(1)")
    for score in (10, 9, 9, 3, 2, 8):
        FeedbackFactory(team=org["team_a1"], touchpoint=checkout, score=score, confirmed_category=formula)
    CaseFactory(team=org["team_a1"])
    return org


def test_team_dashboard_shows_nps_with_interval_and_small_sample(client, people, data):
    client.force_login(people["lead"])
    response = client.get("/dashboards/teams/team-a1/")
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["overall"]["n"] == 6
    assert response.context["overall"]["nps"] == pytest.approx(100 * (3 - 2) / 6, abs=0.1)
    assert (
        response.context["overall"]["ci_low"]
        < response.context["overall"]["nps"]
        < response.context["overall"]["ci_high"]
    )
    assert "small sample" in html
    assert "<svg" in html
    assert "<polygon" in html


def test_dashboard_query_count_does_not_grow_with_data(client, people, data, django_assert_max_num_queries):
    client.force_login(people["manager"])
    client.get("/dashboards/")
    FeedbackFactory.create_batch(50, team=data["team_a2"])
    CaseFactory.create_batch(10, team=data["team_a2"])
    with django_assert_max_num_queries(30):
        assert client.get("/dashboards/").status_code == 200


def test_csv_export_neutralises_formulas(client, people, data):
    client.force_login(people["lead"])
    response = client.get("/dashboards/export/categories.csv", {"team": "team-a1"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "category"
    assert rows[1][0].startswith("'=")


def test_other_teams_dashboard_is_404(client, people, data):
    client.force_login(people["agent"])
    assert client.get("/dashboards/teams/team-b1/").status_code == 404
