"""The admin's settings pages in a browser at 390 by 844 and 1440 by 900: triage rules (the list, a
new rule with its dry run, saving) and sources (the list, a source's mapping, a test delivery, the
delivery log). No page scrolls sideways and axe-core finds nothing serious or critical.

Set CXLOOP_SCREENSHOTS to a directory to keep a screenshot of each page at each size.
"""

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from cxloop.org.models import Role
from feedback.models import Feedback
from innerloop.models import CaseRule
from tests.e2e.axe import axe_violations, horizontal_overflow
from tests.e2e.test_phone import SIZES, _screenshot
from tests.factories import (
    CategoryFactory,
    FeedbackFactory,
    MembershipFactory,
    SourceFactory,
    TeamFactory,
    TouchpointFactory,
    UserFactory,
)
from tests.feedback.webhook_helpers import (
    STANDARD_MAPPING,
    STANDARD_SECRET,
    body_of,
    standard_headers,
    standard_payload,
)
from tests.innerloop.factories import CaseKindFactory, CaseRuleFactory, SlaPolicyFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pw-for-tests-only"


@pytest.fixture
def settings_world(transactional_db):
    """An admin, a webhook source with deliveries, rules, and recent feedback for the dry run."""
    admin = UserFactory(username="site-admin", first_name="Ada", last_name="Admin")
    MembershipFactory(user=admin, role=Role.ADMIN, team=None)
    team = TeamFactory(name="Contact centre Leeds", slug="contact-centre-leeds")
    TouchpointFactory(name="Checkout", slug="checkout", owning_team=team)
    parent = CategoryFactory(name="Delivery", slug="delivery")
    for n in range(12):
        CategoryFactory(name=f"Delivery problem {n}", slug=f"delivery-{n}", parent=parent)
    source = SourceFactory(
        name="Survey tool", slug="survey-tool", signing_secret=STANDARD_SECRET, field_mapping=STANDARD_MAPPING
    )
    SourceFactory(name="Shop floor", slug="shop-floor", kind="store")
    for score in (1, 4, 6, 9):
        FeedbackFactory(source=source, team=team, score=score, comment="The parcel came late again.")
    Feedback.objects.update(processed_at=timezone.now())
    CaseRule.objects.all().delete()
    CaseKindFactory()
    SlaPolicyFactory()
    CaseRuleFactory(position=1, name="Top-value detractors", scales=["nps"], score_max=6, value_tiers=["top"])
    CaseRuleFactory(position=2, name="Call centre complaints", source_kinds=["call_centre"], active=False)
    client = Client()
    for payload in (
        standard_payload(),
        standard_payload(),
        standard_payload(answers={"nps": 14}, response_id="R-2"),
    ):
        body = body_of(payload)
        client.post(
            "/hooks/survey-tool/",
            data=body,
            content_type="application/json",
            headers=standard_headers(body, STANDARD_SECRET),
        )
    return {"source": source}


def _check(page, where: str, problems: list[str]) -> None:
    overflow = horizontal_overflow(page)
    if overflow > 0:
        problems.append(f"{where}: {overflow} px wider than the window")
    problems.extend(f"{where}: {violation}" for violation in axe_violations(page))


def test_admin_settings_fit_phone_and_desktop_and_pass_axe(settings_world, browser, live_server):
    problems: list[str] = []
    for size, viewport in SIZES.items():
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Username").fill("site-admin")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()

        # The rules, in order, in words
        page.goto(f"{live_server.url}/settings/triage-rules/")
        expect(page.get_by_role("heading", name="Triage rules")).to_be_visible()
        expect(page.get_by_text("Value band: Top value")).to_be_visible()
        _check(page, f"{size} rules", problems)
        _screenshot(page, f"admin-{size}-rules")

        # A new rule: its dry run from the unsaved form, then saving it
        page.get_by_role("link", name="New rule").click()
        page.get_by_label("Name").fill(f"Detractors ({size})")
        page.get_by_label("NPS (0-10)").check()
        page.get_by_label("Score at most").fill("6")
        page.get_by_label("Kind of case").select_option(label="Detractor recovery")
        page.get_by_label("Send it to").select_option(label="The touchpoint's owning team")
        _check(page, f"{size} new rule", problems)
        page.get_by_role("button", name="Dry run").click()
        dry_run = page.locator("#dry-run")
        expect(dry_run).to_contain_text("3 match this rule")
        expect(dry_run).to_contain_text("Nothing was saved.")
        _check(page, f"{size} dry run", problems)
        _screenshot(page, f"admin-{size}-rule-dry-run")
        assert not CaseRule.objects.filter(name=f"Detractors ({size})").exists()
        page.get_by_role("button", name="Save the rule").click()
        expect(page.get_by_text(f"Rule “Detractors ({size})” saved.")).to_be_visible()
        assert CaseRule.objects.filter(name=f"Detractors ({size})").exists()

        # Sources: the list, a source's mapping, a test delivery and the log
        page.goto(f"{live_server.url}/settings/sources/")
        expect(page.get_by_role("heading", name="Sources and webhooks")).to_be_visible()
        _check(page, f"{size} sources", problems)
        _screenshot(page, f"admin-{size}-sources")
        page.get_by_role("link", name="Survey tool").click()
        expect(page.get_by_label("Score:", exact=True)).to_have_value("$.data.answers.nps")
        expect(page.locator(".delivery-log")).to_contain_text("Already stored")
        _check(page, f"{size} source", problems)
        page.get_by_label("Example").select_option(label="Standard Webhooks survey response")
        page.get_by_role("button", name="Send a test delivery").click()
        result = page.locator("#test-result")
        expect(result).to_contain_text("Would be stored as new feedback")
        expect(result).to_contain_text("The checkout page kept timing out.")
        _check(page, f"{size} test delivery", problems)
        _screenshot(page, f"admin-{size}-source-test-delivery")
        context.close()
    assert Feedback.objects.filter(external_id="R-1001").count() == 0
    assert problems == [], "\n".join(problems)


def test_the_advanced_mapping_error_names_the_path(settings_world, browser, live_server):
    context = browser.new_context(viewport=SIZES["phone"])
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("site-admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/settings/sources/{settings_world['source'].pk}/")
    page.get_by_label("Comment:", exact=True).fill("$.data[*].text")
    page.get_by_role("button", name="Save the source").click()
    expect(page.get_by_role("alert").filter(has_text="$.data[*].text")).to_be_visible()
    settings_world["source"].refresh_from_db()
    assert settings_world["source"].field_mapping == STANDARD_MAPPING
    assert axe_violations(page) == []
    context.close()
