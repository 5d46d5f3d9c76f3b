"""Do not contact in the browser: an agent marks the customer on the case page, and the page then
says so at the top and offers no way to write to or log a call to them."""

import re

import pytest
from playwright.sync_api import expect

from feedback.models import Customer
from tests.innerloop.factories import CaseFactory, MessageTemplateFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pw-for-tests-only"


def test_an_agent_marks_the_customer_do_not_contact_and_the_composer_goes(people, org, login, live_server):
    # given: an open case of the agent's team, with a message template to send
    MessageTemplateFactory()
    case = CaseFactory(team=org["team_a1"])
    page = login(people["agent"].username, PASSWORD)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    expect(page.get_by_role("heading", name="Message the customer")).to_be_visible()
    # when: the customer asked not to be contacted, and the agent records it (a confirmed action)
    page.get_by_text("Mark do not contact", exact=True).first.click()
    confirmation = page.get_by_label("The customer asked not to be contacted")
    expect(confirmation).to_have_attribute("required", "")  # not without the confirmation
    confirmation.check()
    page.get_by_role("button", name="Mark do not contact").click()
    # then
    expect(page).to_have_url(re.compile(rf"/cases/{case.pk}/$"))
    expect(page.get_by_role("alert")).to_contain_text(
        re.compile(r"Do not contact — since \d{1,2} \w{3} \d{4}")
    )
    expect(page.get_by_role("heading", name="Message the customer", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Send message")).to_have_count(0)
    expect(page.get_by_role("button", name="Log contact")).to_have_count(0)
    expect(page.get_by_text("Not available: the customer asked not to be contacted")).to_be_visible()
    assert Customer.objects.get(pk=case.customer_id).do_not_contact
