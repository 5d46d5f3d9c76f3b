"""Dashboards: the period picker (validated, kept in links), the team switcher (only teams of one's
scope), and every number a link to the feedback or cases behind it."""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.template.defaultfilters import floatformat
from django.utils import timezone

from innerloop.models import CaseStatus
from tests.factories import CategoryFactory, FeedbackFactory, TouchpointFactory

from .factories import CaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def answers(org):
    """Team A1: six recent answers at the checkout, one coded; one from 60 days ago; team A2 one."""
    checkout = TouchpointFactory(slug="checkout", name="Checkout")
    rude = CategoryFactory(slug="rude", name="Rude staff")
    for score in (10, 9, 9, 3, 8):
        FeedbackFactory(team=org["team_a1"], touchpoint=checkout, score=score)
    FeedbackFactory(team=org["team_a1"], touchpoint=checkout, score=2, confirmed_category=rude)
    FeedbackFactory(team=org["team_a1"], score=0, occurred_at=datetime.now(UTC) - timedelta(days=60))
    FeedbackFactory(team=org["team_a2"], score=10)
    return org


# --- the period picker ---


@pytest.mark.parametrize(
    ("period", "n"),
    [("", 6), ("30", 6), ("90", 7), ("365", 7)],
)
def test_the_period_picker_chooses_the_window(client, people, answers, period, n):
    client.force_login(people["lead"])
    response = client.get("/dashboards/teams/team-a1/", {"period": period})
    assert response.status_code == 200
    assert response.context["overall"]["n"] == n
    assert response.context["period"].days == int(period or 30)


def test_a_custom_period_is_read_and_kept_in_every_link(client, people, answers):
    # given: the 60-day-old answer alone lies in this range
    client.force_login(people["manager"])
    day = timezone.localdate() - timedelta(days=60)
    query = {
        "period": "custom",
        "date_from": (day - timedelta(days=2)).isoformat(),
        "date_to": day.isoformat(),
    }
    # when
    response = client.get("/dashboards/departments/dept-a/", query)
    # then
    assert response.status_code == 200
    assert response.context["overall"]["n"] == 1
    html = response.content.decode()
    team_link = f'href="/dashboards/teams/team-a1/?period=custom&amp;date_from={query["date_from"]}'
    assert team_link in html
    assert f"date_to={query['date_to']}" in html
    assert (
        f"/dashboards/export/stages.csv?department=dept-a&amp;period=custom&amp;date_from={query['date_from']}"
        in html
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"period": "7"}, "period"),
        ({"period": "custom"}, "date_from"),
        ({"period": "custom", "date_from": "2026-01-01"}, "date_to"),
        ({"period": "custom", "date_from": "2026-02-30", "date_to": "2026-03-01"}, "date_from"),
        ({"period": "custom", "date_from": "2026-03-02", "date_to": "2026-03-01"}, "date_to"),
        ({"period": "custom", "date_from": "2020-01-01", "date_to": "2026-01-01"}, "date_from"),
        ({"period": "custom", "date_from": "0001-01-01", "date_to": "0001-01-05"}, "date_from"),
        ({"period": "custom", "date_from": "2026-01-01", "date_to": "2999-01-01"}, "date_to"),
        ({"period": "custom", "date_from": "x" * 500, "date_to": "2026-01-01"}, "date_from"),
    ],
)
@pytest.mark.parametrize("path", ["/dashboards/", "/dashboards/teams/team-a1/"])
def test_a_bad_period_is_a_form_error_naming_the_field(client, people, answers, query, field, path):
    # given
    client.force_login(people["manager"])
    # when
    response = client.get(path, query)
    # then: the page, with the error beside the field, on the default 30 days; never a 500
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert response.context["period"].days == 30
    assert f'id="id_{field}_error"' in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()


def test_a_bad_period_on_the_csv_export_is_a_400(client, people, answers):
    client.force_login(people["lead"])
    response = client.get("/dashboards/export/stages.csv", {"team": "team-a1", "period": "custom"})
    assert response.status_code == 400


# --- the team switcher ---


def test_a_manager_switches_to_a_team_of_their_department_keeping_the_period(client, people, answers):
    client.force_login(people["manager"])
    response = client.get("/dashboards/", {"team": "team-a2", "period": "90"})
    assert response.status_code == 302
    assert response["Location"] == "/dashboards/teams/team-a2/?period=90"


def test_the_switcher_offers_only_the_teams_in_scope(client, people, answers):
    client.force_login(people["manager"])
    response = client.get("/dashboards/")
    offered = [team.slug for team in response.context["form"].fields["team"].queryset]
    assert offered == ["team-a1", "team-a2"]
    client.force_login(people["committee"])
    response = client.get("/dashboards/")
    assert {team.slug for team in response.context["form"].fields["team"].queryset} == {
        "team-a1",
        "team-a2",
        "team-b1",
    }


def test_a_manager_cannot_switch_to_another_departments_team_by_editing_the_url(client, people, answers):
    client.force_login(people["manager"])
    # the switcher's parameter: a form error, no redirect, no figures of team B1
    response = client.get("/dashboards/", {"team": "team-b1"})
    assert response.status_code == 400
    assert "team" in response.context["form"].errors
    assert "Team B1" not in response.content.decode()
    # the team page's address: not found
    assert client.get("/dashboards/teams/team-b1/").status_code == 404
    assert client.get("/dashboards/teams/team-a2/", {"team": "team-b1"}).status_code == 400


def test_the_team_page_switcher_shows_the_team_and_stays_when_only_the_period_changes(
    client, people, answers
):
    client.force_login(people["manager"])
    response = client.get("/dashboards/teams/team-a1/", {"team": "team-a1", "period": "365"})
    assert response.status_code == 200
    assert response.context["overall"]["n"] == 7
    assert '<option value="team-a1" selected>' in response.content.decode()


def test_agents_and_leads_have_no_team_switcher(client, people, answers):
    client.force_login(people["lead"])
    response = client.get("/dashboards/teams/team-a1/", {"team": "team-a2"})
    assert response.status_code == 200
    assert "team" not in response.context["form"].fields
    assert response.context["scope"] == answers["team_a1"]


# --- every number a link to what is behind it ---


def _follow(client, href: str):
    response = client.get(href)
    assert response.status_code == 200, href
    return response


def _count(response) -> int:
    return response.context["page"].paginator.count


def test_the_headline_and_row_numbers_link_to_exactly_the_feedback_behind_them(client, people, answers):
    # given
    client.force_login(people["manager"])
    # when
    response = client.get("/dashboards/departments/dept-a/")
    # then: the headline, each team, the touchpoint and the category list what they count
    overall = response.context["overall"]
    assert _count(_follow(client, overall["href"])) == overall["n"] == 7
    assert _count(_follow(client, response.context["links"].promoters())) == overall["promoters"] == 4
    assert _count(_follow(client, response.context["links"].detractors())) == overall["detractors"] == 2
    for team, row in response.context["teams"]:
        listed = _follow(client, row["href"])
        assert _count(listed) == row["n"]
        assert {item.team_id for item in listed.context["page"].object_list} == {team.pk}
    touchpoint = next(row for row in response.context["touchpoints"] if row["group"]["touchpoint"])
    assert _count(_follow(client, touchpoint["href"])) == touchpoint["n"] == 6
    # answers with no touchpoint: the explorer cannot list "none", so no link rather than a wrong one
    nowhere = next(row for row in response.context["touchpoints"] if row["group"]["touchpoint"] is None)
    assert (nowhere["n"], nowhere["href"]) == (1, None)
    (category,) = response.context["categories"]
    listed = _follow(client, category["href"])
    assert _count(listed) == category["n"] == 1
    assert listed.context["page"].object_list[0].confirmed_category.slug == "rude"


def test_the_previous_period_links_to_its_own_feedback(client, people, answers):
    # given: 90 days now; the 60-day-old answer is in it, and nothing lies in the 90 days before
    FeedbackFactory(team=answers["team_a1"], score=9, occurred_at=datetime.now(UTC) - timedelta(days=100))
    client.force_login(people["lead"])
    response = client.get("/dashboards/teams/team-a1/", {"period": "90"})
    overall = response.context["overall"]
    assert overall["previous"]["n"] == 1
    before = overall["previous"]
    text = " ".join(response.content.decode().split())
    low, high = floatformat(before["ci_low"], 0), floatformat(before["ci_high"], 0)
    assert f"before (95 % interval {low} to {high}, n = 1)" in text
    assert _count(_follow(client, overall["previous_href"])) == 1
    assert _count(_follow(client, overall["href"])) == 7


def test_the_loop_closure_figures_link_to_the_cases_opened_in_the_period(client, people, answers):
    # given: two cases of team A1 opened now (one resolved), one opened 40 days ago, one of team B1
    CaseFactory(team=answers["team_a1"])
    CaseFactory(
        team=answers["team_a1"],
        status=CaseStatus.RESOLVED,
        root_cause=CategoryFactory(slug="late"),
        resolution_note="Sent a new one.",
    )
    old = CaseFactory(team=answers["team_a1"])
    old.created_at = timezone.now() - timedelta(days=40)
    old.save(update_fields=["created_at"])
    CaseFactory(team=answers["team_b1"])
    client.force_login(people["manager"])
    # when
    response = client.get("/dashboards/departments/dept-a/")
    # then
    assert response.context["closure"]["cases"] == 2
    href = response.context["links"].cases()
    assert f'href="{href.replace("&", "&amp;")}"' in response.content.decode()
    params = parse_qs(urlsplit(href).query)
    assert params["department"] == ["dept-a"]
    queue = _follow(client, href)
    assert len(queue.context["cases"]) == 2
    assert queue.context["filter_form"].errors == {}


def test_a_department_filter_on_the_queue_is_only_for_departments_in_scope(client, people, answers):
    CaseFactory(team=answers["team_a1"])
    client.force_login(people["manager"])
    response = client.get("/cases/", {"department": "dept-b"})
    assert "department" in response.context["filter_form"].errors
    client.force_login(people["agent"])
    assert "department" not in client.get("/cases/").context["filter_form"].fields
