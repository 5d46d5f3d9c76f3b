"""Telling a rolled-out initiative's customers: preview, count, once, never an internal label."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from cxloop.core.exceptions import ApplicationError, NotPermitted, StateConflict
from cxloop.notifications.models import EmailMessage, Notification
from cxloop.notifications.services import email_send
from outerloop.loop_message import DEFAULT_SUBJECT, close_loop_preview
from outerloop.models import InitiativeEvent, Stage
from outerloop.services.close_loop import initiative_tell_customers
from outerloop.services.initiatives import initiative_transition
from tests.factories import CategoryFactory, CustomerFactory, FeedbackFactory, TouchpointFactory
from tests.innerloop.factories import CaseFactory

from .factories import InitiativeFactory, SignalFactory

pytestmark = pytest.mark.django_db

WHAT = "Couriers now offer a two-hour slot, and text you when they set off."


@pytest.fixture
def rolled_out(people, org):
    now = timezone.now()
    parent = CategoryFactory(slug="website", name="Website")
    category = CategoryFactory(slug="checkout-error", name="Checkout error", parent=parent)
    signal = SignalFactory(
        category=category, title="Website / Checkout error · Buy",
        window_start=now - timedelta(days=28), window_end=now,
    )  # fmt: skip
    initiative = InitiativeFactory(
        stage=Stage.ROLLED_OUT, rolled_out_at=now, signals=[signal], title="Website / Checkout error · Buy",
        owner=people["manager"], target_touchpoint=TouchpointFactory(name="Checkout page"),
    )  # fmt: skip
    inside = [
        CaseFactory(team=org["team_a1"], root_cause=category, assignee=people["agent"],
                    feedback=FeedbackFactory(score=2, occurred_at=now - timedelta(days=d),
                                             customer=CustomerFactory(name=name)))
        for d, name in ((1, "Ana Lopes"), (5, "Tom Reed"))
    ]  # fmt: skip
    # the same customer twice: one message
    again = FeedbackFactory(customer=inside[0].customer, occurred_at=now - timedelta(days=3))
    CaseFactory(team=org["team_a1"], root_cause=category, feedback=again)
    # asked not to be contacted: counted, not told
    CaseFactory(team=org["team_a1"], root_cause=category, feedback=FeedbackFactory(
        customer=CustomerFactory(do_not_contact=True), occurred_at=now - timedelta(days=2)))  # fmt: skip
    # no email, outside the window, another root cause: no message
    CaseFactory(team=org["team_a1"], root_cause=category, feedback=FeedbackFactory(
        customer=CustomerFactory(email=""), occurred_at=now - timedelta(days=2)))  # fmt: skip
    CaseFactory(team=org["team_a1"], root_cause=category,
                feedback=FeedbackFactory(occurred_at=now - timedelta(days=40)))  # fmt: skip
    CaseFactory(team=org["team_a1"], root_cause=CategoryFactory(slug="other"),
                feedback=FeedbackFactory(occurred_at=now - timedelta(days=2)))  # fmt: skip
    return {"initiative": initiative, "customers": [c.customer for c in inside]}


def test_the_preview_is_the_first_customers_email_with_the_counts(rolled_out):
    # when
    preview = close_loop_preview(
        initiative=rolled_out["initiative"], subject=DEFAULT_SUBJECT, what_changed=WHAT
    )
    # then: nothing is sent by looking
    assert (preview.recipients, preview.not_contacted, preview.without_email) == (2, 1, 1)
    assert preview.staff == 1
    assert preview.sample is not None
    assert preview.sample.subject == DEFAULT_SUBJECT
    assert "Hello Ana Lopes" in preview.sample.body
    assert WHAT in preview.sample.body
    assert EmailMessage.objects.count() == 0


def test_rolling_out_emails_nobody(people):
    # given: an initiative about to roll out
    initiative = InitiativeFactory(stage=Stage.CUSTOMER_TEST, owner=people["manager"])
    # when
    initiative_transition(initiative=initiative, to_stage=Stage.ROLLED_OUT, actor=people["manager"])
    # then
    assert EmailMessage.objects.count() == 0
    assert not initiative.events.filter(kind=InitiativeEvent.Kind.LOOP_CLOSED).exists()


def test_telling_the_customers_sends_each_once_and_records_who_sent_what(rolled_out, people):
    # when: the owner sends, and sending again is refused with the reason
    result = initiative_tell_customers(
        initiative=rolled_out["initiative"],
        actor=people["manager"],
        subject=DEFAULT_SUBJECT,
        what_changed=WHAT,
    )
    with pytest.raises(StateConflict, match="were told on"):
        initiative_tell_customers(
            initiative=rolled_out["initiative"], actor=people["committee"], subject="Again", what_changed=WHAT
        )
    for email in EmailMessage.objects.all():
        email_send(email_id=email.pk)
    # then
    assert result == {"customers": 2, "emails_queued": 2, "staff": 1, "not_contacted": 1}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(c.email for c in rolled_out["customers"])
    assert {m.customer_id for m in EmailMessage.objects.all()} == {c.pk for c in rolled_out["customers"]}
    record = rolled_out["initiative"].events.get(kind=InitiativeEvent.Kind.LOOP_CLOSED)
    assert record.actor == people["manager"]
    assert record.data == {
        "subject": DEFAULT_SUBJECT, "what_changed": WHAT, "customers": 2, "emails_queued": 2, "staff": 1,
        "not_contacted": 1,
    }  # fmt: skip
    rolled_out["initiative"].refresh_from_db()
    assert rolled_out["initiative"].what_changed == WHAT  # "You said, we did" shows the words sent
    assert Notification.objects.filter(user=people["agent"], kind="initiative_rolled_out").count() == 1


def test_no_customer_email_contains_an_internal_label(rolled_out, people):
    # when
    initiative_tell_customers(
        initiative=rolled_out["initiative"],
        actor=people["manager"],
        subject=DEFAULT_SUBJECT,
        what_changed=WHAT,
    )
    # then: neither the signal's title, the category's label, nor the touchpoint's
    queued = list(EmailMessage.objects.all())
    assert len(queued) == 2
    for email in queued:
        for label in ("Website / Checkout error", "Checkout error", "· Buy", "Checkout page", "Initiative"):
            assert label not in email.subject
            assert label not in email.body


@pytest.mark.parametrize(
    ("subject", "what_changed", "field"),
    [
        ("", WHAT, "subject"),
        (DEFAULT_SUBJECT, "  ", "what_changed"),
        ("Website / Checkout error · Buy", WHAT, "subject"),
        (DEFAULT_SUBJECT, "We fixed Website / Checkout error.", "what_changed"),
    ],
)
def test_a_missing_text_or_an_internal_label_is_refused(rolled_out, people, subject, what_changed, field):
    with pytest.raises(ApplicationError) as refused:
        initiative_tell_customers(
            initiative=rolled_out["initiative"],
            actor=people["manager"],
            subject=subject,
            what_changed=what_changed,
        )
    assert field in refused.value.extra
    assert EmailMessage.objects.count() == 0


def test_only_the_owner_or_the_committee_tells_and_only_once_rolled_out(rolled_out, people):
    with pytest.raises(NotPermitted):
        initiative_tell_customers(
            initiative=rolled_out["initiative"],
            actor=people["lead"],
            subject=DEFAULT_SUBJECT,
            what_changed=WHAT,
        )
    not_yet = InitiativeFactory(stage=Stage.DEVELOP, owner=people["manager"])
    with pytest.raises(StateConflict, match="rolled out"):
        initiative_tell_customers(
            initiative=not_yet, actor=people["manager"], subject=DEFAULT_SUBJECT, what_changed=WHAT
        )
    assert EmailMessage.objects.count() == 0


@pytest.mark.parametrize("subject", ["We fixed it\r\nBcc: x@example.org", "We fixed it\rX-Spam: yes"])
def test_a_subject_with_a_line_break_is_refused(rolled_out, people, subject):
    with pytest.raises(ApplicationError) as refused:
        initiative_tell_customers(
            initiative=rolled_out["initiative"], actor=people["manager"], subject=subject, what_changed=WHAT
        )
    assert "subject" in refused.value.extra
    assert EmailMessage.objects.count() == 0
