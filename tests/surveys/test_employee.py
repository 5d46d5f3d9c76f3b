"""Employee surveys: sending to the active members of teams (administrators any team, managers their
own department's), and results that never show a group of fewer than 5 answers, directly or by
subtraction, nor anything per person; employees' themes count towards the same signals."""

import itertools
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cxloop.core.exceptions import ApplicationError, NotPermitted
from cxloop.core.models import AuditEvent
from cxloop.core.stats import nps_figures
from cxloop.org.models import Role
from feedback.models import Feedback, Survey, SurveyInvitation
from feedback.surveys.employee import employee_results, employee_survey_send
from feedback.surveys.metrics import disclosure
from feedback.surveys.rounds import survey_rounds
from innerloop.models import Case
from innerloop.services.triage import triage_pending
from outerloop.services.detection import cells_count
from tests.factories import (
    CategoryFactory,
    FeedbackFactory,
    InviteInvitationFactory,
    InviteSurveyFactory,
    MembershipFactory,
    SourceFactory,
    UserFactory,
)
from tests.innerloop.factories import CaseRuleFactory

pytestmark = pytest.mark.django_db
SECRET_COMMENT = "only-one-person-wrote-this"


@pytest.fixture
def survey():
    return InviteSurveyFactory(
        name="Pulse", slug="pulse", audience=Survey.Audience.EMPLOYEES, source=SourceFactory(kind="employee")
    )


_numbers = itertools.count()


def _staff(team, count, role=Role.AGENT, **fields):
    users = []
    for _ in range(count):
        user = UserFactory(email=f"person-{next(_numbers)}@staff.test", **fields)
        MembershipFactory(user=user, team=team, role=role)
        users.append(user)
    return users


# --- sending ---


def test_a_manager_asks_every_active_member_of_their_departments_teams_once_per_round(survey, org, people):
    # given: team A1 has the agent and the lead of `people` and 3 more, one of them inactive; team A2
    # has 2, one of whom is also on A1
    a1, a2 = org["team_a1"], org["team_a2"]
    for user in (people["agent"], people["lead"]):
        user.email = f"{user.username}@staff.test"
        user.save()
    extra = _staff(a1, 2)
    _staff(a1, 1, is_active=False)
    on_a2 = _staff(a2, 2)
    both = on_a2[0]
    MembershipFactory(user=both, team=a1, role=Role.AGENT)
    # when
    first = employee_survey_send(survey=survey, teams=[a1, a2], actor=people["manager"], run="2026-q4")
    again = employee_survey_send(survey=survey, teams=[a1, a2], actor=people["manager"], run="2026-q4")
    # then
    assert (first.people, first.scheduled, first.errors) == (6, 6, 0)
    assert (again.scheduled, again.duplicates) == (0, 6)
    invitations = SurveyInvitation.objects.filter(survey=survey)
    assert invitations.count() == 6
    everyone = [people["agent"], people["lead"], *extra, *on_a2]
    assert {i.employee_id for i in invitations} == {user.pk for user in everyone}
    assert invitations.get(employee=both).team == a1  # asked once, for the first team
    assert invitations.get(employee=people["agent"]).transaction_id == f"pulse:2026-q4:{people['agent'].pk}"
    assert all(i.customer_id is None for i in invitations)
    audits = AuditEvent.objects.filter(verb="survey.sent_to_staff").order_by("pk")
    assert [(a.data["teams"], a.data["scheduled"]) for a in audits] == [
        (["team-a1", "team-a2"], 6),
        (["team-a1", "team-a2"], 0),
    ]


def test_a_manager_may_not_send_to_another_departments_team(survey, org, people):
    with pytest.raises(NotPermitted):
        employee_survey_send(survey=survey, teams=[org["team_b1"]], actor=people["manager"])
    assert not SurveyInvitation.objects.exists()


@pytest.mark.parametrize("role", ["lead", "agent", "committee"])
def test_only_managers_and_admins_send(survey, org, people, role):
    with pytest.raises(NotPermitted):
        employee_survey_send(survey=survey, teams=[org["team_a1"]], actor=people[role])


def test_an_admin_sends_to_any_team(survey, org, people):
    _staff(org["team_b1"], 2)
    result = employee_survey_send(survey=survey, teams=[org["team_b1"]], actor=people["admin"])
    assert result.scheduled == 2


def test_a_customer_survey_is_not_sent_to_staff(org, people):
    with pytest.raises(ApplicationError):
        employee_survey_send(survey=InviteSurveyFactory(), teams=[org["team_a1"]], actor=people["admin"])


def test_the_send_page_lists_only_the_managers_teams_and_refuses_others(client, survey, org, people):
    # given
    client.force_login(people["manager"])
    url = reverse("surveys:send-to-staff", args=[survey.slug])
    _staff(org["team_a2"], 2)
    # when
    page = client.get(url).content.decode()
    refused = client.post(url, {"teams": [org["team_b1"].pk], "run": "2026-12"})
    sent = client.post(url, {"teams": [org["team_a2"].pk], "run": "2026-12"}, follow=True)
    # then
    assert "Team A2" in page
    assert "Team B1" not in page
    assert refused.status_code == 400
    assert SurveyInvitation.objects.filter(team=org["team_a2"]).count() == 2
    assert "2 people asked." in sent.content.decode()


def test_the_send_page_is_for_managers_and_admins_only(client, survey, people):
    client.force_login(people["lead"])
    assert client.get(reverse("surveys:send-to-staff", args=[survey.slug])).status_code == 403


# --- what may be shown ---


def test_a_small_team_is_hidden_and_so_is_a_team_that_would_give_it_away():
    # given: department 1 has teams 10 (10 answers) and 11 (3): the department's 13 less team 10's
    # 10 would be team 11's 3
    shown = disclosure({10: (1, 10), 11: (1, 3)})
    # then
    assert (shown.overall, shown.departments, shown.teams) == (True, {1}, frozenset())


def test_the_smallest_team_is_hidden_to_cover_a_small_one():
    shown = disclosure({10: (1, 10), 11: (1, 6), 12: (1, 3)})
    assert shown.teams == {10}


def test_a_department_that_would_give_away_a_small_one_is_hidden_with_its_teams():
    # given: department 1 (11 answers) and department 2 (3): the whole less department 1 is department 2
    shown = disclosure({10: (1, 6), 11: (1, 5), 20: (2, 3)})
    # then
    assert (shown.overall, shown.departments, shown.teams) == (True, frozenset(), frozenset())


def test_answers_tied_to_no_team_count_as_hidden():
    shown = disclosure({10: (1, 6), 20: (2, 6), None: (None, 2)})
    assert (shown.departments, shown.teams) == ({2}, {20})


def test_fewer_than_five_answers_in_all_show_nothing():
    shown = disclosure({10: (1, 4)})
    assert (shown.overall, shown.departments, shown.teams) == (False, frozenset(), frozenset())


# --- results ---


def _round_sent(survey, name, *, team=None):
    """A round of the survey, as sending it leaves it: an employee's invitation of that round."""
    employee = UserFactory()
    return InviteInvitationFactory(
        survey=survey, customer=None, employee=employee, team=team,
        transaction_id=f"{survey.slug}:{name}:{employee.pk}",
    )  # fmt: skip


def _results(user, survey, name="2026-05"):
    (survey_round,) = [item for item in survey_rounds(survey=survey) if item.name == name]
    return employee_results(user=user, survey=survey, survey_round=survey_round)


@pytest.fixture
def answers(survey, org):
    """Round 2026-05. Team A1: 6 answers (3 promoters, 1 passive, 2 detractors), team A2: 5, team B1:
    3; most coded "Staffing"; one comment written by only one person. Customers of team A1 mention
    "Delivery"."""
    _round_sent(survey, "2026-05")
    staffing = CategoryFactory(name="Staffing")
    delivery = CategoryFactory(name="Delivery")

    def answer(team, score, **fields):
        return FeedbackFactory(
            source=survey.source, customer=None, team=team, score=score,
            metadata={"survey": survey.slug, "round": "2026-05"}, confirmed_category=staffing, **fields,
        )  # fmt: skip

    for score in (10, 9, 9, 8, 3, 5):
        answer(org["team_a1"], score)
    for score in (9, 9, 7, 7, 2):
        answer(org["team_a2"], score, comment=SECRET_COMMENT if score == 2 else "fine")
    for score in (0, 1, 2):
        answer(org["team_b1"], score)
    for _ in range(3):
        FeedbackFactory(team=org["team_a1"], confirmed_category=delivery)
    FeedbackFactory(team=org["team_a1"], confirmed_category=staffing)
    return {"staffing": staffing, "delivery": delivery}


def test_a_manager_sees_their_departments_enps_by_team_with_intervals(survey, answers, people):
    # when
    results = _results(people["manager"], survey)
    # then
    teams = {group.label: group for group in results.teams}
    assert teams["Team A1"].answers == 6
    assert (teams["Team A1"].enps, teams["Team A1"].ci_low, teams["Team A1"].ci_high) == pytest.approx(
        nps_figures(3, 1, 2)
    )
    assert teams["Team A1"].themes == (("Staffing", 6),)
    assert results.overall.answers == 11
    assert [group.label for group in results.departments] == ["Department A"]
    assert "Team B1" not in teams  # another department


def test_the_committee_cannot_work_out_a_small_department_by_subtraction(survey, answers, people):
    # when: department B has 3 answers; the whole has 14
    results = _results(people["committee"], survey)
    # then: department A (and its teams) is hidden too, or the whole less A would be B
    assert results.overall.answers == 14
    assert all(group.hidden for group in results.departments + results.teams)


def test_a_lead_sees_only_their_team(survey, answers, people):
    results = _results(people["lead"], survey)
    assert [group.label for group in results.teams] == ["Team A1"]
    assert not results.shows_departments


def test_employee_themes_show_beside_customers(survey, answers, people):
    # when
    results = _results(people["manager"], survey)
    # then: employees raise Staffing; customers of the same teams mostly Delivery
    assert results.themes == [("Staffing", 11, 100.0, 25.0)]
    assert results.customer_themes == [("Delivery", 3, 75.0), ("Staffing", 1, 25.0)]


def test_the_results_page_shows_groups_never_a_person(client, survey, answers, people, org):
    # given: a team of 2 in department B answered too
    FeedbackFactory(source=survey.source, customer=None, team=org["team_b1"], score=0,
                    metadata={"survey": survey.slug, "round": "2026-05"}, comment=SECRET_COMMENT)  # fmt: skip
    client.force_login(people["manager"])
    # when
    html = client.get(reverse("surveys:results", args=[survey.slug])).content.decode()
    # then
    assert "Team A1" in html
    assert "Staffing" in html
    assert SECRET_COMMENT not in html
    assert "Team B1" not in html
    client.force_login(people["committee"])
    committee = client.get(reverse("surveys:results", args=[survey.slug])).content.decode()
    assert "Fewer than 5 answers: not shown, to keep answers anonymous" in committee
    assert SECRET_COMMENT not in committee


def test_a_customer_survey_has_no_employee_results_page(client, people):
    client.force_login(people["admin"])
    response = client.get(reverse("surveys:results", args=[InviteSurveyFactory().slug]))
    assert response.status_code == 404


def test_employee_answers_count_towards_the_same_signals_as_customers(survey, org):
    # given: a category employees of two teams raise in the last weeks, not in the months before
    category = CategoryFactory(name="Broken tills")
    now = timezone.now()
    for team in (org["team_a1"], org["team_b1"]):
        for day in range(10):
            FeedbackFactory(
                source=survey.source, customer=None, team=team, score=None, scale=None,
                confirmed_category=category, occurred_at=now - timedelta(days=day + 1),
            )  # fmt: skip
        for day in range(40):
            FeedbackFactory(source=survey.source, customer=None, team=team, score=None, scale=None,
                            occurred_at=now - timedelta(days=30 + day))  # fmt: skip
    # when
    cells = [cell for cell in cells_count(end=now) if cell.category_id == category.pk]
    # then
    assert len(cells) == 1
    assert cells[0].recent == 20
    assert cells[0].rising_teams.keys() == {org["team_a1"].pk, org["team_b1"].pk}


def test_an_employees_low_score_opens_no_case(survey, org):
    # given: a rule that opens a case for every NPS detractor, and an employee's answer of 2
    CaseRuleFactory(scales=["nps"], score_max=6)
    answer = FeedbackFactory(source=survey.source, customer=None, team=org["team_a1"], score=2,
                             metadata={"survey": survey.slug}, processed_at=timezone.now())  # fmt: skip
    # when
    triage_pending(feedback_ids=[answer.pk])
    # then
    assert not Case.objects.exists()
    assert Feedback.objects.get(pk=answer.pk).triage_result["case"] is None


# --- rounds: one at a time, never a total over rounds or periods ---


def test_results_count_only_the_rounds_answers_never_an_earlier_rounds_nor_unrounded_ones(
    survey, org, people
):
    # given: round 2026-04 with 5 answers in team A1, round 2026-05 with 6, and 2 answers of no round
    for name, count in (("2026-04", 5), ("2026-05", 6)):
        _round_sent(survey, name)
        for _ in range(count):
            FeedbackFactory(source=survey.source, customer=None, team=org["team_a1"], score=9,
                            metadata={"survey": survey.slug, "round": name})  # fmt: skip
    for _ in range(2):
        FeedbackFactory(source=survey.source, customer=None, team=org["team_a1"], score=0,
                        metadata={"survey": survey.slug})  # fmt: skip
    SurveyInvitation.objects.filter(transaction_id__contains=":2026-04:").update(
        created_at=timezone.now() - timedelta(days=30)
    )
    # when
    rounds = survey_rounds(survey=survey)
    april, may = (
        _results(people["manager"], survey, "2026-04"),
        _results(people["manager"], survey, "2026-05"),
    )
    # then: newest first, each round its own answers only
    assert [item.name for item in rounds] == ["2026-05", "2026-04"]
    assert rounds[1].ended == rounds[0].started
    assert (april.overall.answers, may.overall.answers) == (5, 6)


def test_the_results_page_shows_the_newest_round_and_offers_no_period_nor_total(client, survey, org, people):
    # given
    _round_sent(survey, "2026-04")
    SurveyInvitation.objects.update(created_at=timezone.now() - timedelta(days=30))
    _round_sent(survey, "2026-05")
    for _ in range(5):
        FeedbackFactory(source=survey.source, customer=None, team=org["team_a1"], score=9,
                        metadata={"survey": survey.slug, "round": "2026-04"})  # fmt: skip
    client.force_login(people["manager"])
    url = reverse("surveys:results", args=[survey.slug])
    # when
    newest = client.get(url).content.decode()
    april = client.get(url, {"round": "2026-04"}).content.decode()
    forged = client.get(url, {"days": "all", "round": "no-such-round"})
    # then
    assert "No answers in this round." in newest
    assert '<option value="2026-05" selected>' in newest
    assert "any time" not in newest
    assert "Team A1" in april
    assert forged.status_code == 200
    assert "Select a valid choice" in forged.content.decode()
    assert "Team A1" not in forged.content.decode()  # the newest round, which has no answers


def test_a_survey_never_sent_has_no_round_to_show(client, survey, people):
    client.force_login(people["manager"])
    html = client.get(reverse("surveys:results", args=[survey.slug])).content.decode()
    assert "there is no round to show" in html


def test_a_round_name_cannot_carry_the_transaction_ids_separator(survey, org, people):
    with pytest.raises(ApplicationError):
        employee_survey_send(survey=survey, teams=[org["team_a1"]], actor=people["manager"], run="2026:5")
    assert not SurveyInvitation.objects.exists()


def test_each_person_is_invited_once_per_round_whichever_teams_the_round_is_sent_to(survey, org, people):
    # given: a person on teams A1 and A2
    both = _staff(org["team_a1"], 1)[0]
    MembershipFactory(user=both, team=org["team_a2"], role=Role.AGENT)
    # when: the round is sent to A1, then to A2, then to both again
    for teams in ([org["team_a1"]], [org["team_a2"]], [org["team_a1"], org["team_a2"]]):
        employee_survey_send(survey=survey, teams=teams, actor=people["manager"], run="2026-06")
    # then
    assert SurveyInvitation.objects.filter(employee=both).count() == 1
    invited = SurveyInvitation.objects.values_list("employee_id", flat=True)
    assert len(invited) == len(set(invited))
