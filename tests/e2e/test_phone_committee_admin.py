"""The committee's and the administrator's journeys on a phone (390 by 844) and a desktop (1440 by 900):
no page scrolls sideways and axe-core finds nothing serious or critical, the Django admin pages an
administrator still uses included. The helpers are test_phone.py's (the same login, checks and
screenshots), so both files judge pages the same way.

Set CXLOOP_SCREENSHOTS to a directory to keep a screenshot of every page at each size, named
<role>-<size>-<page>.png (committee-phone-committee.png, admin-desktop-people.png, ...).
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cxloop.org.models import Department, Team
from feedback.models import Category, JourneyStage, RetentionPolicy, Source, Touchpoint
from governance.models import Committee, Decision
from innerloop.models import CaseKind, CaseRule, MessageTemplate, SlaPolicy
from outerloop.loop_message import close_loop_refusal
from outerloop.models import Initiative, Stage
from tests.e2e.test_phone import SIZES, _check, _first_link, _log_in, _screenshot
from tests.e2e.test_phone import demo as demo  # the seeded demo organisation (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)

# The models an administrator still edits in the Django admin: their list and one change form each.
ADMIN_MODELS = (
    Category,
    Touchpoint,
    JourneyStage,
    Department,
    Team,
    SlaPolicy,
    CaseKind,
    MessageTemplate,
    CaseRule,
    Source,
    RetentionPolicy,
    Committee,
)


def _open_vote_meeting() -> str:
    decision = Decision.objects.filter(status=Decision.Status.OPEN).select_related("meeting").first()
    assert decision is not None, "the demo leaves a vote open at the next meeting"
    return reverse("governance:meeting", args=[decision.meeting_id])


def _initiative_to_tell() -> Initiative:
    rolled_out = Initiative.objects.filter(stage=Stage.ROLLED_OUT).order_by("pk")
    found = [initiative for initiative in rolled_out if close_loop_refusal(initiative=initiative) is None]
    assert found, "the demo has a rolled-out initiative whose customers have not been told yet"
    return found[0]


def _committee_paths() -> list:
    initiative = _initiative_to_tell()
    return [
        "/",
        "/organisation/",
        "/committee/",
        _open_vote_meeting(),
        "/committee/accountability/",
        "/signals/",
        ("first", "/signals/", r"^/signals/\d+/$"),
        "/initiatives/",
        reverse("outerloop:initiative", args=[initiative.pk]),
        reverse("outerloop:tell-customers", args=[initiative.pk]),
        "/you-said-we-did/",
        "/feedback/staff/",
    ]


def _admin_change_paths() -> list[str]:
    paths = ["/admin/"]
    for model in ADMIN_MODELS:
        opts = model._meta
        name = f"admin:{opts.app_label}_{opts.model_name}"
        first = model.objects.order_by("pk").first()
        # The change form of the first row, or the empty form when the demo has none (retention).
        form = reverse(f"{name}_change", args=[first.pk]) if first else reverse(f"{name}_add")
        paths.extend([reverse(f"{name}_changelist"), form])
    return paths


def _admin_paths() -> list:
    return [
        "/",
        ("first", "/people/", r"^/people/\d+/$"),
        "/people/invite/",
        ("first", "/settings/triage-rules/", r"^/settings/triage-rules/\d+/$"),
        "/settings/triage-rules/new/",
        ("first", "/settings/sources/", r"^/settings/sources/\d+/$"),
        "/settings/api-tokens/",
        "/settings/audit/",
        "/imports/",
        "/privacy/erase/",
        "/privacy/retention/",
        "nav",
        *_admin_change_paths(),
    ]


def _nav_paths(page, seen: set[str]) -> list[str]:
    """The main menu's pages not visited yet (the in-product admin pages other work adds come in here)."""
    hrefs = page.eval_on_selector_all(
        "nav[aria-label=Main] a[href]", "links => links.map(a => a.getAttribute('href'))"
    )
    return [href for href in hrefs if href not in seen]


def _menu_open(page, where: str, problems: list[str]) -> None:
    """On a phone, the landing page with the folded menu opened (the admin's is the longest)."""
    page.get_by_text("Menu", exact=True).click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    _check(page, f"{where} (menu open)", problems)
    _screenshot(page, f"{where.split()[0]}-phone-menu")
    page.get_by_text("Menu", exact=True).click()


def _committee_extras(page, path: str, where: str, problems: list[str]) -> None:
    """The states a committee member opens: the system review form, holding a meeting, the email preview."""
    if re.match(r"^/committee/meetings/\d+/$", path):
        page.locator("details.card > summary").filter(has_text="Hold the meeting").click()
        _check(page, f"{where} (hold the meeting open)", problems)
        _screenshot(page, f"committee-{where.split()[1]}-meeting-hold")
    if path == "/committee/":
        page.locator("details.card > summary").filter(has_text="Record a system review").click()
        _check(page, f"{where} (system review open)", problems)
        _screenshot(page, f"committee-{where.split()[1]}-system-review")
    if path.endswith("/tell-customers/"):
        # Every language's version (customers whose feedback was in Portuguese get theirs).
        for box in page.locator("textarea[name^=what_changed]").all():
            box.fill("You can now see why a code does not apply before you pay.")
        page.get_by_role("button", name="Preview the email").click()
        expect(page.locator("#recipient-count")).to_be_visible()
        _check(page, f"{where} (preview)", problems)
        _screenshot(page, f"committee-{where.split()[1]}-tell-customers-preview")


def _page_name(path: str) -> str:
    return re.sub(r"\d+", "n", path).strip("/").replace("/", "-") or "home"


def _walk(browser, live_server, username: str, steps: list, extras=None) -> list[str]:
    """Each step at each size: status 200, no sideways scroll, nothing serious for axe-core."""
    problems: list[str] = []
    for size, viewport in SIZES.items():
        context, page = _log_in(browser, live_server, username, viewport)
        seen: set[str] = set()
        queue = list(steps)
        while queue:
            step = queue.pop(0)
            if step == "nav":
                queue[:0] = _nav_paths(page, seen | {s for s in queue if isinstance(s, str)})
                continue
            path = _first_link(page, live_server, step[1], step[2]) if isinstance(step, tuple) else step
            seen.add(path)
            response = page.goto(live_server.url + path)
            where = f"{username} {size} {path}"
            assert response is not None
            assert response.status == 200, f"{where}: {response.status}"
            seen.add(page.url.removeprefix(live_server.url))
            _check(page, where, problems)
            _screenshot(page, f"{username}-{size}-{_page_name(path)}")
            if size == "phone" and path == "/":
                _menu_open(page, where, problems)
            if extras is not None:
                extras(page, path, where, problems)
        context.close()
    return problems


def test_committee_journey_fits_phone_and_desktop_and_passes_axe(demo, browser, live_server):
    # given: the demo, with a vote open at the next meeting and a rolled-out initiative to tell
    steps = _committee_paths()
    # when
    problems = _walk(browser, live_server, "committee", steps, extras=_committee_extras)
    # then
    assert problems == [], "\n".join(problems)


def test_admin_journey_fits_phone_and_desktop_and_passes_axe(demo, browser, live_server):
    # given: the demo, with every model the Django admin still edits
    steps = _admin_paths()
    # when
    problems = _walk(browser, live_server, "admin", steps)
    # then
    assert problems == [], "\n".join(problems)
