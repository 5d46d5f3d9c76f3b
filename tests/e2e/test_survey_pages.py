"""The survey pages on a phone (390 by 844) and a desktop (1440 by 900), for a manager: no page
scrolls sideways, axe-core finds nothing serious or critical, the menu leads to them, and an
employee survey's results show groups, never a person or a group of fewer than 5.

Set CXLOOP_SCREENSHOTS to a directory to keep a screenshot of each page at each size.
"""

import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from feedback.models import Survey, SurveyInvitation
from tests.e2e.axe import axe_violations, horizontal_overflow
from tests.factories import (
    CategoryFactory,
    CustomerFactory,
    FeedbackFactory,
    InviteInvitationFactory,
    InviteSurveyFactory,
    SourceFactory,
    TouchpointFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pw-for-tests-only"  # tests.factories.UserFactory's
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1440, "height": 900}}
ONE_PERSON_WROTE = "Only one person wrote this sentence"


@pytest.fixture
def surveys(people, org):
    """A customer survey with invitations of every fate, and an employee survey answered in team A1
    (6), team A2 (5) and team B1 (2)."""
    now = timezone.now()
    customer = InviteSurveyFactory(
        name="After your delivery", slug="after-delivery", touchpoint=TouchpointFactory(name="Home delivery")
    )
    Status, Reason = SurveyInvitation.Status, SurveyInvitation.Reason
    for i in range(12):
        InviteInvitationFactory(
            survey=customer,
            team=org["team_a1"] if i % 3 else org["team_a2"],
            sent_at=now,
            delivered_at=now if i < 9 else None,
            opened_at=now if i < 5 else None,
            status=Status.ANSWERED if i < 4 else Status.SENT,
            answered_at=now if i < 4 else None,
            customer=CustomerFactory(email_complained_at=now if i == 11 else None),
        )
    InviteInvitationFactory(survey=customer, team=org["team_a1"], status=Status.SUPPRESSED,
                            suppressed_reason=Reason.RECENTLY_ANY)  # fmt: skip
    pulse = InviteSurveyFactory(
        name="Staff pulse", slug="staff-pulse", audience=Survey.Audience.EMPLOYEES,
        source=SourceFactory(kind="employee", name="Staff pulse answers"),
    )  # fmt: skip
    staffing, tools = CategoryFactory(name="Staffing"), CategoryFactory(name="Broken tills")
    # The round the answers are of, as sending it leaves it (feedback.surveys.rounds).
    InviteInvitationFactory(survey=pulse, customer=None, employee=people["agent"], team=org["team_a1"],
                            transaction_id=f"{pulse.slug}:2026-05:{people['agent'].pk}")  # fmt: skip
    for team, scores in ((org["team_a1"], (10, 9, 8, 6, 3, 9)), (org["team_a2"], (7, 9, 2, 9, 10)),
                         (org["team_b1"], (0, 1))):  # fmt: skip
        for i, score in enumerate(scores):
            FeedbackFactory(source=pulse.source, customer=None, team=team, score=score,
                            metadata={"survey": pulse.slug, "round": "2026-05"},
                            confirmed_category=staffing if i % 2 else tools,
                            comment=ONE_PERSON_WROTE if score == 0 else "")  # fmt: skip
    for _ in range(4):
        FeedbackFactory(
            team=org["team_a1"], confirmed_category=CategoryFactory(name="Late delivery", slug="late")
        )
    return {"customer": customer, "pulse": pulse}


def _log_in(browser, live_server, username: str, viewport: dict):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    return context, page


def _screenshot(page, name: str) -> None:
    folder = os.environ.get("CXLOOP_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("username", ["manager-a", "committee-1"])
def test_survey_pages_fit_phone_and_desktop_and_pass_axe(surveys, browser, live_server, username):
    paths = [
        "/surveys/",
        "/surveys/after-delivery/",
        "/surveys/staff-pulse/",
        "/surveys/staff-pulse/results/",
    ]
    if username == "manager-a":
        paths.append("/surveys/staff-pulse/send-to-staff/")
    problems: list[str] = []
    for size, viewport in SIZES.items():
        context, page = _log_in(browser, live_server, username, viewport)
        for path in paths:
            # when
            response = page.goto(live_server.url + path)
            # then
            where = f"{username} {size} {path}"
            assert response is not None
            assert response.status == 200, f"{where}: {response.status}"
            overflow = horizontal_overflow(page)
            if overflow > 0:
                problems.append(f"{where}: {overflow} px wider than the window")
            problems.extend(f"{where}: {violation}" for violation in axe_violations(page))
            assert ONE_PERSON_WROTE not in page.content()
            _screenshot(page, f"{username}-{size}-{path.strip('/').replace('/', '-')}")
        context.close()
    assert problems == [], "\n".join(problems)


def test_the_menu_leads_a_manager_to_the_surveys_and_their_results(surveys, browser, live_server):
    # given
    context, page = _log_in(browser, live_server, "manager-a", SIZES["phone"])
    # when
    page.get_by_text("Menu", exact=True).click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Surveys", exact=True).click()
    page.get_by_role("link", name="Staff pulse").click()
    page.get_by_role("link", name="Results (eNPS and themes)").click()
    # then: the manager's department (A1: 6 answers, A2: 5) is shown, department B is not theirs
    main = page.get_by_role("main")
    expect(main.get_by_role("cell", name="Team A1 · Department A")).to_be_visible()
    expect(main.get_by_text("Team B1")).to_have_count(0)
    expect(main.get_by_text("What gets in the way of serving customers")).to_be_visible()
    context.close()


def test_the_committee_sees_that_small_groups_are_not_shown(surveys, browser, live_server):
    # given: department B answered twice, so department A is hidden too (the whole less A would be B)
    context, page = _log_in(browser, live_server, "committee-1", SIZES["desktop"])
    # when
    page.goto(f"{live_server.url}/surveys/staff-pulse/results/")
    # then
    expect(
        page.get_by_text("Fewer than 5 answers: not shown, to keep answers anonymous").first
    ).to_be_visible()
    expect(page.get_by_text("n = 13")).to_be_visible()
    context.close()
