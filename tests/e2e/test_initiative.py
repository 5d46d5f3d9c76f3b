"""From signal to roll-out in a real browser: promote, decide with quorum, deliver, close the loop, review."""

import re
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone
from playwright.sync_api import expect

from cxloop.notifications.models import EmailMessage
from cxloop.notifications.services import email_send
from cxloop.org.models import Role
from outerloop.models import Initiative, Stage
from tests.factories import (
    CategoryFactory,
    CustomerFactory,
    DepartmentFactory,
    FeedbackFactory,
    MembershipFactory,
    UserFactory,
)
from tests.fixtures.servers import free_port
from tests.governance.factories import CommitteeFactory, CommitteeSeatFactory
from tests.innerloop.factories import CaseFactory
from tests.outerloop.factories import SignalFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pw-for-tests-only"


class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted"


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


@pytest.fixture
def scene(org):
    """A manager of department A, two committee members holding seats B and C, and a signal with cases."""
    manager = UserFactory(username="maria", first_name="Maria")
    MembershipFactory(user=manager, role=Role.MANAGER, team=None, department=org["dept_a"])
    chair = UserFactory(username="chair", first_name="Chair")
    MembershipFactory(user=chair, role=Role.COMMITTEE, team=None, department=org["dept_b"])
    member = UserFactory(username="member")
    MembershipFactory(user=member, role=Role.COMMITTEE, team=None, department=None)
    committee = CommitteeFactory()  # three seats: a majority is two
    CommitteeSeatFactory(committee=committee, department=org["dept_a"], holder=manager)
    CommitteeSeatFactory(committee=committee, department=org["dept_b"], holder=chair)
    CommitteeSeatFactory(committee=committee, department=DepartmentFactory(slug="dept-c"), holder=member)
    now = timezone.now()
    category = CategoryFactory(slug="late-delivery", name="Late delivery")
    signal = SignalFactory(
        title="Late delivery · Receive", category=category, department_ids=[org["dept_a"].pk],
        window_start=now - timedelta(days=28), window_end=now,
    )  # fmt: skip
    alice, bob, no_email = (
        CustomerFactory(name="Alice"),
        CustomerFactory(name="Bob"),
        CustomerFactory(email=""),
    )
    for customer, days in ((alice, 2), (alice, 9), (bob, 5), (no_email, 3)):
        feedback = FeedbackFactory(customer=customer, score=2, occurred_at=now - timedelta(days=days))
        CaseFactory(feedback=feedback, team=org["team_a1"], root_cause=category)
    return {"signal": signal, "customers": [alice, bob]}


def _log_out(page):
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login/"))


@pytest.fixture
def no_worker(monkeypatch):
    """Keep tasks away from any Celery worker sharing the broker: this test plays the worker itself."""
    monkeypatch.setattr("cxloop.core.tasks_util.enqueue", lambda task, **kwargs: False)


def test_signal_to_initiative_to_roll_out_and_impact_review(scene, smtp, no_worker, login, live_server):
    # given: the manager promotes the signal
    page = login("maria", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Signals").click()
    page.get_by_role("link", name="Late delivery · Receive").click()
    promote = page.locator("form[action$='/promote/']")
    promote.get_by_label("Title").fill("Give couriers two-hour slots")
    promote.get_by_label("Problem statement").fill("Couriers miss their slots in every region.")
    promote.get_by_role("button", name="Promote").click()
    expect(page.get_by_text("Waiting for a committee decision.")).to_be_visible()
    initiative = Initiative.objects.get()
    assert initiative.stage == Stage.PROPOSED
    _log_out(page)

    # when: at a committee meeting two seats approve it: the chair's own, and Maria's through the
    # proxy she names for this meeting (nobody casts another seat's vote unless named)
    page = login("chair", PASSWORD)
    page.goto(f"{live_server.url}/committee/")
    page.get_by_label("Date and time").fill(
        (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_role("button", name="Schedule").click()
    agenda = page.get_by_role("region", name="Agenda")
    expect(agenda.get_by_role("link", name="Give couriers two-hour slots")).to_be_visible()
    page.get_by_label("Initiative").select_option(label="Give couriers two-hour slots")
    page.get_by_label("Rationale").fill("Largest detractor driver; two departments affected.")
    page.get_by_role("button", name="Open decision").click()
    meeting_url = page.url
    vote = page.get_by_role("form", name="Vote on Give couriers two-hour slots")
    expect(vote.get_by_label("Seat").locator("option")).to_have_text(
        ["---------", "Department B (your seat)"]
    )
    _log_out(page)
    page = login("maria", PASSWORD)
    page.goto(meeting_url)
    page.get_by_text("Name a proxy for this meeting").click()
    proxy = page.get_by_role("form", name="Name a proxy")
    proxy.get_by_label("Your seat").select_option(label="Department A")
    proxy.get_by_label("Proxy").select_option(label="Chair Person")
    proxy.get_by_role("button", name="Name proxy").click()
    expect(page.get_by_text("Chair Person casts Department A's votes at this meeting.")).to_be_visible()
    _log_out(page)
    page = login("chair", PASSWORD)
    page.goto(meeting_url)
    for seat in ("Department A (as proxy for Maria Person)", "Department B (your seat)"):
        vote = page.get_by_role("form", name="Vote on Give couriers two-hour slots")
        vote.get_by_label("Seat").select_option(label=seat)
        vote.locator("select[name=choice]").select_option("approved")
        vote.get_by_role("button", name="Record vote").click()
    expect(page.get_by_text("Quorum reached: approve.")).to_be_visible()
    log = page.get_by_role("list", name="Votes on Give couriers two-hour slots")
    expect(log.get_by_role("listitem")).to_have_text(
        [
            "Department A: approve (cast by Chair Person as proxy for Maria Person)",
            "Department B: approve (cast by Chair Person)",
        ]
    )
    expect(page.get_by_text("Largest detractor driver; two departments affected.")).to_be_visible()
    page.get_by_text("Hold the meeting").click()
    page.get_by_label("I understand: holding the meeting records its agenda").check()
    page.get_by_role("button", name="Record as held").click()
    initiative.refresh_from_db()
    assert initiative.stage == Stage.APPROVED
    assert initiative.events.get(kind="decided").data["rationale"].startswith("Largest detractor")
    _log_out(page)

    # and: the owner moves it through its stages to roll-out
    page = login("maria", PASSWORD)
    page.goto(f"{live_server.url}/initiatives/{initiative.pk}/")
    page.get_by_text("Edit", exact=True).click()
    page.get_by_label("What changed (for customers and staff)").fill("Deliveries now come in two-hour slots.")
    page.get_by_role("button", name="Save").click()
    for stage in ("design", "pre_test", "develop", "customer_test"):
        page.get_by_label("Move to").select_option(stage)
        page.get_by_role("button", name="Move").click()
        expect(page.locator("#stage")).to_have_text(str(Stage(stage).label))
    # rolling out asks for confirmation, and emails nobody by itself
    page.get_by_label("Move to").select_option("rolled_out")
    page.get_by_label("I understand: rolling out cannot be undone").check()
    page.get_by_role("button", name="Move").click()
    expect(page.locator("#stage")).to_have_text("Rolled out")
    assert not EmailMessage.objects.exists()
    # the owner tells the customers: preview with the count, then confirm and send (once)
    page.get_by_role("link", name="Tell the customers").click()
    page.get_by_role("button", name="Preview the email").click()
    expect(page.locator("#recipient-count")).to_contain_text(f"{len(scene['customers'])} customers")
    page.get_by_label("I have read the email above").check()
    page.get_by_role("button", name="Send to").click()
    expect(page.get_by_text(f"Emailed {len(scene['customers'])} customers.")).to_be_visible()
    for email_id in EmailMessage.objects.filter(status="pending").values_list("pk", flat=True):
        email_send(email_id=email_id)
    recipients = sorted(rcpt for message in smtp.messages for rcpt in message.rcpt_tos)
    assert recipients == sorted(customer.email for customer in scene["customers"])
    assert all(b"two-hour slots" in message.content for message in smtp.messages)
    page.get_by_role("button", name="Review impact now").click()
    expect(page.get_by_text("Impact reviewed: it is on the next committee agenda.")).to_be_visible()
    _log_out(page)

    # then: the impact review is on the next meeting's agenda
    page = login("chair", PASSWORD)
    page.goto(f"{live_server.url}/committee/")
    page.get_by_label("Date and time").fill(
        (timezone.localtime() + timedelta(days=8)).strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_role("button", name="Schedule").click()
    agenda = page.get_by_role("region", name="Agenda")
    expect(agenda.get_by_text("Impact review: Give couriers two-hour slots")).to_be_visible()
    page.goto(f"{live_server.url}/you-said-we-did/")
    expect(page.get_by_text("Deliveries now come in two-hour slots.")).to_be_visible()
