"""Message templates insert their text (#16, item 3): filled in for the case, in the customer's
language, shown and editable before sending; what is sent is exactly the edited text."""

import json
import re
from html import unescape

import pytest
from django.utils import translation
from django.utils.translation import gettext
from rest_framework.test import APIClient

from cxloop.core.exceptions import ApplicationError
from cxloop.notifications.models import EmailMessage
from innerloop.admin import MessageTemplateForm
from innerloop.defaults import ensure_defaults
from innerloop.message_templates import (
    missing_note,
    template_fill,
    templates_for_case,
    templates_for_language,
)
from innerloop.models import CaseEvent, MessageTemplate
from innerloop.services import cases as services
from tests.factories import CustomerFactory, FeedbackFactory, UserFactory

from .factories import CaseFactory, MessageTemplateFactory

pytestmark = pytest.mark.django_db

BODY = "Hello {customer_name}, this is {agent_name} from {team_name} about case {case_id}."


@pytest.fixture
def agent(people):
    people["agent"].first_name, people["agent"].last_name = "Grace", "Hopper"
    people["agent"].save()
    return people["agent"]


def _case(org, *, name="Ada Lovelace", email="ada@example.test", language=""):
    customer = CustomerFactory(name=name, email=email)
    feedback = FeedbackFactory(team=org["team_a1"], customer=customer, score=2, language=language)
    return CaseFactory(team=org["team_a1"], feedback=feedback)


@pytest.fixture
def sorry(db):
    return MessageTemplateFactory(slug="sorry", name="Sorry", subject="About case {case_id}", body=BODY)


def _textarea(html: str, name: str) -> str:
    found = re.search(rf'<textarea name="{name}"[^>]*>\n?(.*?)</textarea>', html, re.S)
    assert found, f"no {name} textarea"
    return unescape(found.group(1))


def _page_texts(html: str) -> list[dict]:
    found = re.search(r'<script id="message-templates" type="application/json">(.*?)</script>', html, re.S)
    assert found, "the page carries the filled texts for its script"
    return json.loads(found.group(1))


# --- Filling -------------------------------------------------------------------------------------


def test_a_template_is_filled_with_the_case_details(org, agent, sorry):
    case = _case(org)
    filled = template_fill(sorry, case=case, actor=agent)
    assert filled.subject == f"About case {case.pk}"
    assert filled.body == f"Hello Ada Lovelace, this is Grace Hopper from Team A1 about case {case.pk}."
    assert filled.missing == []


def test_a_value_the_case_lacks_is_a_visible_gap_never_a_placeholder_or_none(org, agent, sorry):
    case = _case(org, name="")
    filled = template_fill(sorry, case=case, actor=agent)
    assert filled.body.startswith("Hello [customer name], this is Grace Hopper")
    assert filled.missing == ["customer name"]
    assert "{" not in filled.body
    assert "None" not in filled.body


def test_the_page_note_names_every_gap_to_write_in(org, agent):
    did = MessageTemplateFactory(
        slug="did", name="Did", subject="s", body="Hi {customer_name}: [what changed]"
    )
    assert missing_note(template_fill(did, case=_case(org), actor=agent)) == (
        "Before sending, write in or remove [what changed]."
    )
    assert missing_note(template_fill(did, case=_case(org, name=""), actor=agent)) == (
        "This case has no value for [customer name]. Before sending, write in or remove [customer name], "
        "[what changed]."
    )


def test_sending_a_text_with_a_gap_is_refused_and_nothing_is_queued(org, agent, sorry):
    case = _case(org, name="")
    with pytest.raises(ApplicationError, match=re.escape("[customer name]")):
        services.case_message_customer(case=case, actor=agent, template=sorry)
    with pytest.raises(ApplicationError, match=re.escape("{customer_name}")):
        services.case_message_customer(case=case, actor=agent, template=sorry, body="Hi {customer_name}")
    assert not EmailMessage.objects.exists()
    assert not case.events.filter(kind=CaseEvent.Kind.MESSAGE_SENT).exists()


def test_a_template_with_an_empty_body_sends_nothing(org, agent):
    empty = MessageTemplateFactory(slug="empty", name="Empty", subject="Hello", body="   ")
    with pytest.raises(ApplicationError, match="never sent empty"):
        services.case_message_customer(case=_case(org), actor=agent, template=empty)
    assert not EmailMessage.objects.exists()


# --- Language --------------------------------------------------------------------------------------


def test_the_version_in_the_customers_language_is_chosen_else_the_one_for_any_language(org, agent, sorry):
    MessageTemplate.objects.exclude(slug="sorry").delete()  # the shipped defaults aside
    MessageTemplate.objects.create(slug="sorry", language="pt", name="Desculpe", subject="s", body="Olá")
    MessageTemplate.objects.create(slug="only-pt", language="pt", name="Só pt", subject="s", body="b")
    portuguese = _case(org, language="pt")

    def versions(templates):
        return [(template.slug, template.language) for template in templates]

    assert versions(templates_for_case(portuguese)) == [("sorry", "pt"), ("only-pt", "pt")]
    assert versions(templates_for_case(_case(org, language="en"))) == [("sorry", "")]
    assert versions(templates_for_language("pt-br")) == [("sorry", "pt"), ("only-pt", "pt")]
    MessageTemplate.objects.filter(slug="sorry", language="pt").update(active=False)
    assert versions(templates_for_case(portuguese)) == [("sorry", ""), ("only-pt", "pt")]


def test_a_gap_is_written_in_the_templates_language(org, agent):
    template = MessageTemplate.objects.create(slug="ola", language="pt", name="Olá", subject="s", body=BODY)
    filled = template_fill(template, case=_case(org, name="", language="pt"), actor=agent)
    with translation.override("pt"):
        label = gettext("customer name")
    assert filled.body.startswith(f"Hello [{label}], this is Grace Hopper")
    assert filled.missing == [label]


def test_the_defaults_ship_portuguese_versions(db):
    ensure_defaults()
    slugs = set(MessageTemplate.objects.filter(language="pt").values_list("slug", flat=True))
    assert slugs == set(MessageTemplate.objects.filter(language="").values_list("slug", flat=True))
    assert MessageTemplate.objects.get(slug="sorry-we-let-you-down", language="pt").body.startswith("Olá")


def test_the_api_sends_the_version_in_the_customers_language(org, agent, sorry):
    MessageTemplate.objects.create(
        slug="sorry",
        language="pt",
        name="Desculpe",
        subject="Sobre o caso {case_id}",
        body="Olá {customer_name}",
    )
    case = _case(org, language="pt")
    api = APIClient()
    api.force_authenticate(agent)
    answer = api.post(f"/api/v1/cases/{case.pk}/message/", {"template": "sorry"}, format="json")
    assert answer.status_code in (200, 201), answer.content
    email = EmailMessage.objects.get()
    assert (email.subject, email.body) == (f"Sobre o caso {case.pk}", "Olá Ada Lovelace")


# --- The case page -------------------------------------------------------------------------------


def test_the_page_carries_each_templates_filled_text_and_an_editable_form(client, org, agent, sorry):
    case = _case(org)
    client.force_login(agent)
    html = client.get(f"/cases/{case.pk}/").content.decode()
    [text] = [text for text in _page_texts(html) if text["slug"] == "sorry"]
    assert text["slug"] == "sorry"
    assert text["body"] == f"Hello Ada Lovelace, this is Grace Hopper from Team A1 about case {case.pk}."
    assert 'name="subject"' in html
    assert 'name="body"' in html
    assert "js/message_template.js" in html


def test_use_template_puts_the_filled_text_in_the_form_and_sends_nothing(client, org, agent, sorry):
    case = _case(org)
    client.force_login(agent)
    page = client.post(f"/cases/{case.pk}/message/", {"use_template": "1", "template": "sorry"})
    assert page.status_code == 200
    html = page.content.decode()
    assert (
        _textarea(html, "body")
        == f"Hello Ada Lovelace, this is Grace Hopper from Team A1 about case {case.pk}."
    )
    assert f'value="About case {case.pk}"' in html
    assert not EmailMessage.objects.exists()


def test_use_template_says_what_it_could_not_fill(client, org, agent, sorry):
    case = _case(org, name="")
    client.force_login(agent)
    html = client.post(
        f"/cases/{case.pk}/message/", {"use_template": "1", "template": "sorry"}
    ).content.decode()
    assert "Hello [customer name]," in _textarea(html, "body")
    assert "This case has no value for [customer name]" in html


def test_what_is_sent_is_exactly_the_edited_text(client, org, agent, sorry):
    case = _case(org)
    client.force_login(agent)
    edited = "Dear Ada,\r\n\r\nI have refunded the order.\r\n\r\nGrace"
    answer = client.post(
        f"/cases/{case.pk}/message/",
        {"version": case.version, "template": "sorry", "subject": "Your refund", "body": edited},
    )
    assert answer.status_code == 302
    email = EmailMessage.objects.get()
    assert (email.subject, email.body) == ("Your refund", edited.replace("\r\n", "\n"))
    event = case.events.get(kind=CaseEvent.Kind.MESSAGE_SENT)
    assert (event.data["subject"], event.data["body"], event.data["template"]) == (
        "Your refund",
        edited.replace("\r\n", "\n"),
        "sorry",
    )


@pytest.mark.parametrize(
    ("subject", "body", "field", "reason"),
    [
        ("Hi", "", "body", "This field is required."),
        ("", "Some text", "subject", "This field is required."),
        ("Hi", "Hello [customer name], sorry.", "body", "Fill in or remove [customer name] before sending."),
        ("Hi {case_id}", "Text", "subject", "Fill in or remove {case_id} before sending."),
    ],
)
def test_an_empty_or_unfinished_message_is_a_form_error_and_nothing_is_sent(
    client, org, agent, sorry, subject, body, field, reason
):
    case = _case(org)
    client.force_login(agent)
    answer = client.post(
        f"/cases/{case.pk}/message/",
        {"version": case.version, "template": "sorry", "subject": subject, "body": body},
    )
    assert answer.status_code == 400
    assert answer.context["message_form"].errors[field] == [reason]
    assert not EmailMessage.objects.exists()


def test_no_template_chosen_is_a_form_error(client, org, agent, sorry):
    case = _case(org)
    client.force_login(agent)
    answer = client.post(f"/cases/{case.pk}/message/", {"use_template": "1", "template": ""})
    assert answer.status_code == 400
    assert "Choose a template." in answer.content.decode()


def test_the_template_text_is_only_for_cases_the_user_may_see(client, org, people, agent, sorry):
    case = _case(org)
    client.force_login(people["agent_b"])
    assert client.get(f"/cases/{case.pk}/").status_code == 404
    answer = client.post(f"/cases/{case.pk}/message/", {"use_template": "1", "template": "sorry"})
    assert answer.status_code == 404
    assert b"Ada Lovelace" not in answer.content


def test_no_email_no_message_form(client, org, agent, sorry):
    case = _case(org, email="")
    client.force_login(agent)
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert "No email address on record for this customer." in html
    assert 'id="message-form"' not in html
    assert "message-templates" not in html


# --- Admin ---------------------------------------------------------------------------------------


def test_the_admin_offers_the_languages_and_refuses_placeholders_no_case_can_fill(db):
    form = MessageTemplateForm(
        data={
            "name": "Hi",
            "slug": "hi",
            "language": "pt",
            "subject": "Hi {customer}",
            "body": "{agent_name}",
        }
    )
    assert not form.is_valid()
    assert "{customer}" in form.errors["subject"][0]
    assert ("pt", "Português") in form.fields["language"].choices
    ok = MessageTemplateForm(
        data={
            "name": "Hi",
            "slug": "hi",
            "language": "pt",
            "subject": "Hi",
            "body": "{agent_name}",
            "active": True,
        }
    )
    assert ok.is_valid(), ok.errors
    assert ok.save().language == "pt"


def test_an_agent_without_a_full_name_is_a_gap_not_a_username(org, sorry):
    nameless = UserFactory(username="jdoe", first_name="", last_name="")
    filled = template_fill(sorry, case=_case(org), actor=nameless)
    assert "jdoe" not in filled.body
    assert "[your name]" in filled.body


# --- The demo ------------------------------------------------------------------------------------


def test_the_demos_lisbon_customers_get_the_portuguese_templates(db):
    from datetime import UTC, datetime

    from django.core.management import call_command

    from feedback.models import Feedback
    from feedback.services.processing import feedback_sweep
    from innerloop.models import Case

    call_command(
        "seed_demo", customers=200, feedback=1500, end=datetime(2026, 12, 6, 12, tzinfo=UTC), verbosity=0
    )
    feedback_sweep()  # the live days: detection keeps a language the feedback came with
    lisbon = Feedback.objects.filter(team__slug="contact-centre-lisbon")
    assert lisbon.exists()
    assert set(lisbon.values_list("language", flat=True)) == {"pt"}
    assert not Feedback.objects.exclude(team__slug="contact-centre-lisbon").filter(language="pt").exists()
    case = Case.objects.filter(team__slug="contact-centre-lisbon").select_related("feedback").first()
    assert case is not None
    assert {template.language for template in templates_for_case(case)} == {"pt"}


@pytest.mark.parametrize("subject", ["Your refund\rBcc: x@example.org", "Your refund\nBcc: x@example.org"])
def test_a_subject_with_a_line_break_is_refused_and_nothing_is_queued(org, agent, sorry, subject):
    with pytest.raises(ApplicationError) as refused:
        services.case_message_customer(
            case=_case(org), actor=agent, template=sorry, subject=subject, body="Dear Ada, it is refunded."
        )
    assert "subject" in refused.value.extra
    assert EmailMessage.objects.count() == 0


def test_a_value_that_looks_like_a_placeholder_is_inserted_as_written(org, agent, sorry):
    case = _case(org, name="{agent_name}")
    filled = template_fill(sorry, case=case, actor=agent)
    assert filled.body == f"Hello {{agent_name}}, this is Grace Hopper from Team A1 about case {case.pk}."
