"""An employee survey's answer is anonymous across the whole site: no page, API, export, summary,
sample or event shows one on its own, for any role; customer metrics never count employees' scores;
and the answers still count towards signals (only groups are shown, by feedback.surveys.employee)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from cxloop.outbound.models import OutboundEvent
from feedback.metrics.figures import nps_counts_of
from feedback.metrics.queries import Filters
from feedback.metrics.selectors import metric_report
from feedback.models import Feedback, SourceKind, Survey
from feedback.services.ingest import CREATED, feedback_ingest
from feedback.surveys.answers import survey_writer
from innerloop.dashboards.selectors import category_effects
from innerloop.huddles.summary import huddle_summary
from innerloop.models import Case
from innerloop.services.triage import triage_pending
from outerloop.services.detection import cells_count
from tests.factories import (
    CategoryFactory,
    FeedbackFactory,
    InviteSurveyFactory,
    OutboundEndpointFactory,
    SourceFactory,
    TouchpointFactory,
)
from tests.innerloop.factories import CaseRuleFactory
from tests.innerloop.test_huddles import HuddleFactory
from tests.innerloop.test_rules_admin import rule_form
from tests.outerloop.factories import InitiativeFactory, SignalFactory

pytestmark = pytest.mark.django_db

ROLES = ("agent", "lead", "manager", "committee", "admin")
EMPLOYEE_SAID = "Tills stay unstaffed at lunch and nobody covers the rota gap"
CUSTOMER_SAID = "Tills unstaffed at lunch, I queued for twenty minutes"


@pytest.fixture
def pulse():
    """An employee survey, answered through the employee channel."""
    return InviteSurveyFactory(
        slug="pulse",
        audience=Survey.Audience.EMPLOYEES,
        source=SourceFactory(slug="staff-pulse", kind=SourceKind.EMPLOYEE),
    )


def employee_answer(pulse, team, **fields) -> Feedback:
    """An answer as feedback.surveys.answers stores it: no customer, a random id, the team, the survey."""
    values = {
        "source": pulse.source,
        "customer": None,
        "team": team,
        "score": 2,
        "comment": EMPLOYEE_SAID,
        "metadata": {"survey": pulse.slug},
        "external_id": f"anonymous-{Feedback.objects.count()}",
        **fields,
    }
    return FeedbackFactory(**values)


@pytest.fixture
def said(pulse, org):
    """Team A1: one employee's answer and one customer's comment, both about the same theme."""
    theme = CategoryFactory(slug="staffing", name="Staffing")
    processed = {"processed_at": timezone.now(), "confirmed_category": theme}
    return {
        "theme": theme,
        "employee": employee_answer(pulse, org["team_a1"], **processed),
        "customer": FeedbackFactory(team=org["team_a1"], score=3, comment=CUSTOMER_SAID, **processed),
    }


def _pages(said, org) -> list[tuple[str, bool]]:
    """(address, whether it lists the customer's comment when the role may open it)."""
    employee, customer = said["employee"], said["customer"]
    everyone = [org["dept_a"].pk, org["dept_b"].pk]
    signal = SignalFactory(category=said["theme"], department_ids=everyone)
    initiative = InitiativeFactory(signals=[signal], departments=[org["dept_a"], org["dept_b"]])
    return [
        ("/feedback/", True),
        ("/feedback/?q=unstaffed", True),
        (f"/feedback/?source={employee.source_id}", False),
        (f"/feedback/?source_kind={SourceKind.EMPLOYEE}", False),
        (f"/feedback/{employee.pk}/", False),
        ("/api/v1/feedback/", True),
        ("/api/v1/feedback/?q=unstaffed", True),
        (f"/api/v1/feedback/{employee.pk}/", False),
        ("/dashboards/teams/team-a1/", True),
        ("/dashboards/", False),
        ("/dashboards/export/categories.csv?team=team-a1", False),
        (f"/customers/{customer.customer_id}/", True),
        ("/cases/", False),
        (f"/signals/{signal.pk}/", True),
        (f"/initiatives/{initiative.pk}/", True),
        ("/admin/feedback/feedback/", False),
        (f"/admin/feedback/feedback/{employee.pk}/change/", False),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_no_page_or_api_shows_an_employee_answer_to_anyone(client, people, org, said, role):
    # given: triage ran over both items (it opens no case for the answer)
    triage_pending()
    employee = said["employee"]
    client.force_login(people[role])
    # when
    responses = {path: (client.get(path), lists_customer) for path, lists_customer in _pages(said, org)}
    # then: the answer's words and address appear nowhere; its own pages do not exist
    for path, (response, lists_customer) in responses.items():
        body = response.content.decode()
        assert EMPLOYEE_SAID not in body, path
        assert f"/feedback/{employee.pk}/" not in body, path
        assert f'"id":{employee.pk},' not in body.replace(" ", ""), path
        if lists_customer and response.status_code == 200:
            assert CUSTOMER_SAID in body, path
    assert responses[f"/feedback/{employee.pk}/"][0].status_code == 404
    assert responses[f"/api/v1/feedback/{employee.pk}/"][0].status_code == 404
    assert not Case.objects.filter(feedback=employee).exists()


def test_the_pages_do_show_the_customers_comment_to_a_team_member(client, people, org, said):
    # given: the checks above would pass on an empty page; these pages do list what customers said
    client.force_login(people["agent"])
    # when
    pages = [client.get(path).content.decode() for path in ("/feedback/", "/dashboards/teams/team-a1/")]
    # then
    assert all(CUSTOMER_SAID in page for page in pages)


def test_the_administrators_feedback_list_leaves_answers_out(client, people, said):
    client.force_login(people["admin"])
    page = client.get("/admin/feedback/feedback/").content.decode()
    assert f"/admin/feedback/feedback/{said['customer'].pk}/change/" in page
    assert f"/admin/feedback/feedback/{said['employee'].pk}/change/" not in page


def test_a_huddle_summary_quotes_and_counts_only_customers(pulse, org):
    # given: in team A1's period, a customer's promoter and detractor and employees' 0s and 10s
    team = org["team_a1"]
    huddle = HuddleFactory(team=team)
    in_period = huddle.period_end - timedelta(days=1)
    FeedbackFactory(team=team, score=10, comment="Lovely staff", occurred_at=in_period)
    FeedbackFactory(team=team, score=1, comment=CUSTOMER_SAID, occurred_at=in_period)
    for score in (0, 10, 0, 10, 0, 10):
        employee_answer(pulse, team, score=score, occurred_at=in_period)
    # when
    summary = huddle_summary(huddle=huddle)
    # then
    quoted = [item["comment"] for item in summary["shout_outs"] + summary["learning_moments"]]
    assert sorted(quoted) == sorted(["Lovely staff", CUSTOMER_SAID])
    assert (summary["nps"]["current"]["n"], summary["nps"]["current"]["nps"]) == (2, 0.0)


def test_the_rule_dry_run_samples_no_answer(client, people, org, said):
    # given: a rule that would match both detractors
    client.force_login(people["admin"])
    # when
    response = client.post("/settings/triage-rules/new/", {**rule_form(), "dry_run": "1"})
    # then
    assert response.context["dry_run"]["matched"] == 1
    page = response.content.decode()
    assert "I queued for twenty minutes" in page
    assert "nobody covers the rota gap" not in page


def test_no_outbound_event_announces_an_answer(pulse, org):
    # given: an endpoint that hears of every new feedback item
    OutboundEndpointFactory(event_types=["feedback.received"])
    customers = InviteSurveyFactory(slug="after-delivery")
    answer = {"scale": "nps", "score": 1, "team": org["team_a1"].slug, "comment": EMPLOYEE_SAID}
    # when
    employee = feedback_ingest(
        raw={
            **answer,
            "source": pulse.source.slug,
            "external_id": "anonymous-x",
            "metadata": {"survey": "pulse"},
        },
        writer=survey_writer(pulse),
    )
    customer = feedback_ingest(
        raw={**answer, "source": customers.source.slug, "external_id": "invitation-1",
             "metadata": {"survey": "after-delivery"}},
        writer=survey_writer(customers),
    )  # fmt: skip
    # then
    assert (employee.status, customer.status) == (CREATED, CREATED)
    announced = [event.payload["feedback"]["id"] for event in OutboundEvent.objects.all()]
    assert announced == [customer.id]


# --- customer metrics ---


def _customer_figures(people, org, touchpoint, theme) -> dict:
    """Every customer NPS figure: the reports (rollup and raw), a category's effect, a window's counts."""
    user = people["committee"]
    today = datetime.now(UTC).date()
    window: dict[str, Any] = {"date_from": today - timedelta(days=14), "date_to": today + timedelta(days=1)}
    reports = {
        f"{group}-{rollup}": metric_report(
            user=user, metric="nps", group_by=group, from_rollup=rollup, compare="previous", **window
        )
        for group in ((), ("team",), ("touchpoint",), ("week",), ("channel",))
        for rollup in (True, False)
    }
    effects = category_effects(user=user, team=None, **window)
    return {
        **reports,
        "team": metric_report(user=user, metric="nps", filters=Filters(team=org["team_a1"]), **window),
        "effects": [(row["category"], row["n"], row["nps_with"], row["nps_without"]) for row in effects],
        "counts": nps_counts_of(Feedback.objects.filter(touchpoint=touchpoint)),
        "theme": [row["n"] for row in effects if row["slug"] == theme.slug],
    }


def test_customer_nps_is_the_same_with_employees_answers(pulse, people, org):
    # given: customers' scores in team A1 at one touchpoint, some about a theme
    touchpoint, theme = TouchpointFactory(slug="tills"), CategoryFactory(slug="queues")
    now = timezone.now()
    for day, score in enumerate((10, 9, 9, 8, 7, 6, 3, 0, 10, 9)):
        FeedbackFactory(team=org["team_a1"], touchpoint=touchpoint, score=score,
                        occurred_at=now - timedelta(days=day),
                        confirmed_category=theme if score < 7 else None)  # fmt: skip
    before = _customer_figures(people, org, touchpoint, theme)
    # when: employees of the same team answer, at the same touchpoint, about the same theme
    for day in range(8):
        employee_answer(pulse, org["team_a1"], score=0, touchpoint=touchpoint, confirmed_category=theme,
                        occurred_at=now - timedelta(days=day))  # fmt: skip
    after = _customer_figures(people, org, touchpoint, theme)
    # then: no customer figure moved
    assert after == before
    assert before["theme"] == [3]


def test_no_metric_report_shows_employees_scores_by_channel(pulse, people, org):
    # given: five employees of one team answered
    for _ in range(5):
        employee_answer(pulse, org["team_a1"], score=0)
    today = datetime.now(UTC).date()
    # when
    report = metric_report(
        user=people["admin"], metric="nps",
        date_from=today - timedelta(days=1), date_to=today + timedelta(days=1),
        filters=Filters(channel=SourceKind.EMPLOYEE, team=org["team_a1"]), group_by=("week",),
    )  # fmt: skip
    # then
    assert report["overall"]["n"] == 0


# --- signals ---


def test_employees_answers_still_count_towards_signals(pulse, org):
    # given: employees and customers mention a theme lately, and not in the months before
    theme = CategoryFactory(name="Broken tills")
    now = timezone.now()
    for day in range(6):
        employee_answer(pulse, org["team_a1"], score=None, scale=None, confirmed_category=theme,
                        occurred_at=now - timedelta(days=day + 1))  # fmt: skip
        FeedbackFactory(
            team=org["team_b1"], confirmed_category=theme, occurred_at=now - timedelta(days=day + 1)
        )
    for day in range(40):
        FeedbackFactory(team=org["team_a1"], occurred_at=now - timedelta(days=30 + day))
    # when
    cells = [cell for cell in cells_count(end=now) if cell.category_id == theme.pk]
    # then: all twelve mentions count
    assert sum(cell.recent for cell in cells) == 12


def test_an_employees_low_score_opens_no_case_whatever_the_rules(pulse, org):
    # given: a rule that opens a case for every NPS detractor
    CaseRuleFactory(scales=["nps"], score_max=6)
    answer = employee_answer(pulse, org["team_a1"], score=0, processed_at=timezone.now())
    # when
    triage_pending()
    # then
    answer.refresh_from_db()
    assert not Case.objects.filter(feedback=answer).exists()
    assert answer.triaged_at is not None
