"""A template inserts its text in the browser (#16, item 3): choosing it fills the subject and body
with the case's details, the agent edits them, and exactly that is sent and on the timeline. On a
phone, the case page's bottom action bar never breaks a word."""

import re

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from cxloop.core.pii import PERSONAL_DATA_CODENAME
from cxloop.notifications.models import EmailMessage
from tests.e2e.axe import axe_violations, horizontal_overflow
from tests.factories import CustomerFactory, FeedbackFactory
from tests.innerloop.factories import CaseFactory, MessageTemplateFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pw-for-tests-only"
BODY = "Hello {customer_name},\n\nI am {agent_name} from {team_name}, about case {case_id}."


@pytest.fixture
def case(org, people):
    agent = people["agent"]
    agent.first_name, agent.last_name = "Grace", "Hopper"
    agent.save()
    # The agent may see and use the customer's phone number: the bar then has all five actions.
    agent.user_permissions.add(Permission.objects.get(codename=PERSONAL_DATA_CODENAME))
    MessageTemplateFactory(
        slug="sorry", name="Sorry we let you down", subject="About case {case_id}", body=BODY
    )
    customer = CustomerFactory(name="Ada Lovelace", email="ada@example.test", phone="+44 113 496 0000")
    feedback = FeedbackFactory(team=org["team_a1"], customer=customer, score=2)
    return CaseFactory(team=org["team_a1"], feedback=feedback, assignee=agent)


def _log_in(browser, live_server, username: str, viewport: dict):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    return context, page


def test_choose_a_template_read_and_edit_its_text_send_it(browser, live_server, people, case):
    context, page = _log_in(browser, live_server, people["agent"].username, {"width": 1440, "height": 900})
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    # when: the agent opens the composer and chooses a template
    page.get_by_text("Message the customer", exact=True).click()
    page.get_by_label("Template").select_option("sorry")
    # then: its text is in the form, filled in for this case, before anything is sent
    subject, body = page.get_by_label("Subject"), page.get_by_role("textbox", name=re.compile(r"^Message"))
    expect(subject).to_have_value(f"About case {case.pk}")
    expect(body).to_have_value(
        f"Hello Ada Lovelace,\n\nI am Grace Hopper from Team A1, about case {case.pk}."
    )
    assert not EmailMessage.objects.exists()
    assert axe_violations(page) == []
    # when: the agent edits it and sends
    body.fill(body.input_value() + "\n\nI have refunded the delivery charge.")
    subject.fill("Your refund")
    page.get_by_role("button", name="Send message").click()
    # then: exactly the edited text went, and the timeline shows it
    expect(page.get_by_text("Message sent to the customer.")).to_be_visible()
    expected = f"Hello Ada Lovelace,\n\nI am Grace Hopper from Team A1, about case {case.pk}.\n\n" + (
        "I have refunded the delivery charge."
    )
    email = EmailMessage.objects.get()
    assert (email.subject, email.body) == ("Your refund", expected)
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("Your refund")
    expect(timeline).to_contain_text("I have refunded the delivery charge.")
    context.close()


def test_a_missing_name_leaves_a_gap_that_must_be_filled(browser, live_server, people, case):
    from feedback.models import Customer

    Customer.objects.filter(pk=case.customer_id).update(name="")
    context, page = _log_in(browser, live_server, people["agent"].username, {"width": 1440, "height": 900})
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.get_by_text("Message the customer", exact=True).click()
    page.get_by_label("Template").select_option("sorry")
    body = page.get_by_role("textbox", name=re.compile(r"^Message"))
    expect(body).to_have_value(re.compile(r"^Hello \[customer name\],"))
    expect(page.locator("#message-template-note")).to_contain_text("[customer name]")
    # sending it as it is is refused, with the field and the reason
    page.get_by_role("button", name="Send message").click()
    expect(page.get_by_text("Fill in or remove [customer name] before sending.")).to_be_visible()
    assert not EmailMessage.objects.exists()
    context.close()


def _broken_words(page) -> list[str]:
    """The words of the action bar's labels that the browser split across two lines."""
    return page.evaluate(
        """() => {
            const broken = [];
            for (const link of document.querySelectorAll("nav.action-bar a")) {
                const walker = document.createTreeWalker(link, NodeFilter.SHOW_TEXT);
                for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                    for (const word of node.data.matchAll(/\\S+/g)) {
                        const range = document.createRange();
                        range.setStart(node, word.index);
                        range.setEnd(node, word.index + word[0].length);
                        const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
                        if (lines.size > 1) broken.push(word[0]);
                    }
                }
            }
            return broken;
        }"""
    )


@pytest.mark.parametrize("width", [360, 390])
def test_the_phone_action_bar_never_breaks_a_word(browser, live_server, people, case, width):
    context, page = _log_in(browser, live_server, people["agent"].username, {"width": width, "height": 844})
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    bar = page.get_by_role("navigation", name="Case actions")
    expect(bar.get_by_role("link")).to_have_count(5)  # call, log contact, message, resolve, note
    assert _broken_words(page) == []
    assert horizontal_overflow(page) <= 0
    for link in bar.get_by_role("link").all():
        box = link.bounding_box()
        assert box is not None
        assert box["height"] >= 44
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= width
    # and the composer, opened from the bar, fills in and passes axe on the phone
    bar.get_by_role("link", name="Message").click()
    page.get_by_label("Template").select_option("sorry")
    expect(page.get_by_role("textbox", name=re.compile(r"^Message"))).to_have_value(
        re.compile("Hello Ada Lovelace")
    )
    assert horizontal_overflow(page) <= 0
    assert axe_violations(page) == []
    context.close()
