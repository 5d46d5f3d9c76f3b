"""The case timeline in words: each CaseEvent's payload (innerloop.events) read out as a person says it.

The payloads keep codes (status values, channel and outcome values, a team's slug, a category's
slug, a username) so that metrics and the API read them stably; the page shows labels and names
instead, looked up here once per page (one query for the people, the teams and the categories
the events name), and sentences instead of "None" where triage had no rule.
"""

import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext, gettext_lazy

from cxloop.core.pii import can_see_personal_data, mask_personal_data
from cxloop.org.models import Team
from feedback.models import Category, SuppressionReason

from .both_sides import both_sides_words
from .models import Case, CaseEvent, CaseStatus, ContactAttempt
from .recovery import CUSTOMER_UNHAPPY_REASON, recovery_answer_words
from .replies.presenters import reply_entries_fill

Kind = CaseEvent.Kind
STATUSES = dict(CaseStatus.choices)
CHANNELS = dict(ContactAttempt.Channel.choices)
OUTCOMES = dict(ContactAttempt.Outcome.choices)
SUPPRESSION_REASONS = dict(SuppressionReason.choices)
# The notes services write on a status change they make themselves, and the escalation clocks.
NOTES = {
    "claimed": gettext_lazy("claimed from the queue"),
    "contact logged": gettext_lazy("a contact was logged"),
    # innerloop.replies.services: REPLY_NOTE and REPLY_REOPEN_REASON.
    "customer replied": gettext_lazy("the customer replied"),
    "the customer replied": gettext_lazy("The customer replied."),
}
CLOCKS = {"first contact": gettext_lazy("first contact"), "resolution": gettext_lazy("resolution")}
RECOVERY_REASON = re.compile(r"still unhappy at the recovery check \((\d+)/10\)")
NO_TEAM_FOUND = "the rule found no team to route to"


@dataclass
class Entry:
    """One line of the timeline: when, who, what kind, and its sentence (plain text, escaped by the
    template); `detail` is a person's own words (a note, a promise, a message), shown as written."""

    event: CaseEvent
    actor: str
    title: str
    text: str = ""
    detail: list[tuple[str, str]] = field(default_factory=list)
    # A message's address, as the viewer may see it (masked without the personal data permission).
    to: str = ""
    # A customer's reply (innerloop.replies.presenters.ReplyShown), on "customer replied" entries.
    reply: Any = None


def _name_of(user: Any) -> str:
    if user is None:
        return gettext("cxloop, automatically")
    return user.get_full_name() or user.get_username()


def _lookups(case: Case, events: list[CaseEvent]) -> dict[str, dict[str, str]]:
    """Names for the usernames, team slugs and category slugs the events carry."""
    usernames = {e.data.get("assignee") for e in events if e.kind == Kind.ASSIGNED} - {None, ""}
    teams = {e.data.get("team") for e in events if e.kind == Kind.OPENED} - {None, "", case.team.slug}
    causes = {e.data.get("root_cause") for e in events if e.kind == Kind.RESOLVED} - {None, ""}
    people = get_user_model().objects.filter(username__in=usernames) if usernames else []
    return {
        "people": {user.get_username(): user.get_full_name() or user.get_username() for user in people},
        "teams": {case.team.slug: case.team.name}
        | (dict(Team.objects.filter(slug__in=teams).values_list("slug", "name")) if teams else {}),
        "causes": {c.slug: str(c) for c in Category.objects.filter(slug__in=causes).select_related("parent")}
        if causes
        else {},
    }


def _opened(data: dict, names: dict) -> str:
    team = names["teams"].get(data.get("team") or "", data.get("team") or "")
    rule, why = data.get("rule"), data.get("why") or ""
    if data.get("replied_to_case"):
        return gettext(
            "Opened for %(team)s when the customer replied to case %(case)s, which was no longer open."
        ) % {"team": team, "case": data["replied_to_case"]}
    if rule is None:
        return gettext("No triage rule matched this feedback, so it went to %(team)s, the triage team.") % {
            "team": team
        }
    if why.startswith(NO_TEAM_FOUND):
        return gettext(
            "Opened by the rule “%(rule)s”, which found no team to route to, so it went to %(team)s, "
            "the triage team."
        ) % {"rule": rule, "team": team}
    return gettext("Opened by the rule “%(rule)s” for %(team)s.") % {"rule": rule, "team": team}


def _status(data: dict) -> str:
    words = {
        "from": STATUSES.get(data.get("from") or "", data.get("from") or ""),
        "to": STATUSES.get(data.get("to") or "", data.get("to") or ""),
    }
    note = data.get("note") or ""
    if note:
        words["note"] = str(NOTES.get(note, note))
        return gettext("From “%(from)s” to “%(to)s”: %(note)s.") % words
    return gettext("From “%(from)s” to “%(to)s”.") % words


def _reopened(data: dict) -> str:
    reason = data.get("reason") or ""
    if reason == CUSTOMER_UNHAPPY_REASON:
        return gettext("The customer said at their own recovery check that it is not resolved for them.")
    recovery = RECOVERY_REASON.fullmatch(reason)
    if recovery:
        return gettext("The customer was still unhappy at the recovery check (%(score)s out of 10).") % {
            "score": recovery.group(1)
        }
    return str(NOTES.get(reason, reason))


def _entry(event: CaseEvent, names: dict, *, personal: bool) -> Entry:
    data, kind = event.data or {}, event.kind
    entry = Entry(event=event, actor=_name_of(event.actor), title=event.get_kind_display())
    if kind == Kind.MESSAGE_SENT:
        to = data.get("to") or ""
        entry.to = to if personal else mask_personal_data(to)
    elif kind == Kind.OPENED:
        entry.text = _opened(data, names)
    elif kind == Kind.STATUS_CHANGED:
        entry.text = _status(data)
    elif kind == Kind.ASSIGNED:
        assignee = data.get("assignee")
        person = names["people"].get(assignee, assignee) if assignee else None
        if person is None:
            entry.text = gettext("Back to the team's queue, with no one on it.")
        elif data.get("claimed"):
            entry.text = gettext("%(person)s claimed it.") % {"person": person}
        else:
            entry.text = gettext("Given to %(person)s.") % {"person": person}
    elif kind == Kind.CONTACT_LOGGED:
        channel, outcome = data.get("channel") or "", data.get("outcome") or ""
        entry.text = gettext("%(channel)s: %(outcome)s.") % {
            "channel": CHANNELS.get(channel, channel),
            "outcome": OUTCOMES.get(outcome, outcome),
        }
        entry.detail = [
            (gettext("Promised"), data.get("promised") or ""),
            (gettext("Next step"), data.get("next_step") or ""),
        ]
    elif kind == Kind.RESOLVED:
        cause = data.get("root_cause") or ""
        entry.text = gettext("Root cause: %(cause)s.") % {"cause": names["causes"].get(cause, cause)}
        entry.detail = [(gettext("How it was resolved"), data.get("note") or "")]
    elif kind == Kind.ESCALATED:
        entry.text = _escalated(data)
    elif kind == Kind.REOPENED:
        entry.text = _reopened(data)
    elif kind == Kind.RECOVERY_CHECKED:
        entry.text = gettext("The customer's score now: %(score)s out of 10.") % {"score": data.get("score")}
    elif kind in (Kind.RECOVERY_ASKED, Kind.CUSTOMER_ANSWERED):
        entry.text = _customer_recovery(kind, data)
    elif kind in (Kind.EMPLOYEE_ACCOUNT, Kind.DISPOSITION):
        entry.text, entry.detail = both_sides_words(kind, data, personal=personal)
    entry.detail = [(label, words) for label, words in entry.detail if words]
    return entry


def _customer_recovery(kind: str, data: dict) -> str:
    """The customer's own recovery check (innerloop.recovery): asked, or why not; and their answer."""
    if kind == Kind.CUSTOMER_ANSWERED:
        words = recovery_answer_words(resolved=data.get("resolved"), score=data.get("score"))
        if data.get("reopened"):
            return gettext("%(answer)s. The case is reopened for its owner.") % {"answer": words}
        return f"{words}."
    status, reason = data.get("status"), data.get("reason") or ""
    if status == "scheduled":
        return gettext("The customer is asked “Is this resolved for you?” and for a score out of 10.")
    if status == "duplicate":
        return gettext("The customer was already asked about this resolution.")
    if status == "suppressed":
        label = str(SUPPRESSION_REASONS.get(reason, reason))
        return gettext("Not asked: %(reason)s.") % {"reason": label[:1].lower() + label[1:]}
    return gettext("Not asked: the invitation could not be made. The customer was not contacted.")


def _escalated(data: dict) -> str:
    clock = data.get("clock") or ""
    words = {"clock": str(CLOCKS.get(clock, clock))}
    if data.get("level") == 1:
        return gettext("To the team lead: the %(clock)s deadline has passed.") % words
    return gettext("To the department's manager: the %(clock)s deadline passed a while ago.") % words


def timeline_entries(case: Case, events: list[CaseEvent], *, user: Any) -> list[Entry]:
    """The case's events (innerloop.selectors.case_timeline) as the page reads them out to `user`."""
    names = _lookups(case, events)
    personal = can_see_personal_data(user)
    entries = [_entry(event, names, personal=personal) for event in events]
    reply_entries_fill(entries, personal=personal)
    return entries
