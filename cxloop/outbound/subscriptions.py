"""Which endpoints want an event: its type, and for some types a filter (score, scale, source,
priority). Read once per batch of events, and kept for a few seconds
(settings.CXLOOP_OUTBOUND_SUBSCRIBERS_CACHE_SECONDS) so that feedback arriving in bulk costs no
query at all while nobody subscribes to it; a change made through this app's services is seen at
once in this process, and within those seconds in the others.
"""

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import Endpoint, EndpointFormat, EventType

# The contract's scales (DESIGN.md section 5).
SCALE_LABELS = {"nps": _("NPS (0 to 10)"), "csat": _("CSAT (1 to 5)"), "ces": _("CES (1 to 7)")}
# A chat channel hears of new cases only when they matter, unless its filter says otherwise.
CHAT_DEFAULT_PRIORITIES = ("high", "urgent")
CHAT_FORMATS = (EndpointFormat.SLACK, EndpointFormat.TEAMS)

# Choices for the filters that name other apps' objects (feedback sources, case priorities): this
# app cannot import them, so the apps that own them register a provider (cxloop/wiring.py).
_choice_providers: dict[str, Callable[[], Iterable[tuple[Any, Any]]]] = {}


def filter_choices_register(name: str, provider: Callable[[], Iterable[tuple[Any, Any]]]) -> None:
    _choice_providers[name] = provider


def filter_choices(name: str) -> list[tuple[Any, Any]]:
    provider = _choice_providers.get(name)
    return list(provider()) if provider else []


@dataclass(frozen=True)
class Subscriber:
    id: int
    format: str
    event_types: frozenset[str]
    filter: dict[str, Any] = field(default_factory=dict)

    def wants(self, event_type: str, payload: dict[str, Any]) -> bool:
        if event_type not in self.event_types:
            return False
        if event_type == EventType.FEEDBACK_RECEIVED:
            return self._wants_feedback(payload.get("feedback") or {})
        if event_type == EventType.CASE_OPENED:
            return self._wants_case(payload.get("case") or {})
        return True

    def _wants_feedback(self, feedback: dict[str, Any]) -> bool:
        max_score, scales, sources = (self.filter.get(k) for k in ("max_score", "scales", "sources"))
        if max_score is not None and (feedback.get("score") is None or feedback["score"] > max_score):
            return False
        if scales and feedback.get("scale") not in scales:
            return False
        return not sources or feedback.get("source_id") in sources

    def _wants_case(self, case: dict[str, Any]) -> bool:
        priorities = self.filter.get("case_priorities") or (
            CHAT_DEFAULT_PRIORITIES if self.format in CHAT_FORMATS else ()
        )
        return not priorities or case.get("priority") in priorities


_cache: dict[str, Any] = {"at": float("-inf"), "subscribers": []}


def subscribers() -> list[Subscriber]:
    """The active endpoints, at most a few seconds old (one query when the copy is older)."""
    ttl = settings.CXLOOP_OUTBOUND_SUBSCRIBERS_CACHE_SECONDS
    if ttl > 0 and time.monotonic() - _cache["at"] < ttl:
        return _cache["subscribers"]
    found = [
        Subscriber(pk, format, frozenset(types), filters if isinstance(filters, dict) else {})
        for pk, format, types, filters in Endpoint.objects.filter(active=True)
        .order_by("pk")
        .values_list("pk", "format", "event_types", "feedback_filter")
    ]
    _cache.update(at=time.monotonic(), subscribers=found)
    return found


def subscribers_forget() -> None:
    """Read the endpoints afresh at the next event (after an endpoint was changed here)."""
    _cache["at"] = float("-inf")


def anyone_subscribes(event_type: str) -> bool:
    return any(event_type in subscriber.event_types for subscriber in subscribers())
