"""axe-core in a browser journey: the rules a page breaks, worst first.

axe-core comes bundled in the PyPI package axe-playwright-python. Its script is run with
page.evaluate, which the page's Content-Security-Policy (scripts from 'self' only) does not block,
where an injected <script> tag would be.
"""

from functools import cache

# The impacts a page may not have: axe's own scale is minor, moderate, serious, critical.
BLOCKING = ("critical", "serious")


@cache
def _axe_source() -> str:
    from axe_playwright_python.sync_playwright import Axe

    return Axe().axe_script


def axe_violations(page, *, impacts: tuple[str, ...] = BLOCKING) -> list[str]:
    """axe-core's violations of the page as it is now, with these impacts, one line per rule."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    found = []
    for violation in results["violations"]:
        if violation["impact"] not in impacts:
            continue
        targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        found.append(f"{violation['impact']} {violation['id']}: {violation['help']} ({targets})")
    return found


def horizontal_overflow(page) -> int:
    """How many pixels the page is wider than the window (0: no horizontal scrolling)."""
    # Right after a click that navigates, the old document may be gone and the new one not there.
    page.wait_for_load_state()
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
