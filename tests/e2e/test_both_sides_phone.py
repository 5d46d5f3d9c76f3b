"""Both sides of the story on a phone (390 by 844): a team lead records the employee's account and
judges the customer not a fit, with a justification; the page keeps to the screen's width and
axe-core finds nothing serious or critical."""

import re

import pytest
from playwright.sync_api import expect

from innerloop.models import Case
from tests.e2e.axe import axe_violations, horizontal_overflow
from tests.factories import FeedbackFactory
from tests.innerloop.factories import CaseFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pw-for-tests-only"
ACCOUNT = "The customer arrived after closing and the till was already counted; I offered a delivery slot."


def test_a_lead_records_both_sides_on_a_phone(people, org, login, live_server, page):
    # given: an open case of the lead's team
    case = CaseFactory(
        team=org["team_a1"], feedback=FeedbackFactory(team=org["team_a1"], comment="Refused to serve me.")
    )
    page.set_viewport_size({"width": 390, "height": 844})
    login(people["lead"].username, PASSWORD)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    # when: the employee's account is recorded
    page.get_by_text("Record the employee's account", exact=True).click()
    page.get_by_role("textbox", name="The employee's account").fill(ACCOUNT)
    page.get_by_role("button", name="Record account").click()
    expect(page).to_have_url(re.compile(rf"/cases/{case.pk}/$"))
    # and the customer is judged not a fit, with a justification
    page.get_by_text("Customer not a fit", exact=True).click()
    page.get_by_role("combobox", name="Customer not a fit").select_option(
        label="Customer not a fit: the customer was wrong"
    )
    page.get_by_role("textbox", name="Justification").fill("Opening hours are on the door and the website.")
    page.get_by_role("button", name="Mark not a fit").click()
    # then
    expect(page.locator("#employee-account")).to_contain_text(ACCOUNT)
    expect(page.locator("#disposition")).to_contain_text("Customer not a fit: the customer was wrong")
    expect(page.locator("#timeline")).to_contain_text("Marked “customer not a fit: the customer was wrong”.")
    assert horizontal_overflow(page) <= 0
    assert axe_violations(page) == []
    assert Case.objects.get(pk=case.pk).disposition == "customer_wrong"
