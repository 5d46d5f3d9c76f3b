"""Fair rankings on the pages: teams ranked by shrunken NPS on the dashboards and the huddle review,
people's scores for their lead and manager only, and hidden below the minimum sample."""

from datetime import timedelta

import factory
import pytest
from django.utils import timezone

from cxloop.org.models import Role
from innerloop.huddles.selectors import review_board
from innerloop.models import CaseStatus
from innerloop.models.huddles import Huddle
from innerloop.rankings import beats_in_words
from tests.factories import CategoryFactory, FeedbackFactory, MembershipFactory, TeamFactory, UserFactory

from .factories import CaseFactory

pytestmark = pytest.mark.django_db


class HuddleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Huddle

    team = factory.SubFactory(TeamFactory)
    scheduled_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    period_end = factory.LazyAttribute(lambda huddle: huddle.scheduled_at)
    period_start = factory.LazyAttribute(lambda huddle: huddle.scheduled_at - timedelta(days=7))


def answers(team, *, promoters: int, passives: int, detractors: int) -> None:
    for score, count in ((10, promoters), (8, passives), (2, detractors)):
        FeedbackFactory.create_batch(count, team=team, score=score)


@pytest.fixture
def lucky_small_team(org):
    """Department A: team A1 with 3 answers, all promoters (+100 by luck); team A2 with 100 answers at
    +50; teams A3 and A4 with 100 answers each at +30 and +35."""
    answers(org["team_a1"], promoters=3, passives=0, detractors=0)
    answers(org["team_a2"], promoters=60, passives=30, detractors=10)
    third = TeamFactory(name="Team A3", slug="team-a3", department=org["dept_a"])
    answers(third, promoters=45, passives=40, detractors=15)
    fourth = TeamFactory(name="Team A4", slug="team-a4", department=org["dept_a"])
    answers(fourth, promoters=50, passives=35, detractors=15)
    return org


# --- teams on the dashboard ---


def test_department_dashboard_ranks_a_lucky_small_team_below_a_large_good_one(
    client, people, lucky_small_team
):
    # given
    client.force_login(people["manager"])
    # when
    response = client.get("/dashboards/departments/dept-a/")
    # then: by raw NPS A1 (+100, n = 3) would top the list; shrunk (to 38), A2 (+50 to 42, n = 100) leads
    assert response.status_code == 200
    order = [(team.slug, row["fair"]["rank"]) for team, row in response.context["teams"]]
    assert order == [("team-a2", 1), ("team-a1", 2), ("team-a4", 3), ("team-a3", 4)]
    small = {team.slug: row for team, row in response.context["teams"]}["team-a1"]
    assert small["nps"] == 100
    assert small["fair"]["nps"] < 100
    assert small["fair"]["ci_low"] < small["fair"]["nps"] < small["fair"]["ci_high"]
    html = response.content.decode()
    assert "Chance it truly beats the next" in html
    # A1's 3 answers leave it within chance of A2 above and A4 below: the page says so
    assert "cannot be told apart from the next" in html
    assert 0.5 < small["fair"]["beats_next"] < 0.65


def test_a_team_without_answers_is_listed_last_unranked(client, people, lucky_small_team):
    # given
    TeamFactory(name="Team A5", slug="team-a5", department=lucky_small_team["dept_a"])
    client.force_login(people["manager"])
    # when
    response = client.get("/dashboards/departments/dept-a/")
    # then
    last_team, last_row = response.context["teams"][-1]
    assert (last_team.slug, last_row["fair"]["rank"], last_row["fair"]["nps"]) == ("team-a5", None, None)


@pytest.mark.parametrize(
    ("probability", "words"),
    [
        (0.999, "almost certainly better than the next (> 99 %)"),
        (0.87, "probably better than the next (87 %)"),
        (0.7, "more likely than not better than the next (70 %)"),
        (0.55, "cannot be told apart from the next (55 %)"),
    ],
)
def test_the_chance_of_beating_the_next_is_said_in_words(probability, words):
    assert beats_in_words(probability) == words


# --- the huddle review board ---


def summary(*, n: int, promoters: int, detractors: int) -> dict:
    nps = {"n": n, "promoters": promoters, "passives": n - promoters - detractors, "detractors": detractors}
    figures = {
        **nps,
        "nps": 100 * (promoters - detractors) / n,
        "ci_low": -100,
        "ci_high": 100,
        "low_sample": True,
    }
    start = (timezone.now() - timedelta(days=8)).isoformat()
    end = (timezone.now() - timedelta(days=1)).isoformat()
    return {
        "nps": {"current": figures, "previous": figures, "trend": {"difference": 0, "p_value": 1}},
        "period": {"start": start, "end": end},
        "previous_period": {"start": start, "end": end},
        "cases": {},
        "shout_outs": [],
        "learning_moments": [],
    }


def test_review_board_ranks_teams_by_the_shrunken_nps_of_their_last_huddle(client, org, people):
    # given: A1's last huddle +100 on 2 answers, A2's +40 on 150, A4's +20 and A3's -20 on 150
    third = TeamFactory(name="Team A3", slug="team-a3", department=org["dept_a"])
    fourth = TeamFactory(name="Team A4", slug="team-a4", department=org["dept_a"])
    HuddleFactory(team=org["team_a1"], summary=summary(n=2, promoters=2, detractors=0))
    HuddleFactory(team=org["team_a2"], summary=summary(n=150, promoters=90, detractors=30))
    HuddleFactory(team=third, summary=summary(n=150, promoters=30, detractors=60))
    HuddleFactory(team=fourth, summary=summary(n=150, promoters=60, detractors=30))
    # when
    board = review_board(user=people["manager"])
    # then
    assert [(row.team.slug, row.fair["rank"]) for row in board] == [
        ("team-a2", 1),
        ("team-a1", 2),
        ("team-a4", 3),
        ("team-a3", 4),
    ]
    client.force_login(people["manager"])
    html = client.get("/huddles/review/").content.decode()
    assert "Rank 1" in html
    assert "fair NPS" in html


def test_review_board_lists_teams_without_a_huddle_last(org, people):
    # given
    HuddleFactory(team=org["team_a2"], summary=summary(n=20, promoters=5, detractors=10))
    # when
    board = review_board(user=people["manager"])
    # then
    assert [(row.team.slug, row.fair is None) for row in board] == [("team-a2", False), ("team-a1", True)]


# --- people: the recovery NPS of the cases they resolved ---


def resolved_by(person, team, *, scores: list[int]) -> None:
    cause = CategoryFactory(slug="billing", name="Billing")
    for score in scores:
        CaseFactory(
            team=team, assignee=person, status=CaseStatus.RESOLVED, resolved_at=timezone.now(),
            root_cause=cause, resolution_note="Refunded", recovery_score=score,
        )  # fmt: skip


@pytest.fixture
def agents(org, people, settings):
    """Team A1's agent resolved 4 cases (recovery scores 10, 10, 9, 7); a second agent only 2."""
    settings.CXLOOP_MIN_INDIVIDUAL_N = 3
    second = UserFactory(username="agent-a1-second", first_name="Sam")
    MembershipFactory(user=second, role=Role.AGENT, team=org["team_a1"])
    resolved_by(people["agent"], org["team_a1"], scores=[10, 10, 9, 7])
    resolved_by(second, org["team_a1"], scores=[3, 2])
    return {"first": people["agent"], "second": second}


def test_team_lead_sees_their_people_ranked_and_small_samples_hidden(client, people, agents):
    # given
    client.force_login(people["lead"])
    # when
    response = client.get("/dashboards/teams/team-a1/")
    # then
    scores = response.context["agents"]
    rows = {row["member"].user.username: row for row in scores.rows}
    assert rows["agent-a1"]["shown"] is True
    assert rows["agent-a1"]["n"] == 4
    assert rows["agent-a1"]["fair"]["raw_nps"] == 75
    assert rows["agent-a1"]["fair"]["rank"] == 1
    assert rows["agent-a1-second"]["shown"] is False
    assert rows["agent-a1-second"]["fair"] is None
    html = response.content.decode()
    assert "too few answers to show" in html
    assert "People, ranked fairly" in html


def test_the_departments_manager_sees_the_teams_people(client, people, agents):
    client.force_login(people["manager"])
    response = client.get("/dashboards/teams/team-a1/")
    assert response.context["agents"] is not None


@pytest.mark.parametrize("person", ["agent", "committee"])
def test_colleagues_and_the_committee_do_not_see_individual_scores(client, people, agents, person):
    # given
    client.force_login(people[person])
    # when
    response = client.get("/dashboards/teams/team-a1/")
    # then
    assert response.status_code == 200
    assert response.context["agents"] is None
    assert "People, ranked fairly" not in response.content.decode()


def test_the_customers_own_recovery_answer_counts_instead_of_the_recorded_score(client, people, agents):
    # given: the customer themself answered 2 on a case whose recorded score is 9
    resolved_by(agents["first"], people["agent"].memberships.first().team, scores=[9])
    case = agents["first"].assigned_cases.filter(recovery_score=9).first()
    case.customer_recovery_score, case.customer_recovery_at = 2, timezone.now()
    case.save(update_fields=["customer_recovery_score", "customer_recovery_at"])
    client.force_login(people["lead"])
    # when
    response = client.get("/dashboards/teams/team-a1/")
    # then: 10, 10, 9, 7 and the customer's 2: 3 promoters and 1 detractor of 5
    row = next(row for row in response.context["agents"].rows if row["member"].user == agents["first"])
    assert row["n"] == 5
    assert row["fair"]["raw_nps"] == 40


def test_team_page_with_people_keeps_its_query_count(client, people, agents, django_assert_max_num_queries):
    client.force_login(people["lead"])
    client.get("/dashboards/teams/team-a1/")
    resolved_by(agents["second"], people["agent"].memberships.first().team, scores=[9, 9, 9, 9])
    with django_assert_max_num_queries(30):
        assert client.get("/dashboards/teams/team-a1/").status_code == 200


# --- the API ---


def test_team_ranking_api_ranks_as_the_dashboard_does(client, people, lucky_small_team):
    # given
    client.force_login(people["manager"])
    # when
    response = client.get("/api/v1/rankings/teams/", {"department": "dept-a"})
    # then
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(row["team"], row["fair"]["rank"]) for row in results] == [
        ("team-a2", 1),
        ("team-a1", 2),
        ("team-a4", 3),
        ("team-a3", 4),
    ]
    assert results[1]["nps"] == 100
    assert results[1]["fair"]["ci_low"] < results[1]["fair"]["nps"] < results[1]["fair"]["ci_high"]
    assert 0.5 < results[1]["fair"]["beats_next"] < 0.65


def test_team_ranking_api_refuses_a_department_the_caller_may_not_see(client, people, org):
    client.force_login(people["manager"])
    response = client.get("/api/v1/rankings/teams/", {"department": "dept-b"})
    assert response.status_code == 400
    assert response.json() == {"department": ["No department you may see has this slug."]}


def test_people_ranking_api_gives_the_lead_scores_only_above_the_minimum(client, people, agents):
    # given
    client.force_login(people["lead"])
    # when
    response = client.get("/api/v1/rankings/people/team-a1/")
    # then
    assert response.status_code == 200
    body = response.json()
    rows = {row["person"]: row for row in body["results"]}
    assert body["min_n"] == 3
    assert rows[agents["first"].pk]["fair"]["raw_nps"] == 75
    assert (rows[agents["second"].pk]["shown"], rows[agents["second"].pk]["fair"]) == (False, None)


def test_people_ranking_api_refuses_colleagues_and_other_departments(client, people, agents):
    # an agent of the team: a role that does not see people's scores
    client.force_login(people["agent"])
    assert client.get("/api/v1/rankings/people/team-a1/").status_code == 403
    # the lead of team A1 asking about a team of another department: no such team for them
    client.force_login(people["lead"])
    assert client.get("/api/v1/rankings/people/team-b1/").status_code == 404


def test_team_ranking_api_query_count_does_not_grow_with_teams(
    client, people, lucky_small_team, django_assert_max_num_queries
):
    # given: five more teams in the department
    for index in range(5):
        team = TeamFactory(department=lucky_small_team["dept_a"], slug=f"extra-{index}")
        answers(team, promoters=2, passives=1, detractors=1)
    client.force_login(people["committee"])
    # when / then
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/rankings/teams/")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 3 + 2 + 5
