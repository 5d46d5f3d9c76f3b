"""Where a person was on the queue: the filters, sort and page to come back to, and the row to focus.

Every action on the queue page (claim, bulk assign, claim next when there is nothing to claim) posts
the queue's query string it was sent from (`back`) and the cases the page showed (`shown`). The
answer redirects to the same queue with `focus` naming the case acted on, then the cases after it
and before it: the page focuses the first of them it still shows, so a case that left the list (an
"unassigned" filter, after claiming it) hands the focus to its neighbour instead of to the top of the page.

Only the queue's own parameters survive the trip; the rest is dropped, so `back` is never a way to
redirect elsewhere or to smuggle a parameter in (the queue's filter still validates what is kept).
"""

from urllib.parse import urlencode

from django.http import QueryDict
from django.urls import reverse

from .filters import CaseFilter

# The parameters of the queue page: its filters, its sort and its page.
QUEUE_PARAMETERS = frozenset(CaseFilter.base_filters) | {"page"}  # type: ignore[attr-defined]
# Generous for any real query (a few filters) and small enough to store (SavedView.query).
MAX_QUERY = 500
MAX_VALUES = 20
# How many neighbours a redirect names (a page shows 25 cases).
MAX_FOCUS = 30
# Values that a filter reads as "no filter" (besides the empty one): not worth keeping.
NO_FILTER = {"overdue": "unknown"}
# The focus that means the Claim next button rather than a row.
CLAIM_NEXT = "claim-next"


def clean_query(raw: str, *, keep_page: bool = True) -> str:
    """`raw` reduced to the queue's own parameters (at most MAX_VALUES values each), re-encoded."""
    given = QueryDict(raw[: MAX_QUERY * 2])
    pairs = [
        (key, value)
        for key in sorted(given)
        if key in QUEUE_PARAMETERS and (keep_page or key != "page")
        for value in given.getlist(key)[:MAX_VALUES]
        if value not in ("", NO_FILTER.get(key))
    ]
    return urlencode(pairs)[:MAX_QUERY]


def queue_url(query: str = "", *, focus: list[int] | str | None = None) -> str:
    """The queue with `query` (already clean), focusing `focus` (case ids in order, or CLAIM_NEXT)."""
    parts = [query] if query else []
    if isinstance(focus, str):
        parts.append(urlencode({"focus": focus}))
    elif focus:
        parts.append(urlencode({"focus": ",".join(str(pk) for pk in focus[:MAX_FOCUS])}))
    return reverse("innerloop:queue") + ("?" + "&".join(parts) if parts else "")


def _ids(text: str, limit: int = 100) -> list[int]:
    return [int(part) for part in text.split(",")[:limit] if part.isdigit() and len(part) < 19]


def focus_order(post: QueryDict, chosen: list[int]) -> list[int]:
    """The chosen cases, then those after the first of them on the page, then those before it."""
    shown = _ids(post.get("shown", ""))
    if not chosen:
        return []
    first = chosen[0]
    at = shown.index(first) if first in shown else len(shown)
    after = [pk for pk in shown[at + 1 :] if pk not in chosen]
    before = [pk for pk in reversed(shown[:at]) if pk not in chosen]
    return [*chosen, *after, *before][:MAX_FOCUS]


def focus_target(raw: str, shown: list[int]) -> int | str | None:
    """Which element of the page to focus: the first case of `raw` the page shows, or CLAIM_NEXT."""
    if raw == CLAIM_NEXT:
        return CLAIM_NEXT
    present = set(shown)
    return next((pk for pk in _ids(raw, MAX_FOCUS) if pk in present), None)
