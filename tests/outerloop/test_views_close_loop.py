"""The roll-out and "Tell the customers" pages: confirmation, preview with the count, send once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cxloop.notifications.models import EmailMessage
from cxloop.org.models import Role
from outerloop.models import InitiativeEvent, Stage
from tests.factories import CategoryFactory, CustomerFactory, FeedbackFactory, MembershipFactory, UserFactory
from tests.innerloop.factories import CaseFactory

from .factories import InitiativeFactory, SignalFactory

pytestmark = pytest.mark.django_db

WHAT = "Parcels now come in a two-hour slot."


@pytest.fixture
def initiative(people, org):
    now = timezone.now()
    category = CategoryFactory(slug="late")
    signal = SignalFactory(category=category, title="Late delivery · Receive")
    initiative = InitiativeFactory(
        stage=Stage.CUSTOMER_TEST, owner=people["manager"], signals=[signal], departments=[org["dept_a"]]
    )
    for customer in (CustomerFactory(name="Alice"), CustomerFactory(), CustomerFactory(do_not_contact=True)):
        feedback = FeedbackFactory(customer=customer, score=2, occurred_at=now - timedelta(days=2))
        CaseFactory(team=org["team_a1"], root_cause=category, feedback=feedback)
    return initiative


def test_rolling_out_from_the_page_asks_for_confirmation_and_emails_nobody(client, people, initiative):
    client.force_login(people["manager"])
    url = f"/initiatives/{initiative.pk}/stage/"
    # when
    unconfirmed = client.post(url, {"to_stage": "rolled_out"})
    confirmed = client.post(url, {"to_stage": "rolled_out", "confirm": "on"})
    # then
    assert unconfirmed.status_code == 400
    assert "Tick the box to confirm the roll-out." in unconfirmed.content.decode()
    assert confirmed.status_code == 302
    initiative.refresh_from_db()
    assert initiative.stage == Stage.ROLLED_OUT
    assert EmailMessage.objects.count() == 0
    page = client.get(f"/initiatives/{initiative.pk}/").content.decode()
    assert "Nobody has been told yet." in page


def test_preview_then_confirm_then_send_once(client, people, initiative):
    # given: rolled out
    client.force_login(people["manager"])
    client.post(f"/initiatives/{initiative.pk}/stage/", {"to_stage": "rolled_out", "confirm": "on"})
    url = f"/initiatives/{initiative.pk}/tell-customers/"
    text = {"subject": "We changed how we deliver", "what_changed": WHAT}
    # when
    form = client.get(url)
    preview = client.post(url, {**text, "preview": ""})
    unconfirmed = client.post(url, {**text, "send": ""})
    sent_before_confirmation = EmailMessage.objects.count()
    sent = client.post(url, {**text, "send": "", "confirm": "on"}, follow=True)
    again = client.post(url, {**text, "send": "", "confirm": "on"})
    # then
    assert "We have made a change because of what you told us" in form.content.decode()
    assert preview.status_code == 200
    shown = preview.content.decode()
    assert "2 customers will get this email</strong>" in shown
    assert "1 not told: do not contact." in shown
    assert "Hello Alice" in shown
    assert WHAT in shown
    assert unconfirmed.status_code == 400
    assert "Tick the box to confirm" in unconfirmed.content.decode()
    assert sent_before_confirmation == 0
    assert "Emailed 2 customers. 1 not told: do not contact." in sent.content.decode()
    assert again.status_code == 409
    assert "The customers were told on" in again.content.decode()
    assert EmailMessage.objects.count() == 2
    record = initiative.events.get(kind=InitiativeEvent.Kind.LOOP_CLOSED)
    assert (record.actor, record.data["subject"], record.data["emails_queued"]) == (
        people["manager"], "We changed how we deliver", 2,
    )  # fmt: skip


def test_the_internal_label_is_refused_on_the_page(client, people, initiative):
    client.force_login(people["manager"])
    client.post(f"/initiatives/{initiative.pk}/stage/", {"to_stage": "rolled_out", "confirm": "on"})
    answer = client.post(
        f"/initiatives/{initiative.pk}/tell-customers/",
        {"subject": "Late delivery · Receive", "what_changed": WHAT, "send": "", "confirm": "on"},
    )
    assert answer.status_code == 400
    assert "is our internal label" in answer.content.decode()
    assert EmailMessage.objects.count() == 0


def test_only_the_owner_or_the_committee_tells_the_customers(client, people, initiative, org):
    other_manager = UserFactory(username="other-manager")
    MembershipFactory(user=other_manager, role=Role.MANAGER, team=None, department=org["dept_a"])
    client.force_login(other_manager)
    assert client.get(f"/initiatives/{initiative.pk}/tell-customers/").status_code == 403
    client.force_login(people["agent"])
    assert client.get(f"/initiatives/{initiative.pk}/tell-customers/").status_code == 403
