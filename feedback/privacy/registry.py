"""The erasers of the apps above feedback, which feedback calls without importing them.

Feedback owns customers and their comments, but copies of them land in apps feedback may not import
(innerloop's cases and huddle summaries, outgoing email). Each such app registers an eraser here
(cxloop/wiring.py connects them); an erasure or a retention run calls every one of them inside its
own transaction, so either all copies go or none does.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

Counts = dict[str, int]


@dataclass(frozen=True)
class ErasureScope:
    """What to erase: an eraser acts on each part it holds copies of, and ignores the rest.

    - customer_ids: customers being erased: every case of theirs loses its personal data, every
      email to them its address, subject and body.
    - feedback_ids: feedback whose comment is being anonymised: copies quoting it (huddle summaries,
      alerts) drop the quote.
    - addresses: the erased customers' email addresses (messages sent to them).
    - identifiers: the erased customers' identifiers (external id, email, phone), lowercased, long
      enough to be unambiguous: staff free text that writes one down has it masked.
    - closed_before: retention of cases' personal data: the cases of `source_id` closed before then.
    - count_only: say how many rows would change (a dry run), change nothing.
    """

    customer_ids: frozenset[int] = frozenset()
    feedback_ids: frozenset[int] = frozenset()
    addresses: frozenset[str] = frozenset()
    identifiers: frozenset[str] = frozenset()
    source_id: int | None = None
    closed_before: datetime | None = None
    count_only: bool = False
    # Set by the caller: when the erasure happens (the same instant in every marker it writes).
    now: datetime | None = field(default=None, compare=False)


Eraser = Callable[[ErasureScope], Counts]

_ERASERS: dict[str, Eraser] = {}


def eraser_register(name: str, eraser: Eraser) -> None:
    """Add an app's eraser (from cxloop/wiring.py); registering a name again replaces it."""
    _ERASERS[name] = eraser


def erasers() -> dict[str, Eraser]:
    """The registered erasers by name, in registration order."""
    return dict(_ERASERS)


def erasers_run(scope: ErasureScope) -> Counts:
    """Call every registered eraser on `scope`; their counts merged (each key names its app)."""
    counts: Counts = {}
    for eraser in _ERASERS.values():
        for key, value in eraser(scope).items():
            counts[key] = counts.get(key, 0) + value
    return counts
