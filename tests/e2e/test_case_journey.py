"""An agent works a case from the queue to resolution in a real browser."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from cxloop.org.models import Membership, Role
from feedback.models import Category, Customer, Feedback
from feedback.services.processing import feedback_sweep
from innerloop.models import Case, CaseStatus

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "cxloop-demo"
NASTY = '<script>alert("x")</script>"><img src=x onerror=alert(1)>'


@pytest.fixture
def demo_cases(transactional_db):
    """The demo organisation, with recent feedback enriched and triaged into cases."""
    call_command("seed_demo", customers=200, feedback=3000, verbosity=0)
    feedback_sweep(seconds=60)
    team = Membership.objects.get(user__username="agent", role=Role.AGENT).team
    return team


def test_agent_claims_calls_messages_and_resolves(demo_cases, login, live_server):
    # given: one open case of the agent's team with a customer who has an email and a nasty comment
    team = demo_cases
    case = (
        Case.objects.filter(team=team, status=CaseStatus.NEW, customer__isnull=False)
        .exclude(customer__email="")
        .first()
    )
    assert case is not None, "triage opened cases for the demo team"
    Case.objects.filter(team=team, status=CaseStatus.NEW).exclude(pk=case.pk).update(
        status=CaseStatus.IN_PROGRESS
    )
    Feedback.objects.filter(pk=case.feedback_id).update(comment=NASTY)
    Customer.objects.filter(pk=case.customer_id).update(name=NASTY)
    root_cause = Category.objects.filter(parent__isnull=False, retired_at__isnull=True).first()
    page = login("agent", PASSWORD)
    expect(page).to_have_url(re.compile(r"/cases/$"))
    # when: claim next
    page.get_by_role("button", name="Claim next").click()
    expect(page).to_have_url(re.compile(rf"/cases/{case.pk}/$"))
    expect(page.locator("blockquote.verbatim")).to_contain_text("<script>")
    # log a call with an outcome
    contact = page.locator("form[action$='/contact/']")
    contact.get_by_label("Channel").select_option("phone")
    contact.get_by_label("Outcome").select_option("reached")
    contact.get_by_label("What was promised").fill("A call back on Friday")
    contact.get_by_role("button", name="Log contact").click()
    expect(page.get_by_text("Contact logged.")).to_be_visible()
    # message the customer from a template
    page.get_by_text("Message the customer").click()
    message = page.locator("form[action$='/message/']")
    message.get_by_label("Template").select_option("sorry-we-let-you-down")
    message.get_by_role("button", name="Send message").click()
    expect(page.get_by_text("Message sent to the customer.")).to_be_visible()
    # resolve with a root cause
    page.get_by_text("Resolve", exact=True).click()
    resolve = page.locator("form[action$='/resolve/']")
    resolve.get_by_label("Root cause").select_option(root_cause.slug)
    resolve.get_by_label("How it was resolved").fill("Refunded and apologised")
    resolve.get_by_role("button", name="Resolve case").click()
    # then: with no other case of theirs, the agent is back on the queue, which the case has left
    expect(page).to_have_url(re.compile(r"/cases/$"))
    expect(page.get_by_text(f"Case {case.pk} resolved.")).to_be_visible()
    expect(page.locator(f"a[href='/cases/{case.pk}/']")).to_have_count(0)
    # and the case's timeline shows every step
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    timeline = page.locator("#timeline")
    for step in ("Assigned", "Contact logged", "Message sent", "Resolved"):
        expect(timeline).to_contain_text(step)
    assert page.dialogs == []
    case.refresh_from_db()
    assert (case.status, case.root_cause) == (CaseStatus.RESOLVED, root_cause)


def test_another_team_cannot_open_the_case_by_url(demo_cases, login, live_server):
    # given: a case of another team
    from tests.innerloop.factories import CaseFactory

    team = demo_cases
    theirs = Feedback.objects.exclude(team=team).exclude(team=None).first()
    other = CaseFactory(team=theirs.team, feedback=theirs)
    page = login("agent", PASSWORD)
    response = page.goto(f"{live_server.url}/cases/{other.pk}/")
    assert response.status == 404
