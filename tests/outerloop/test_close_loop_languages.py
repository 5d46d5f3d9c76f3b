"""Telling the customers in their own language: a version per language, each customer's in theirs."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cxloop.core.exceptions import ApplicationError
from cxloop.notifications.models import EmailMessage
from cxloop.org.models import Preference
from outerloop.loop_message import DEFAULT_SUBJECT, close_loop_preview, customer_language
from outerloop.models import InitiativeEvent, Stage
from outerloop.services.close_loop import initiative_tell_customers
from tests.factories import CategoryFactory, CustomerFactory, FeedbackFactory
from tests.innerloop.factories import CaseFactory

from .factories import InitiativeFactory, SignalFactory

pytestmark = pytest.mark.django_db

WHAT = "Couriers now offer a two-hour slot."
WHAT_PT = "Os estafetas oferecem agora uma janela de duas horas."
SUBJECT_PT = "Mudámos algo graças ao que nos disse"


@pytest.fixture
def initiative(people, org):
    now = timezone.now()
    category = CategoryFactory(slug="late-delivery", name="Late delivery")
    signal = SignalFactory(category=category, title="Late delivery · Receive")
    initiative = InitiativeFactory(
        stage=Stage.ROLLED_OUT, rolled_out_at=now, signals=[signal], owner=people["manager"]
    )
    for name, language in (("Alice", "en"), ("Bruno", "pt-PT"), ("Carla", "pt"), ("Dev", "")):
        feedback = FeedbackFactory(
            customer=CustomerFactory(name=name), language=language, occurred_at=now - timedelta(days=2)
        )
        CaseFactory(team=org["team_a1"], root_cause=category, feedback=feedback, assignee=people["agent"])
    return initiative


@pytest.mark.parametrize(
    ("tag", "language"),
    [("pt", "pt"), ("pt-PT", "pt"), ("PT_br", "pt"), ("en-GB", "en"), ("de", "en"), ("", "en")],
)
def test_a_feedback_language_tag_maps_to_one_of_ours(tag, language):
    assert customer_language(tag) == language


def test_without_the_portuguese_version_the_preview_is_refused(initiative):
    with pytest.raises(ApplicationError) as refused:
        close_loop_preview(initiative=initiative, subject=DEFAULT_SUBJECT, what_changed=WHAT)
    assert "Portuguese" in refused.value.message
    assert refused.value.extra == {"what_changed_pt": ["required"]}


def test_the_preview_shows_each_language_with_its_count_and_email(initiative):
    # when
    preview = close_loop_preview(
        initiative=initiative,
        subject=DEFAULT_SUBJECT,
        what_changed=WHAT,
        translations={"pt": (SUBJECT_PT, WHAT_PT)},
    )
    # then: two customers in English (one with no language), two in Portuguese
    versions = {version.code: version for version in preview.languages}
    assert preview.recipients == 4
    assert (versions["en"].recipients, versions["pt"].recipients) == (2, 2)
    assert versions["pt"].sample.subject == SUBJECT_PT
    assert versions["pt"].sample.body.startswith("Olá Bruno,")
    assert WHAT_PT in versions["pt"].sample.body
    assert versions["en"].sample.body.startswith("Hello Alice,")


def test_each_customer_is_emailed_in_their_language_and_the_record_keeps_both(initiative, people):
    # given: the agent told as a colleague works in Portuguese
    Preference.objects.create(user=people["agent"], language="pt")
    # when
    result = initiative_tell_customers(
        initiative=initiative, actor=people["manager"], subject="We changed our deliveries",
        what_changed=WHAT, translations={"pt": (SUBJECT_PT, WHAT_PT)},
    )  # fmt: skip
    # then
    assert result["emails_queued"] == 4
    emails = {email.body.split(",")[0]: email for email in EmailMessage.objects.all()}
    assert emails["Olá Carla"].subject == SUBJECT_PT
    assert WHAT_PT in emails["Olá Carla"].body
    assert "Obrigado" in emails["Olá Carla"].body
    assert emails["Hello Alice"].subject == "We changed our deliveries"
    assert WHAT in emails["Hello Dev"].body
    record = initiative.events.get(kind=InitiativeEvent.Kind.LOOP_CLOSED)
    assert record.data["translations"] == {"pt": {"subject": SUBJECT_PT, "what_changed": WHAT_PT}}
    assert record.data["by_language"] == {"en": 2, "pt": 2}
    note = people["agent"].notifications.get()
    assert note.title.startswith("Disseram, fizemos:")


def test_the_page_asks_for_the_portuguese_version_and_previews_both(client, initiative, people):
    client.force_login(people["manager"])
    url = f"/initiatives/{initiative.pk}/tell-customers/"
    english = {"subject": "We changed our deliveries", "what_changed": WHAT, "preview": ""}
    # when: the form, then a preview without and with the Portuguese words
    form = client.get(url).content.decode()
    without = client.post(url, english)
    with_pt = client.post(url, {**english, "subject_pt": SUBJECT_PT, "what_changed_pt": WHAT_PT})
    # then: the Portuguese subject is offered in Portuguese, and needed before any preview
    assert SUBJECT_PT in form
    assert without.status_code == 400
    assert "write its subject and text in Portuguese" in without.content.decode()
    shown = with_pt.content.decode()
    assert with_pt.status_code == 200
    assert 'id="preview-en"' in shown
    assert 'id="preview-pt"' in shown
    assert "In Portuguese: 2 customers" in shown
    assert "Olá Bruno," in shown
    assert EmailMessage.objects.count() == 0


def test_a_template_for_any_language_is_not_used_for_a_portuguese_customer(db):
    # given: the organisation's own wording, written for any language (so in English)
    from innerloop.models import MessageTemplate
    from outerloop.loop_message import CLOSE_LOOP_TEMPLATE, close_loop_message

    MessageTemplate.objects.filter(slug=CLOSE_LOOP_TEMPLATE).delete()
    MessageTemplate.objects.create(
        slug=CLOSE_LOOP_TEMPLATE,
        language="",
        name="Ours",
        subject="x",
        body="Dear {customer_name}: {what_changed}",
    )
    customer = CustomerFactory(name="Bruno")
    # when
    english = close_loop_message(subject="S", what_changed=WHAT, customer=customer, language="en")
    portuguese = close_loop_message(subject="S", what_changed=WHAT_PT, customer=customer, language="pt")
    # then
    assert english.body == f"Dear Bruno: {WHAT}"
    assert "Dear" not in portuguese.body
    assert WHAT_PT in portuguese.body
