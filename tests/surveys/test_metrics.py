"""Survey metrics: what became of the invitations, per survey, touchpoint and team, counted from the
rows, with the response rate's Wilson interval, within what each role may see; and the pages."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cxloop.core.stats import wilson_interval
from feedback.models import Survey, SurveyInvitation
from feedback.surveys.metrics import (
    survey_figures,
    survey_figures_by_survey,
    survey_figures_by_team,
    survey_figures_by_touchpoint,
)
from tests.factories import (
    CustomerFactory,
    InviteInvitationFactory,
    InviteSurveyFactory,
    SourceFactory,
    TouchpointFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
Reason = SurveyInvitation.Reason
Status = SurveyInvitation.Status


def _invitation(survey, team, *, sent=True, **fields):
    now = timezone.now()
    values = {"sent_at": now if sent else None, "status": Status.SENT if sent else Status.SCHEDULED}
    values.update(fields)
    return InviteInvitationFactory(survey=survey, team=team, **values)


@pytest.fixture
def survey(org):
    """A customer survey: in team A1 10 sent (4 delivered, 3 opened, 1 bounced, 4 answered, one of
    whose customer complained) and 2 suppressed; in team B1 5 sent (1 answered); none without a team."""
    survey = InviteSurveyFactory(name="After delivery", touchpoint=TouchpointFactory(name="Delivery"))
    now = timezone.now()
    a1, b1 = org["team_a1"], org["team_b1"]
    complainer = CustomerFactory(email_complained_at=now)
    for i in range(10):
        _invitation(
            survey,
            a1,
            delivered_at=now if i < 4 else None,
            opened_at=now if i < 3 else None,
            bounced_at=now if i == 9 else None,
            status=Status.ANSWERED if i < 4 else (Status.BOUNCED if i == 9 else Status.SENT),
            answered_at=now if i < 4 else None,
            customer=complainer if i == 0 else CustomerFactory(),
        )
    _invitation(survey, a1, sent=False, status=Status.SUPPRESSED, suppressed_reason=Reason.DO_NOT_CONTACT)
    _invitation(survey, a1, sent=False, status=Status.SUPPRESSED, suppressed_reason=Reason.RECENTLY_ANY)
    for i in range(5):
        _invitation(survey, b1, status=Status.ANSWERED if i == 0 else Status.SENT,
                    answered_at=now if i == 0 else None)  # fmt: skip
    _invitation(survey, None, sent=False)  # scheduled, tied to no team
    return survey


def test_figures_count_each_fate_and_give_the_response_rate_with_its_wilson_interval(survey, people):
    # when
    figures = survey_figures(user=people["admin"], survey=survey)
    # then
    assert (figures.invited, figures.sent, figures.delivered, figures.opened) == (18, 15, 4, 3)
    assert (figures.bounced, figures.answered, figures.complained, figures.scheduled) == (1, 5, 1, 1)
    assert figures.suppressed == 2
    assert dict(figures.suppressed_by_reason) == {
        str(Reason.DO_NOT_CONTACT.label): 1,
        str(Reason.RECENTLY_ANY.label): 1,
    }
    assert figures.response_rate == pytest.approx(100 * 5 / 15)
    expected = wilson_interval(successes=5, n=15)
    assert figures.response_interval == pytest.approx((100 * expected.low, 100 * expected.high))


@pytest.mark.parametrize(
    ("role", "sent", "answered"),
    [("admin", 15, 5), ("committee", 15, 5), ("manager", 10, 4), ("lead", 10, 4), ("agent_b", 5, 1)],
)
def test_each_role_counts_only_the_invitations_of_the_teams_it_may_see(survey, people, role, sent, answered):
    # when
    figures = survey_figures(user=people[role], survey=survey)
    # then
    assert (figures.sent, figures.answered) == (sent, answered)


def test_someone_without_a_role_sees_no_invitations(survey):
    # given
    stranger = UserFactory(username="no-role")
    # when
    figures = survey_figures(user=stranger, survey=survey)
    # then
    assert figures.invited == 0


def test_figures_by_team_and_touchpoint(survey, people, org):
    # when
    by_team = survey_figures_by_team(user=people["admin"], survey=survey)
    by_touchpoint = survey_figures_by_touchpoint(user=people["manager"], survey=survey)
    # then: named teams first, then the invitations without a team
    assert [(row.label, row.figures.sent, row.figures.answered) for row in by_team] == [
        ("Team A1", 10, 4),
        ("Team B1", 5, 1),
        ("No team", 0, 0),
    ]
    # the invitations name no touchpoint of their own: the survey's counts
    assert [(row.label, row.figures.sent) for row in by_touchpoint] == [("Delivery", 10)]


def test_an_invitations_own_touchpoint_is_counted_before_the_surveys(survey, people, org):
    # given
    _invitation(survey, org["team_a1"], touchpoint=TouchpointFactory(name="Returns desk"))
    # when
    rows = survey_figures_by_touchpoint(user=people["admin"], survey=survey)
    # then
    assert {row.label: row.figures.sent for row in rows} == {"Delivery": 15, "Returns desk": 1}


def test_the_period_counts_invitations_created_since(survey, people, org):
    # given: one more invitation, created 40 days ago
    old = _invitation(survey, org["team_a1"])
    SurveyInvitation.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    # when
    recent = survey_figures(user=people["admin"], survey=survey, since=timezone.now() - timedelta(days=30))
    ever = survey_figures(user=people["admin"], survey=survey)
    # then
    assert (recent.sent, ever.sent) == (15, 16)


def _employee_survey(org, sizes, *, round_name="2026-05"):
    survey = InviteSurveyFactory(
        slug="pulse", audience=Survey.Audience.EMPLOYEES, source=SourceFactory(kind="employee")
    )
    for team, count in sizes:
        for _ in range(count):
            employee = UserFactory()
            transaction_id = f"pulse:{round_name}:{employee.pk}"
            _invitation(survey, org[team], customer=None, employee=employee, status=Status.ANSWERED,
                        answered_at=timezone.now(), transaction_id=transaction_id)  # fmt: skip
    return survey


def test_employee_survey_teams_with_fewer_than_five_people_asked_show_nothing(people, org):
    # given: 6 people asked in team A1, 5 in team A2, 4 in team B1
    survey = _employee_survey(org, [("team_a1", 6), ("team_a2", 5), ("team_b1", 4)])
    # when
    rows = {row.label: row.figures for row in survey_figures_by_team(user=people["admin"], survey=survey)}
    # then: B1 hidden, and A2 too (the total, 15, less A1 and A2 would be B1's 4); A1 shown
    assert (rows["Team A1"].hidden, rows["Team A1"].answered) == (False, 6)
    assert rows["Team A2"].hidden
    assert rows["Team B1"].hidden
    assert rows["Team B1"].answered == rows["Team A2"].answered == 0


def test_the_total_less_the_teams_shown_never_gives_a_small_team_away(people, org):
    # given: 5 asked in team A1, 4 in team A2 (the whole: 9)
    survey = _employee_survey(org, [("team_a1", 5), ("team_a2", 4)])
    # when
    total = survey_figures(user=people["admin"], survey=survey)
    rows = survey_figures_by_team(user=people["admin"], survey=survey)
    # then: the total shows; no team does, or 9 less A1's 5 would be A2's 4
    assert total.answered == 9
    assert all(row.figures.hidden for row in rows)
    shown = sum(row.figures.answered for row in rows if not row.figures.hidden)
    hidden_people = 9 - shown
    assert hidden_people == 0 or hidden_people >= 5


def test_an_employee_survey_is_read_one_round_at_a_time(client, people, org):
    # given: round 2026-05 with 6 answered in A1, and an older round 2026-04 with 5 in A1
    survey = _employee_survey(org, [("team_a1", 6)])
    for _ in range(5):
        employee = UserFactory()
        invitation = _invitation(survey, org["team_a1"], customer=None, employee=employee,
                                 transaction_id=f"pulse:2026-04:{employee.pk}")  # fmt: skip
        SurveyInvitation.objects.filter(pk=invitation.pk).update(
            created_at=timezone.now() - timedelta(days=40)
        )
    client.force_login(people["admin"])
    url = reverse("surveys:detail", args=[survey.slug])
    # when
    newest = client.get(url)
    april = client.get(url, {"round": "2026-04"})
    listing = client.get(reverse("surveys:list")).content.decode()
    # then
    assert newest.context["figures"].sent == 6
    assert april.context["figures"].sent == 5
    assert "the last 30 days" not in newest.content.decode()
    assert "Anonymous: its figures are shown round by round on its page." in listing
    assert survey_figures_by_survey(user=people["admin"])[0].figures.per_round


def test_every_survey_is_listed_with_its_figures(survey, people):
    # given
    quiet = InviteSurveyFactory(name="Quiet survey")
    # when
    rows = survey_figures_by_survey(user=people["manager"])
    # then
    assert [(row.label, row.figures.sent) for row in rows] == [("After delivery", 10), ("Quiet survey", 0)]
    assert rows[1].subject == quiet


def test_the_list_page_shows_figures_in_words_in_a_fixed_number_of_queries(
    client, survey, people, django_assert_max_num_queries
):
    # given
    client.force_login(people["manager"])
    client.get(reverse("surveys:list"))  # warm the session and the caches
    for _ in range(20):
        _invitation(InviteSurveyFactory(), None)
    # when
    with django_assert_max_num_queries(12):
        response = client.get(reverse("surveys:list"))
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "After delivery" in html
    assert "Customers · Email" in html
    assert "<strong>40 %</strong>" in html  # 4 answered of 10 sent in the manager's teams


def test_the_survey_page_breaks_the_figures_down_and_says_why_invitations_were_not_sent(
    client, survey, people
):
    # given
    client.force_login(people["lead"])
    # when
    response = client.get(reverse("surveys:detail", args=[survey.slug]))
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert str(Reason.DO_NOT_CONTACT.label) in html
    assert "Team A1" in html
    assert "Team B1" not in html  # not the lead's team
    assert "do_not_contact" not in html


@pytest.mark.parametrize(
    ("role", "status"), [("agent", 403), ("lead", 200), ("committee", 200), ("admin", 200)]
)
def test_the_survey_pages_are_for_leads_managers_the_committee_and_admins(
    client, survey, people, role, status
):
    # given
    client.force_login(people[role])
    # when
    listing = client.get(reverse("surveys:list"))
    detail = client.get(reverse("surveys:detail", args=[survey.slug]))
    # then
    assert (listing.status_code, detail.status_code) == (status, status)


def test_an_unknown_survey_is_not_found(client, people):
    client.force_login(people["admin"])
    assert client.get(reverse("surveys:detail", args=["no-such-survey"])).status_code == 404


def test_a_period_that_cannot_be_read_falls_back_to_the_default(client, survey, people):
    client.force_login(people["admin"])
    response = client.get(reverse("surveys:list"), {"days": "7; drop"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_the_survey_page_links_the_contacts_upload_for_those_who_may_use_it(client, survey, people):
    # given: the survey's answers arrive through a survey source, which people do not write to
    url = reverse("surveys:detail", args=[survey.slug])
    upload = reverse("survey_contacts:upload", args=[survey.slug])
    # when
    client.force_login(people["admin"])
    admin_page = client.get(url).content.decode()
    client.force_login(people["manager"])
    manager_page = client.get(url).content.decode()
    # then
    assert upload in admin_page
    assert upload not in manager_page
