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


# One family of overview pages: the team, department and organisation overviews are the dashboards.


@pytest.mark.parametrize(
    ("person", "url", "landing"),
    [
        ("agent", "/my-team/", "/dashboards/teams/team-a1/"),
        ("agent", "/teams/team-a1/", "/dashboards/teams/team-a1/"),
        ("manager", "/my-department/", "/dashboards/departments/dept-a/"),
        ("manager", "/departments/dept-a/", "/dashboards/departments/dept-a/"),
        ("committee", "/organisation/", "/dashboards/"),
    ],
)
def test_the_old_overview_addresses_lead_to_the_dashboards(client, people, person, url, landing):
    # given
    client.force_login(people[person])
    # when
    response = client.get(url, follow=True)
    # then
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == landing


def test_department_dashboard_lists_every_team_with_interval_and_small_sample(client, people, data):
    # given: team A1 has six answers (3 promoters, 1 passive, 2 detractors), team A2 none
    client.force_login(people["manager"])
    # when
    response = client.get("/dashboards/departments/dept-a/")
    # then
    assert response.status_code == 200
    teams = {team.slug: row for team, row in response.context["teams"]}
    assert list(teams) == ["team-a1", "team-a2"]
    a1 = teams["team-a1"]
    assert (a1["n"], a1["promoters"], a1["passives"], a1["detractors"]) == (6, 3, 1, 2)
    assert a1["nps"] == pytest.approx(100 * (3 - 2) / 6, abs=0.01)
    assert a1["ci_low"] < a1["nps"] < a1["ci_high"]
    assert a1["low_sample"] is True
    assert (teams["team-a2"]["n"], teams["team-a2"]["nps"], teams["team-a2"]["low_sample"]) == (0, None, True)
    assert response.context["overall"]["n"] == 6
    assert response.context["departments"] == []


def test_a_manager_may_not_open_another_departments_dashboard(client, people, data):
    client.force_login(people["manager"])
    assert client.get("/dashboards/departments/dept-b/").status_code == 404
    client.force_login(people["agent"])
    assert client.get("/dashboards/departments/dept-a/").status_code == 403


def test_organisation_dashboard_lists_every_department(client, people, data):
    # given
    FeedbackFactory(team=data["team_b1"], score=10)
    client.force_login(people["committee"])
    # when
    response = client.get("/organisation/", follow=True)
    # then: department A holds team A1's six answers, department B its one promoter
    departments = {department.slug: row for department, row in response.context["departments"]}
    assert (departments["dept-a"]["n"], departments["dept-b"]["n"]) == (6, 1)
    assert departments["dept-a"]["nps"] == pytest.approx(100 * (3 - 2) / 6, abs=0.01)
    assert departments["dept-b"]["nps"] == 100
    assert departments["dept-a"]["ci_low"] < departments["dept-a"]["nps"] < departments["dept-a"]["ci_high"]
    assert {"team-a1", "team-a2", "team-b1"} <= {team.slug for team, _ in response.context["teams"]}
    assert "small sample" in response.content.decode()


def test_team_dashboard_shows_latest_feedback_and_members(client, people, data):
    # given
    FeedbackFactory(team=data["team_a1"], comment="The courier left it in the rain.")
    client.force_login(people["agent"])
    # when
    html = client.get("/dashboards/teams/team-a1/").content.decode()
    # then
    assert "The courier left it in the rain." in html
    assert "agent-a1" in html or people["agent"].get_full_name() in html
