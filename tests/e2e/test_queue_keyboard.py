"""The queue by keyboard, on a phone (390 by 844) and a desktop (1440 by 900): "?" opens the list of
shortcuts (and a visible button does), j and k move between cases and Enter opens one, a view is
sorted and saved, and claiming a case comes back with the focus on that case's row. Every state is
checked with axe-core (nothing serious or critical) and for sideways scrolling.

Set CXLOOP_SCREENSHOTS to a directory to keep screenshots (queue-keyboard-<size>-<step>.png).
"""

import contextlib
import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from innerloop.models import Case, SavedView
from tests.e2e.axe import axe_violations, horizontal_overflow
from tests.innerloop.factories import CaseFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pw-for-tests-only"
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1440, "height": 900}}


@pytest.fixture
def queue(people, org):
    """Six unassigned cases of the agent's team, due an hour apart, of different priorities."""
    people["agent"].first_name, people["agent"].last_name = "Rita", "Sousa"
    people["agent"].save()
    priorities = ["low", "urgent", "normal", "high", "normal", "low"]
    ranks = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
    return [
        CaseFactory(
            team=org["team_a1"],
            priority=priority,
            priority_rank=ranks[priority],
            due_at=timezone.now() + timedelta(hours=hour + 1),
        )
        for hour, priority in enumerate(priorities)
    ]


def _screenshot(page, name: str) -> None:
    folder = os.environ.get("CXLOOP_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"queue-keyboard-{name}.png"), full_page=True)


def _check(page, where: str, problems: list[str]) -> None:
    overflow = horizontal_overflow(page)
    if overflow > 0:
        problems.append(f"{where}: {overflow} px wider than the window")
    problems.extend(f"{where}: {violation}" for violation in axe_violations(page))


def _focused_row(page) -> str:
    return page.evaluate("(document.activeElement.closest('tr[data-case-row]') || {}).id || ''")


def _expect_focused_row(page, row_id: str) -> None:
    """Wait (up to 5 s) for the focus to reach the row: on a loaded machine the key's handler may
    not have run yet when the press returns."""
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function(
            "id => ((document.activeElement.closest('tr[data-case-row]') || {}).id || '') === id",
            arg=row_id,
            timeout=5000,
        )
    assert _focused_row(page) == row_id


def _log_in(browser, live_server, viewport):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("agent-a1")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    return context, page


@pytest.mark.parametrize("size", list(SIZES))
def test_the_queue_by_keyboard(queue, browser, live_server, size):
    # given
    problems: list[str] = []
    context, page = _log_in(browser, live_server, SIZES[size])
    page.goto(f"{live_server.url}/cases/")
    _check(page, f"{size} queue", problems)
    _screenshot(page, f"{size}-queue")

    # the skip link is the first stop and lands in the content
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to the content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null"), "Tab goes on inside the content"

    # "?" opens the list of shortcuts; Esc closes it
    page.keyboard.press("?")
    overlay = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(overlay).to_be_visible()
    expect(overlay.get_by_text("Go to my cases")).to_be_visible()
    _check(page, f"{size} shortcuts open", problems)
    _screenshot(page, f"{size}-shortcuts")
    page.keyboard.press("Escape")
    expect(overlay).to_be_hidden()

    # the visible button opens it too, and the focus comes back to the button
    button = page.get_by_role("button", name="Keyboard shortcuts")
    button.click()
    expect(overlay).to_be_visible()
    overlay.get_by_role("button", name="Close").click()
    expect(overlay).to_be_hidden()
    expect(button).to_be_focused()

    # j and k move between the cases; Enter opens the one the focus is on
    page.keyboard.press("j")
    _expect_focused_row(page, f"case-{queue[0].pk}")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    _expect_focused_row(page, f"case-{queue[1].pk}")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/cases/{queue[1].pk}/$"))
    page.go_back()

    # "/" goes to the filters; typing there is typing, not a shortcut
    page.keyboard.press("/")
    sort_by = page.get_by_label("Sort by")
    expect(page.locator("form.filters select, form.filters input").first).to_be_focused()
    page.get_by_label("Feedback id").fill("")
    page.get_by_label("Feedback id").press("j")
    assert _focused_row(page) == ""

    # sort: a column heading on the desktop, the "Sort by" select on the phone's cards
    if size == "desktop":
        page.get_by_role("columnheader", name="Priority").get_by_role("link").click()
    else:
        sort_by.select_option("priority")
        page.get_by_role("button", name="Show", exact=True).click()
    expect(page).to_have_url(re.compile(r"sort=priority"))
    if size == "desktop":
        expect(page.get_by_role("columnheader", name="Priority")).to_have_attribute("aria-sort", "ascending")
    rows = page.locator("tr[data-case-row]")
    expect(rows.first).to_have_id(f"case-{queue[1].pk}")  # the urgent one
    _check(page, f"{size} sorted by priority", problems)

    # save this view under a name; it is listed as a link
    page.get_by_text("Save this view").click()
    page.get_by_label("Name of the view").fill("Urgent first")
    page.get_by_role("button", name="Save view").click()
    views = page.get_by_role("navigation", name="Views of the queue")
    expect(views.get_by_role("link", name="Urgent first")).to_have_attribute("aria-current", "page")
    assert SavedView.objects.get(name="Urgent first").query == "sort=priority"
    _check(page, f"{size} view saved", problems)
    _screenshot(page, f"{size}-saved")

    # claim the third row: the page comes back sorted, with the focus on that case's row
    third = rows.nth(2)
    third_id = third.get_attribute("id")
    third.get_by_role("button", name=re.compile("^Claim")).click()
    expect(page.get_by_text(re.compile(r"Case \d+ is yours now\."))).to_be_visible()
    expect(page).to_have_url(re.compile(r"sort=priority"))
    _expect_focused_row(page, third_id)
    expect(page.locator(f"#{third_id}")).to_contain_text("Rita Sousa")
    assert Case.objects.get(pk=int(third_id.removeprefix("case-"))).assignee.username == "agent-a1"
    _check(page, f"{size} after claiming", problems)
    _screenshot(page, f"{size}-claimed")

    # g then m: My cases; g then q: the team queue; c claims the next case
    page.keyboard.press("g")
    page.keyboard.press("m")
    expect(page).to_have_url(re.compile(r"/cases/\?assignee=me$"))
    expect(page.locator("tr[data-case-row]")).to_have_count(1)
    page.keyboard.press("g")
    page.keyboard.press("q")
    expect(page).to_have_url(re.compile(r"/cases/$"))
    page.keyboard.press("c")
    expect(page).to_have_url(re.compile(r"/cases/\d+/$"))

    # the saved views page: rename and delete, nothing serious for axe
    page.goto(f"{live_server.url}/cases/views/")
    _check(page, f"{size} saved views", problems)
    context.close()
    assert problems == [], "\n".join(problems)
