"""Two-way email in the case: a customer's reply, through a provider's inbound webhook, lands on its
case's timeline without the quoted history, moves the case back to work and tells its owner; a
forged reply address is refused and stores nothing."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from cxloop.notifications.models import EmailMessage, Notification
from innerloop.models import Case, CaseEvent, CaseReply, CaseStatus
from innerloop.replies.addresses import case_from_reply_address, reply_address_for
from innerloop.replies.parsing import html_to_text, reply_text_extract
from innerloop.services import cases as case_services
from tests.factories import CategoryFactory

from .factories import MessageTemplateFactory
from .replies_support import (
    DOMAIN,
    NEW_TEXT,
    QUOTED,
    basic_auth,
    case_closed,
    case_waiting,
    forged_address,
    may_see_personal_data,
    post_postmark,
    postmark_payload,
    replies_switched_on,
    stored_counts,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def replies_on(settings, tmp_path):
    return replies_switched_on(settings, tmp_path)


REPLIED_AT = "2026-11-02 15:00:00+00:00"


@pytest.fixture
def root_cause(db):
    return CategoryFactory(slug="late", name="Late delivery", parent=CategoryFactory(slug="delivery"))


# --- The address ----------------------------------------------------------------------------------


def test_the_reply_address_is_signed_and_survives_lowercasing(replies_on, org, people):
    # given
    case = case_waiting(org, people)
    # when
    address = reply_address_for(case)
    # then: the case's own address, found again whatever the case of its letters
    assert address.startswith(f"reply+c{case.pk}.")
    assert address.endswith(f"@{DOMAIN}")
    assert case_from_reply_address(address) == case
    assert case_from_reply_address(address.upper()) == case
    assert case_from_reply_address(f"Team A1 <{address}>") == case


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(forged_address, id="altered signature"),
        pytest.param(
            lambda case: reply_address_for(case).replace(f"+c{case.pk}.", f"+c{case.pk + 1}."),
            id="other case",
        ),
        pytest.param(
            lambda case: reply_address_for(case).replace(DOMAIN, "elsewhere.test"), id="other domain"
        ),
        pytest.param(lambda case: f"reply+c{case.pk}@{DOMAIN}", id="no signature"),
    ],
)
def test_a_forged_reply_address_names_no_case(replies_on, org, people, tamper):
    case = case_waiting(org, people)
    assert case_from_reply_address(tamper(case)) is None


def test_without_a_reply_domain_messages_carry_no_reply_address(settings, org, people):
    # given: replies switched off
    settings.CXLOOP_REPLY_DOMAIN = ""
    case = case_waiting(org, people)
    # when
    case_services.case_message_customer(case=case, actor=people["agent"], template=MessageTemplateFactory())
    # then
    assert reply_address_for(case) == ""
    assert EmailMessage.objects.get().reply_to == ""


def test_a_message_to_the_customer_carries_the_cases_reply_address(replies_on, org, people, mailoutbox):
    # given
    case = case_waiting(org, people)
    # when
    case_services.case_message_customer(case=case, actor=people["agent"], template=MessageTemplateFactory())
    # then
    email = EmailMessage.objects.get()
    assert email.reply_to == reply_address_for(case)
    assert case_from_reply_address(email.reply_to) == case


# --- Through the webhook ---------------------------------------------------------------------------


def test_a_reply_through_the_postmark_webhook_lands_on_the_case(replies_on, org, people, client):
    # given: a case waiting on its customer since 09:00, due at 09:00 the next day
    case = case_waiting(org, people)
    due_before = case.due_at
    # when: the customer replies six hours later
    with freeze_time(REPLIED_AT):
        response = post_postmark(client, postmark_payload(to=reply_address_for(case)))
    # then: stored without the quoted history
    assert response.status_code == 200
    reply = CaseReply.objects.get()
    assert (reply.case, reply.channel, reply.provider) == (case, "webhook", "postmark")
    assert reply.text == NEW_TEXT
    assert QUOTED in reply.full_text
    # the case is back in progress, its clock running again, moved on by the six hours paused
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    assert case.paused_at is None
    assert case.due_at == due_before + timedelta(hours=6)
    # the owner is told, with a link
    notification = Notification.objects.get(user=people["agent"])
    assert notification.url == f"/cases/{case.pk}/"
    assert str(case.pk) in notification.title
    # and the timeline shows the reply, not the quote
    may_see_personal_data(people["agent"])
    client.force_login(people["agent"])
    html = client.get(f"/cases/{case.pk}/").content.decode()
    timeline = html[html.index('id="timeline"') :]
    assert "Customer replied" in timeline
    assert "not on file" not in timeline
    shown = timeline.split('class="case-reply"')[1].split('class="message-body"')[1].split("</p>")[0]
    assert NEW_TEXT in shown
    assert QUOTED.removeprefix("> ") not in shown
    # the whole email stays one click away, folded
    assert '<details class="reply-whole">' in timeline


def test_a_forged_reply_address_is_refused_and_nothing_is_stored(replies_on, org, people, client):
    # given
    case = case_waiting(org, people)
    before = stored_counts()
    # when
    response = post_postmark(client, postmark_payload(to=forged_address(case)))
    # then: Postmark is told not to retry, and nothing anywhere changed
    assert response.status_code == 403
    assert stored_counts() == before
    case.refresh_from_db()
    assert case.status == CaseStatus.WAITING_ON_CUSTOMER


def test_the_webhook_wants_its_secret(replies_on, org, people, client):
    case = case_waiting(org, people)
    before = stored_counts()
    response = post_postmark(
        client, postmark_payload(to=reply_address_for(case)), **basic_auth("postmark:wrong")
    )
    assert response.status_code == 400
    assert stored_counts() == before


def test_without_a_reply_domain_the_webhook_is_not_there(replies_on, org, people, client):
    case = case_waiting(org, people)
    payload = postmark_payload(to=reply_address_for(case))
    replies_on.CXLOOP_REPLY_DOMAIN = ""
    assert post_postmark(client, payload).status_code == 404
    assert CaseReply.objects.count() == 0


def test_a_reply_delivered_twice_is_stored_once(replies_on, org, people, client):
    # given
    case = case_waiting(org, people)
    payload = postmark_payload(to=reply_address_for(case))
    # when: the provider delivers it again
    assert post_postmark(client, payload).status_code == 200
    after_first = stored_counts()
    assert post_postmark(client, payload).status_code == 200
    # then
    assert stored_counts() == after_first
    assert CaseReply.objects.count() == 1


def test_a_reply_from_another_address_is_kept_and_marked(replies_on, org, people, client):
    # given
    case = case_waiting(org, people)
    # when: it reached the case's signed address, from an address not on file
    post_postmark(client, postmark_payload(to=reply_address_for(case), sender="someone.else@example.test"))
    # then
    event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.REPLY_RECEIVED)
    assert event.data["from_on_file"] is False
    client.force_login(people["agent"])
    assert "not on file" in client.get(f"/cases/{case.pk}/").content.decode()


def test_the_reply_is_escaped_on_the_page(replies_on, org, people, client):
    case = case_waiting(org, people)
    payload = postmark_payload(to=reply_address_for(case))
    payload["TextBody"] = "<script>alert(1)</script>\nsecond line"
    post_postmark(client, payload)
    client.force_login(people["agent"])
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>second line" in html


# --- Closed cases ----------------------------------------------------------------------------------


def test_a_reply_to_a_closed_case_reopens_it(replies_on, org, people, client, root_cause):
    # given
    case = case_closed(org, people, root_cause)
    # when
    post_postmark(client, postmark_payload(to=reply_address_for(case)))
    # then
    case.refresh_from_db()
    assert case.status == CaseStatus.REOPENED
    assert CaseReply.objects.get().case == case
    assert Notification.objects.filter(user=people["agent"], url=f"/cases/{case.pk}/").exists()


def test_a_reply_to_a_closed_case_can_open_a_linked_case(replies_on, org, people, client, root_cause):
    # given: replies to closed cases open a new one
    replies_on.CXLOOP_REPLY_TO_CLOSED = "new_case"
    case = case_closed(org, people, root_cause)
    # when: two replies
    post_postmark(client, postmark_payload(to=reply_address_for(case)))
    post_postmark(client, postmark_payload(to=reply_address_for(case)))
    # then: the closed case stays closed, both replies are on one new case, linked to it
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    linked = Case.objects.exclude(pk=case.pk).get()
    assert (linked.status, linked.team, linked.customer, linked.feedback) == (
        CaseStatus.NEW, case.team, case.customer, case.feedback
    )  # fmt: skip
    assert CaseReply.objects.filter(case=linked).count() == 2
    opened = linked.events.get(kind=CaseEvent.Kind.OPENED)
    assert opened.data["replied_to_case"] == case.pk
    assert case.events.filter(kind=CaseEvent.Kind.REPLY_RECEIVED, data__moved_to_case=linked.pk).count() == 2
    # and both pages say so in words
    client.force_login(people["agent"])
    assert f"replied to case {case.pk}" in client.get(f"/cases/{linked.pk}/").content.decode()
    assert f"the reply is on case {linked.pk}" in client.get(f"/cases/{case.pk}/").content.decode()


# --- Reading the text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "kept"),
    [
        pytest.param(
            f"{NEW_TEXT}\n\nOn Mon, 2 Nov 2026, Team <a@b.test> wrote:\n{QUOTED}", NEW_TEXT, id="en"
        ),
        pytest.param(
            "Obrigada, chegou hoje.\n\nEm seg., 2 de nov. de 2026 às 09:00, Equipa\n"
            "<a@b.test> escreveu:\n> Olá",
            "Obrigada, chegou hoje.",
            id="pt",
        ),
        pytest.param("Sim, pode ligar.\n\nEnviado do meu iPhone", "Sim, pode ligar.", id="pt signature"),
        pytest.param(
            "Call me:\n- after 5\n- not Friday\n\n> old", "Call me:\n- after 5\n- not Friday", id="lists"
        ),
    ],
)
def test_quoted_history_and_signatures_are_cut(received, kept):
    assert reply_text_extract(received) == kept


def test_an_html_only_reply_is_read_as_text():
    html = (
        "<html><head><style>p{}</style></head><body><p>It &amp; the box</p><div>arrived<br>today</div>"
        "<div class='gmail_quote'><div>On Monday wrote:</div><blockquote>old</blockquote></div>"
        "<script>alert(1)</script></body></html>"
    )
    assert html_to_text(html) == "It & the box\n\narrived\ntoday"


def test_more_replies_on_the_timeline_cost_no_more_queries(replies_on, org, people, client):
    # given: a case with one reply, then with four
    case = case_waiting(org, people)
    client.force_login(people["agent"])

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/cases/{case.pk}/").status_code == 200
        return len(queries)

    post_postmark(client, postmark_payload(to=reply_address_for(case)))
    one = page_queries()
    for _ in range(3):
        post_postmark(client, postmark_payload(to=reply_address_for(case)))
    # then
    assert CaseReply.objects.filter(case=case).count() == 4
    assert page_queries() == one
