"""The committee journey with no dead end, and telling customers only after a preview and a confirmation.

A vote left open when the meeting is held is decided at the next meeting; rolling out emails nobody;
the "Tell the customers" step shows the email and the number of recipients and sends nothing until
confirmed; no customer email carries an internal label.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cxloop.notifications.models import EmailMessage
from cxloop.org.models import Role
from outerloop.models import Initiative, Stage
from outerloop.services.initiatives import initiative_transition
from tests.factories import (
    CategoryFactory,
    CustomerFactory,
    DepartmentFactory,
    FeedbackFactory,
    MembershipFactory,
    UserFactory,
)
from tests.governance.factories import CommitteeFactory, CommitteeSeatFactory
from tests.innerloop.factories import CaseFactory
from tests.outerloop.factories import InitiativeFactory, SignalFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pw-for-tests-only"
INTERNAL_LABEL = "Website / Checkout error · Buy"
WHAT = "You can now pay with a saved card, and the checkout page no longer times out."
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1440, "height": 900}}


@pytest.fixture
def no_worker(monkeypatch):
    """Keep the emails in the outbox: no Celery worker sharing the broker sends them."""
    monkeypatch.setattr("cxloop.core.tasks_util.enqueue", lambda task, **kwargs: False)


@pytest.fixture
def scene(org):
    """Three seats (a majority is two); a proposed initiative titled with its internal label."""
    manager = UserFactory(username="maria", first_name="Maria", last_name="Costa")
    MembershipFactory(user=manager, role=Role.MANAGER, team=None, department=org["dept_a"])
    chair = UserFactory(username="chair", first_name="Chris", last_name="Chair")
    MembershipFactory(user=chair, role=Role.COMMITTEE, team=None, department=org["dept_b"])
    member = UserFactory(username="member", first_name="Mel", last_name="Member")
    MembershipFactory(user=member, role=Role.COMMITTEE, team=None, department=None)
    committee = CommitteeFactory()
    CommitteeSeatFactory(committee=committee, department=org["dept_a"], holder=manager)
    CommitteeSeatFactory(committee=committee, department=org["dept_b"], holder=chair)
    CommitteeSeatFactory(
        committee=committee, department=DepartmentFactory(slug="dept-c", name="Department C"), holder=member
    )
    now = timezone.now()
    website = CategoryFactory(slug="website", name="Website")
    category = CategoryFactory(slug="checkout-error", name="Checkout error", parent=website)
    signal = SignalFactory(
        title=INTERNAL_LABEL, category=category, department_ids=[org["dept_a"].pk],
        window_start=now - timedelta(days=28), window_end=now,
    )  # fmt: skip
    initiative = InitiativeFactory(
        title=INTERNAL_LABEL, owner=manager, signals=[signal], departments=[org["dept_a"]]
    )
    told = [CustomerFactory(name="Alice"), CustomerFactory(name="Bob")]
    flagged = CustomerFactory(name="Dora", do_not_contact=True)
    for customer in (*told, flagged):
        feedback = FeedbackFactory(customer=customer, score=2, occurred_at=now - timedelta(days=3))
        CaseFactory(feedback=feedback, team=org["team_a1"], root_cause=category)
    return {"initiative": initiative, "told": told}


def _log_out(page):
    """Leave the session (the header's menu is another journey's subject)."""
    page.context.clear_cookies()
    page.reload()
    expect(page).to_have_url(re.compile(r"/login/"))


def _schedule(page, live_server, days: int) -> None:
    page.goto(f"{live_server.url}/committee/")
    page.get_by_label("Date and time").fill(
        (timezone.localtime() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_role("button", name="Schedule").click()


def _vote(page, *, seat: str) -> None:
    vote = page.get_by_role("form", name=f"Vote on {INTERNAL_LABEL}")
    vote.get_by_label("Seat").select_option(label=seat)
    vote.locator("select[name=choice]").select_option("approved")
    vote.get_by_role("button", name="Record vote").click()


@pytest.mark.parametrize("size", sorted(SIZES))
def test_an_open_vote_is_decided_at_the_next_meeting_and_customers_are_told_after_a_preview(
    scene, no_worker, login, live_server, size
):
    initiative: Initiative = scene["initiative"]
    # given: the chair puts the initiative to the vote and votes; the meeting is held with the vote open
    page = login("chair", PASSWORD)
    page.set_viewport_size(SIZES[size])
    _schedule(page, live_server, days=1)
    first_meeting = page.url
    page.get_by_label("Initiative").select_option(label=INTERNAL_LABEL)
    page.get_by_label("Rationale").fill("Checkout failures drive a third of detractors.")
    page.get_by_role("button", name="Open decision").click()
    _vote(page, seat="Department B (your seat)")
    expect(page.get_by_text("Vote recorded: Department B: approve")).to_be_visible()
    page.get_by_text("Hold the meeting").click()
    page.get_by_role("button", name="Record as held").click()  # not ticked: the browser keeps it
    expect(page).to_have_url(first_meeting)
    page.get_by_label("I understand: holding the meeting records its agenda").check()
    page.get_by_role("button", name="Record as held").click()
    expect(page.get_by_text("Meeting held: its agenda is recorded.")).to_be_visible()
    expect(page.get_by_text("Still open: it goes on the next meeting's agenda")).to_be_visible()

    # when: the next meeting is scheduled, the decision is on it with its vote so far
    _schedule(page, live_server, days=30)
    decision_card = page.locator(".decision")
    expect(decision_card.get_by_text("Carried over from the meeting of")).to_be_visible()
    votes = page.get_by_role("list", name=f"Votes on {INTERNAL_LABEL}")
    expect(votes.get_by_role("listitem")).to_have_text(["Department B: approve (cast by Chris Chair)"])
    next_meeting = page.url
    _log_out(page)
    # and another seat's holder votes there
    page = login("member", PASSWORD)
    page.goto(next_meeting)
    _vote(page, seat="Department C (your seat)")

    # then: the decision is taken at the next meeting
    expect(page.get_by_text("Quorum reached: approve.")).to_be_visible()
    initiative.refresh_from_db()
    assert initiative.stage == Stage.APPROVED
    _log_out(page)

    # when: the owner rolls it out (asked to confirm), nobody is emailed
    for stage in (Stage.DESIGN, Stage.PRE_TEST, Stage.DEVELOP, Stage.CUSTOMER_TEST):
        initiative_transition(initiative=initiative, to_stage=stage, actor=initiative.owner)
    page = login("maria", PASSWORD)
    page.goto(f"{live_server.url}/initiatives/{initiative.pk}/")
    page.get_by_label("Move to").select_option("rolled_out")
    page.get_by_label("I understand: rolling out cannot be undone").check()
    page.get_by_role("button", name="Move").click()
    expect(page.locator("#stage")).to_have_text("Rolled out")
    assert not EmailMessage.objects.exists()
    # and "Tell the customers" shows the email and the count, and sends nothing until confirmed
    page.get_by_role("link", name="Tell the customers").click()
    page.get_by_label("What we changed").fill(WHAT)
    page.get_by_role("button", name="Preview the email").click()
    expect(page.locator("#recipient-count")).to_contain_text("2 customers will get this email")
    expect(page.locator("#not-contacted")).to_have_text("1 not told: do not contact.")
    expect(page.locator("#preview-subject")).to_have_text("We have made a change because of what you told us")
    expect(page.locator("#preview-body")).to_contain_text("Hello Alice")
    expect(page.locator("#preview-body")).to_contain_text(WHAT)
    assert not EmailMessage.objects.exists()
    page.get_by_role("button", name="Send to 2 customers").click()  # not ticked: the browser keeps it
    assert not EmailMessage.objects.exists()
    page.get_by_label("I have read the email above").check()
    page.get_by_role("button", name="Send to 2 customers").click()

    # then: each customer who may be contacted gets one email, without any internal label
    expect(page.get_by_text("Emailed 2 customers. 1 not told: do not contact.")).to_be_visible()
    expect(page.locator("#tell-customers")).to_contain_text("Told")
    emails = list(EmailMessage.objects.all())
    assert sorted(email.to for email in emails) == sorted(customer.email for customer in scene["told"])
    for email in emails:
        for label in (INTERNAL_LABEL, "Website / Checkout error", "Checkout error"):
            assert label not in email.subject
            assert label not in email.body
    # and a second send is refused with the reason
    page.goto(f"{live_server.url}/initiatives/{initiative.pk}/tell-customers/")
    expect(page.get_by_text("The customers were told on")).to_be_visible()
    assert EmailMessage.objects.count() == 2
