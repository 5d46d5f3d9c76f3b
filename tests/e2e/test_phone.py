"""Each frontline and manager journey on a phone (390 by 844) and a desktop (1440 by 900): no page
scrolls sideways, axe-core finds nothing serious or critical, the menu folds and opens without
JavaScript, the case page puts the customer and the case's actions within a thumb's reach, and the
SLA countdowns keep time.

Set CXLOOP_SCREENSHOTS to a directory to keep a screenshot of every page of the journeys at each size
(the queue is <role>-<size>-cases.png, the case <role>-<size>-case.png).
"""

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from cxloop.org.models import Membership, Role
from feedback.services.processing import feedback_sweep
from innerloop.models import OPEN_STATUSES, Case
from innerloop.selectors import cases_visible_to
from tests.e2e.axe import axe_violations, horizontal_overflow
from tests.innerloop.factories import CaseFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "cxloop-demo"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
SIZES = {"phone": PHONE, "desktop": DESKTOP}

# Each role's main journey: paths, or ("first", page, link pattern) to follow the first matching
# link on that page (a huddle, a feedback item), "case" for an open case the person may see.
JOURNEYS = {
    "agent": [
        "/cases/",
        "case",
        "/feedback/new/",
        "/feedback/staff/",
        "/huddles/",
        ("first", "/huddles/", r"^/huddles/\d+/$"),
        "/my-team/",
        "/feedback/",
        ("first", "/feedback/", r"^/feedback/\d+/$"),
        "/notifications/",
        "/you-said-we-did/",
    ],
    "lead": [
        "/cases/",
        "case",
        "/dashboards/",
        "/huddles/",
        ("first", "/huddles/", r"^/huddles/\d+/$"),
        "/my-team/",
        "/feedback/",
        "/feedback/new/",
        "/imports/",
    ],
    "manager": [
        "/dashboards/",
        ("first", "/dashboards/", r"^/dashboards/teams/[\w-]+/$"),
        "/my-department/",
        "/huddles/review/",
        "/cases/",
        "case",
        "/feedback/",
        "/feedback/staff/",
        "/signals/",
        "/initiatives/",
    ],
}


@pytest.fixture
def demo(transactional_db):
    """The demo organisation with recent feedback triaged into open cases."""
    call_command("seed_demo", customers=200, feedback=3000, verbosity=0)
    feedback_sweep(seconds=60)


def _screenshot(page, name: str) -> None:
    folder = os.environ.get("CXLOOP_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))
        page.screenshot(path=str(Path(folder) / f"{name}-full.png"), full_page=True)


def _log_in(browser, live_server, username: str, viewport: dict, **options):
    context = browser.new_context(viewport=viewport, **options)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    return context, page


def _open_case_path(username: str) -> str:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=username)
    case = cases_visible_to(user=user).filter(status__in=OPEN_STATUSES).exclude(customer=None).first()
    assert case is not None, f"the demo has an open case {username} may see"
    return f"/cases/{case.pk}/"


def _first_link(page, live_server, path: str, pattern: str) -> str:
    page.goto(live_server.url + path)
    hrefs = page.eval_on_selector_all("main a[href]", "links => links.map(a => a.getAttribute('href'))")
    found = [href for href in hrefs if re.match(pattern, href)]
    assert found, f"{path} links to a page like {pattern}"
    return found[0]


def _check(page, where: str, problems: list[str]) -> None:
    """No sideways scrolling and nothing serious for axe-core, on the page as it is now."""
    overflow = horizontal_overflow(page)
    if overflow > 0:
        problems.append(f"{where}: {overflow} px wider than the window")
    problems.extend(f"{where}: {violation}" for violation in axe_violations(page))


def _phone_extras(page, path: str, where: str, problems: list[str]) -> None:
    """On a phone, also the states a person opens: the menu, and the case page's folded forms."""
    if path == "/cases/":
        page.get_by_text("Menu", exact=True).click()
        expect(
            page.get_by_role("navigation", name="Main").get_by_role("link", name="Feedback", exact=True)
        ).to_be_visible()
        _check(page, f"{where} (menu open)", problems)
        _screenshot(page, f"{where.split()[0]}-phone-menu")
        page.keyboard.press("Escape")
        expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    if re.match(r"^/cases/\d+/$", path):
        bar = page.get_by_role("navigation", name="Case actions")
        box = bar.bounding_box()
        assert box is not None
        assert abs(box["y"] + box["height"] - PHONE["height"]) <= 1, (
            "the bar sits on the screen's bottom edge"
        )
        bar.get_by_role("link", name="Resolve case").click()
        expect(page.locator("#resolve-form")).to_be_visible()
        _check(page, f"{where} (resolve form open)", problems)
        _screenshot(page, f"{where.split()[0]}-phone-case-resolve")


@pytest.mark.parametrize("username", list(JOURNEYS))
def test_journey_fits_phone_and_desktop_and_passes_axe(demo, browser, live_server, username):
    # given
    case_path = _open_case_path(username)
    problems: list[str] = []
    for size, viewport in SIZES.items():
        context, page = _log_in(browser, live_server, username, viewport)
        for step in JOURNEYS[username]:
            path = case_path if step == "case" else step
            if isinstance(step, tuple):
                path = _first_link(page, live_server, step[1], step[2])
            # when
            response = page.goto(live_server.url + path)
            # then
            where = f"{username} {size} {path}"
            assert response is not None
            assert response.status == 200, f"{where}: {response.status}"
            _check(page, where, problems)
            name = "case" if path == case_path else re.sub(r"\d+", "n", path).strip("/").replace("/", "-")
            _screenshot(page, f"{username}-{size}-{name or 'home'}")
            if size == "phone":
                _phone_extras(page, path, where, problems)
        context.close()
    assert problems == [], "\n".join(problems)


def test_smallest_and_largest_phones_do_not_scroll_sideways(demo, browser, live_server):
    paths = ["/cases/", _open_case_path("lead"), "/dashboards/", "/feedback/", "/huddles/", "/feedback/new/"]
    wider = []
    for width in (360, 430):
        context, page = _log_in(browser, live_server, "lead", {"width": width, "height": 800})
        for path in paths:
            page.goto(live_server.url + path)
            if horizontal_overflow(page) > 0:
                wider.append(f"{width} px {path}: {horizontal_overflow(page)} px too wide")
        context.close()
    assert wider == []


def test_menu_folds_on_a_phone_and_opens_without_javascript(demo, browser, live_server):
    for viewport, folded in ((PHONE, True), (DESKTOP, False)):
        context, page = _log_in(browser, live_server, "agent", viewport, java_script_enabled=False)
        nav = page.get_by_role("navigation", name="Main")
        menu_button = page.locator("details.menu > summary")
        if folded:
            expect(nav).to_be_hidden()
            expect(menu_button).to_be_visible()
            box = menu_button.bounding_box()
            assert box is not None
            assert box["height"] >= 44
            assert box["width"] >= 44
            menu_button.click()
            # every entry a full-width tap target
            link = nav.get_by_role("link", name="Huddles", exact=True)
            expect(link).to_be_visible()
            link_box = link.bounding_box()
            assert link_box is not None
            assert link_box["height"] >= 44
            link.click()
            expect(page).to_have_url(re.compile(r"/huddles/$"))
        else:
            expect(menu_button).to_be_hidden()
            expect(nav.get_by_role("link", name="Huddles", exact=True)).to_be_visible()
            expect(page.get_by_role("button", name="Log out")).to_be_visible()
        context.close()


def test_case_page_on_a_phone_calls_the_customer_and_counts_down(demo, browser, live_server):
    # given: an open case of the agent's team with a reachable customer, due in 3 minutes
    team = Membership.objects.get(user__username="agent", role=Role.AGENT).team
    case = (
        Case.objects.filter(team=team, status__in=OPEN_STATUSES, customer__do_not_contact=False)
        .exclude(customer__phone="")
        .exclude(customer__email="")
        .first()
    )
    assert case is not None
    Case.objects.filter(pk=case.pk).update(
        due_at=timezone.now() + timedelta(minutes=3, seconds=30), paused_at=None
    )
    context, page = _log_in(browser, live_server, "agent", PHONE)
    page.clock.install()
    # when
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    # then: the customer card dials and writes with one tap
    card = page.get_by_role("region", name="Customer", exact=True)
    digits = re.sub(r"[^\d+]", "", case.customer.phone)
    expect(card.get_by_role("link", name=re.compile("^Call "))).to_have_attribute("href", f"tel:{digits}")
    expect(card.get_by_role("link", name=re.compile("^Email "))).to_have_attribute(
        "href", f"mailto:{case.customer.email}"
    )
    # and the header's countdown keeps time
    countdown = page.locator(".case-meta time[data-countdown]")
    expect(countdown).to_have_text(re.compile(r"^due in 3 min$"))
    page.clock.fast_forward("10:00")
    expect(countdown).to_have_text(re.compile(r"^overdue by 6 min$"))
    expect(countdown).to_have_class(re.compile(r"\boverdue\b"))
    # and the action bar's Call dials the same number
    bar = page.get_by_role("navigation", name="Case actions")
    expect(bar.get_by_role("link", name="Call", exact=True)).to_have_attribute("href", f"tel:{digits}")
    context.close()
    # without JavaScript the countdown is the server's text of the moment
    context, page = _log_in(browser, live_server, "agent", DESKTOP, java_script_enabled=False)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    expect(page.locator(".case-meta time[data-countdown]")).to_have_text(re.compile(r"^due in [23] min$"))
    expect(page.get_by_role("navigation", name="Case actions")).to_be_hidden()
    context.close()


def test_resolving_on_a_phone_goes_on_to_the_next_case(demo, browser, live_server):
    # given: two open cases assigned to the agent
    agent = Membership.objects.get(user__username="agent", role=Role.AGENT).user
    team = Membership.objects.get(user=agent, role=Role.AGENT).team
    cases = list(Case.objects.filter(team=team, status__in=OPEN_STATUSES).order_by("due_at", "id")[:2])
    while len(cases) < 2:  # the demo's live feedback may have opened only one
        cases.append(CaseFactory(team=team, due_at=timezone.now() + timedelta(days=2)))
    first, second = cases
    Case.objects.filter(assignee=agent).exclude(pk__in=[first.pk, second.pk]).update(assignee=None)
    Case.objects.filter(pk__in=[first.pk, second.pk]).update(assignee=agent)
    context, page = _log_in(browser, live_server, "agent", PHONE)
    # and Enter on a queue checkbox assigns nothing (it once sent the bulk form with "Unassigned")
    page.get_by_label(f"Select case {first.pk}").press("Enter")
    page.wait_for_timeout(300)
    expect(page).to_have_url(re.compile(r"/cases/$"))
    assert Case.objects.get(pk=first.pk).assignee == agent
    page.goto(f"{live_server.url}/cases/{first.pk}/")
    # when: resolve from the action bar
    page.get_by_role("navigation", name="Case actions").get_by_role("link", name="Resolve case").click()
    resolve = page.locator("#resolve-form")
    resolve.get_by_label("Root cause").select_option(index=1)
    resolve.get_by_label("How it was resolved").fill("Refunded and apologised")
    resolve.get_by_role("button", name="Resolve case").click()
    # then: straight on to the other one, saying so
    expect(page).to_have_url(re.compile(rf"/cases/{second.pk}/$"))
    expect(page.get_by_text(f"Case {first.pk} resolved. Next: case {second.pk}")).to_be_visible()
    assert horizontal_overflow(page) <= 0
    context.close()
