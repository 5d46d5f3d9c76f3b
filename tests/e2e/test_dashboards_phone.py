"""The dashboards and the huddle review on a phone (390 by 844) and a desktop (1440 by 900): no
sideways scrolling, axe-core finds nothing serious or critical, the headline NPS is the biggest text
on the page, the period picker and the team switcher work, and a number opens the feedback behind it.

Set CXLOOP_SCREENSHOTS to a directory to keep a screenshot of each page at each size.
"""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from feedback.services.processing import feedback_sweep
from tests.e2e.test_phone import SIZES, _check, _log_in, _screenshot

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = {
    "manager": [
        "/dashboards/",
        "/dashboards/?period=90",
        "/my-department/",
        ("first", r"^/dashboards/teams/[\w-]+/"),
        "/huddles/review/",
        "/dashboards/?period=custom&date_from=2026-02-30",  # a form error, shown on the page
    ],
    "committee": ["/dashboards/", "/dashboards/?period=365"],
    "lead": ["/my-team/"],
}

# The font size of the headline NPS and of the biggest other text of <main> (visible text only).
FONT_SIZES = """() => {
  const headline = document.querySelector('.headline-nps');
  let biggest = 0;
  for (const element of document.querySelectorAll('main *')) {
    if (element === headline || headline.contains(element)) continue;
    const own = [...element.childNodes].some(node => node.nodeType === 3 && node.textContent.trim());
    const box = element.getBoundingClientRect();
    if (own && box.width > 0 && box.height > 0) {
      biggest = Math.max(biggest, parseFloat(getComputedStyle(element).fontSize));
    }
  }
  return [parseFloat(getComputedStyle(headline).fontSize), biggest];
}"""


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", customers=150, feedback=1500, verbosity=0)
    feedback_sweep(seconds=60)


def _path(page, live_server, step) -> str:
    if not isinstance(step, tuple):
        return step
    page.goto(live_server.url + "/dashboards/")
    hrefs = page.eval_on_selector_all("main a[href]", "links => links.map(a => a.getAttribute('href'))")
    found = [href for href in hrefs if re.match(step[1], href)]
    assert found, f"the dashboard links to a page like {step[1]}"
    return found[0]


@pytest.mark.parametrize("username", list(PAGES))
def test_dashboards_fit_phone_and_desktop_and_pass_axe(demo, browser, live_server, username):
    problems: list[str] = []
    for size, viewport in SIZES.items():
        context, page = _log_in(browser, live_server, username, viewport)
        for step in PAGES[username]:
            path = _path(page, live_server, step)
            # when
            response = page.goto(live_server.url + path)
            # then
            where = f"{username} {size} {path}"
            assert response is not None
            assert response.status == (400 if "2026-02-30" in path else 200), where
            _check(page, where, problems)
            if page.locator(".headline-nps").count():
                headline, biggest = page.evaluate(FONT_SIZES)
                if headline <= biggest:
                    problems.append(
                        f"{where}: the headline NPS ({headline} px) is not the biggest ({biggest} px)"
                    )
            name = re.sub(r"[^\w-]+", "-", path.strip("/")).strip("-")
            _screenshot(page, f"dashboards-{username}-{size}-{name or 'home'}")
        context.close()
    assert problems == [], "\n".join(problems)


def test_a_manager_picks_a_period_switches_team_and_opens_the_feedback_behind_a_number(
    demo, browser, live_server
):
    context, page = _log_in(browser, live_server, "manager", SIZES["phone"])
    page.goto(live_server.url + "/dashboards/")
    # the period picker: 90 days, kept when switching team
    page.get_by_label("Period:", exact=True).select_option("90")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"/dashboards/\?.*period=90"))
    team = page.get_by_label("Team:", exact=True)
    assert team.locator("option").first.inner_text() == "Choose a team"
    team.select_option(index=1)
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"/dashboards/teams/[\w-]+/\?period=90$"))
    # a number: the headline NPS opens the explorer filtered to what it counts
    headline = page.locator("a.headline-nps")
    expect(headline).to_be_visible()
    n = int(page.locator(".headline-detail a").first.inner_text())
    headline.click()
    expect(page).to_have_url(re.compile(r"/feedback/\?.*scale=nps"))
    expect(page.get_by_text(re.compile(rf"· {n} items"))).to_be_visible()
    context.close()
