"""An administrator accepts a proposed theme and sees it on the next day's category chart, on a phone
(390 by 844): the theme's comments came in yesterday, nobody had a category for them; today the
administrator opens "Proposed themes" from the menu, accepts the theme under a name, confirms, and the
dashboard's "Top categories" shows the new category with its comments. No page scrolls sideways and
axe-core finds nothing serious or critical on the theme pages."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cxloop.org.models import Role
from feedback.models import Category, Feedback
from tests.e2e.axe import axe_violations, horizontal_overflow
from tests.e2e.test_phone import PHONE, _screenshot
from tests.factories import CategoryFactory, FeedbackFactory, MembershipFactory, TeamFactory, UserFactory
from tests.feedback.theme_factories import ThemeProposalFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pw-for-tests-only"
COMMENTS = (
    "Waited an hour at the baggage carousel",
    "Lost baggage and a long wait at the carousel",
    "Baggage took an hour to reach the carousel",
)


@pytest.fixture
def theme_world(transactional_db):
    """An administrator, yesterday's uncoded comments about baggage, and the theme the job proposed."""
    admin = UserFactory(username="site-admin", first_name="Ada", last_name="Admin")
    MembershipFactory(user=admin, role=Role.ADMIN, team=None)
    team = TeamFactory(name="Arrivals hall", slug="arrivals-hall")
    CategoryFactory(name="Airport", slug="airport")
    CategoryFactory(
        name="Check-in queue",
        slug="check-in-queue",
        parent=CategoryFactory(name="Departures", slug="departures"),
    )
    yesterday = timezone.now() - timedelta(days=1)
    members = [
        FeedbackFactory(team=team, score=score, comment=comment, occurred_at=yesterday)
        for score, comment in zip((2, 5, 9), COMMENTS, strict=True)
    ]
    FeedbackFactory(team=team, score=10, comment="Lovely crew", occurred_at=yesterday)
    ThemeProposalFactory(
        example_ids=[item.pk for item in members],
        first_seen_at=yesterday - timedelta(hours=1),
        last_seen_at=yesterday + timedelta(hours=2),
    )
    return {"members": members}


def _check(page, where: str, problems: list[str]) -> None:
    overflow = horizontal_overflow(page)
    if overflow > 0:
        problems.append(f"{where}: {overflow} px wider than the window")
    problems.extend(f"{where}: {violation}" for violation in axe_violations(page))


def test_admin_accepts_a_theme_and_sees_it_on_the_next_days_category_chart(theme_world, browser, live_server):
    problems: list[str] = []
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("site-admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()

    # The menu leads to the proposed themes
    page.locator("details.menu > summary").click()
    page.get_by_role("link", name="Proposed themes").click()
    expect(page.get_by_role("heading", name="Proposed themes", level=1)).to_be_visible()
    card = page.get_by_role("region", name="baggage carousel wait")
    expect(card).to_contain_text("3 uncoded comments match it now.")
    expect(card).to_contain_text("Waited an hour at the baggage carousel")
    _check(page, "proposed themes", problems)
    _screenshot(page, "themes-phone-list")

    # Accept it under a name, then confirm what it will do
    card.get_by_text("Accept as a new category").click()
    card.get_by_label("Name of the new category").fill("Baggage wait")
    card.get_by_label("Under").select_option(label="Airport")
    card.get_by_role("button", name="Accept…").click()
    expect(
        page.get_by_text("the 3 uncoded comments that match the theme will be coded with it")
    ).to_be_visible()
    _check(page, "confirmation", problems)
    _screenshot(page, "themes-phone-confirm")
    assert not Category.objects.filter(name="Baggage wait").exists()
    with mock.patch("feedback.tasks.category_model_train.delay"):
        page.get_by_role("button", name="Yes, add the category").click()
        expect(
            page.get_by_text("“Airport / Baggage wait” joined the taxonomy and 3 comments were coded")
        ).to_be_visible()
    _check(page, "after the decision", problems)
    category = Category.objects.get(name="Baggage wait")
    assert set(Feedback.objects.filter(confirmed_category=category).values_list("pk", flat=True)) == {
        item.pk for item in theme_world["members"]
    }

    # The next day's category chart: yesterday's comments now counted under the new category
    page.locator("details.menu > summary").click()
    page.get_by_role("link", name="Dashboard").click()
    chart = page.locator("table", has=page.get_by_text("Airport / Baggage wait"))
    row = chart.get_by_role("row", name="Airport / Baggage wait")
    expect(row).to_be_visible()
    expect(row.get_by_role("link").first).to_have_text("3")
    _screenshot(page, "themes-phone-dashboard")
    assert horizontal_overflow(page) <= 0
    context.close()
    assert not problems, "\n".join(problems)
