"""An outcome in words: what became of an obstacle, a signal or a piece of staff feedback.

Pure functions over rows the page's selector has loaded (outerloop.outcomes.selectors), so a page of
items costs the same few queries however many it shows.
"""

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext, pgettext

from outerloop.models import Initiative, InitiativeEvent, Signal, SignalKind, SignalStatus, Stage

from .tell import OTHER_OBSTACLE

DONE_STAGES = (Stage.ROLLED_OUT, Stage.IMPACT_REVIEWED, Stage.CLOSED)


@dataclass(frozen=True)
class Link:
    what: str  # "Signal", "Initiative"
    label: str
    url: str = ""  # blank: named, but the reader may not open it


@dataclass(frozen=True)
class OutcomeWords:
    state: str  # one or two words ("Dismissed", "Rolled out")
    sentence: str
    reason_label: str = ""
    reason: str = ""
    links: list[Link] = field(default_factory=list)


@dataclass
class Known:
    """What the page's selector loaded, by id: everything the words below need."""

    initiative_of: dict[int, Initiative]  # signal id -> its (first) initiative
    events_of: dict[
        int, list[InitiativeEvent]
    ]  # initiative id -> its decisions and stage changes, newest first
    signals_visible: set[int]  # the signals the reader may open
    initiatives_visible: set[int]  # the initiatives the reader may open
    own_signals: set[int]  # the obstacle signals the reader raised (named to them by their title)


def signal_link(signal: Signal, known: Known) -> Link:
    if signal.kind == SignalKind.OBSTACLE and signal.pk not in known.own_signals | known.signals_visible:
        return Link(gettext("Signal"), gettext(OTHER_OBSTACLE))
    url = reverse("outerloop:signal", args=[signal.pk]) if signal.pk in known.signals_visible else ""
    return Link(gettext("Signal"), signal.title, url)


def initiative_link(initiative: Initiative, known: Known) -> Link:
    url = (
        reverse("outerloop:initiative", args=[initiative.pk])
        if initiative.pk in known.initiatives_visible
        else ""
    )
    return Link(gettext("Initiative"), initiative.title, url)


def _why(initiative: Initiative, known: Known) -> str:
    """The reason recorded for the initiative's current stage: the committee's rationale, or the note
    of whoever moved it there."""
    for event in known.events_of.get(initiative.pk, []):
        data = event.data or {}
        if event.kind == InitiativeEvent.Kind.DECIDED and data.get("outcome") == initiative.stage:
            return str(data.get("rationale") or "")
        if event.kind == InitiativeEvent.Kind.STAGE_CHANGED and data.get("to") == initiative.stage:
            if data.get("decision"):
                continue  # the decision's own event, next in the list, has the rationale
            return str(data.get("note") or "")
    return ""


def initiative_outcome(initiative: Initiative, known: Known, links: list[Link]) -> OutcomeWords:
    links = [*links, initiative_link(initiative, known)]
    stage = initiative.stage
    if stage == Stage.PROPOSED:
        return OutcomeWords(
            gettext("Promoted"),
            gettext("It became an initiative, waiting for the committee's decision."),
            links=links,
        )
    if stage in (Stage.DEFERRED, Stage.REJECTED):
        state = gettext("Deferred") if stage == Stage.DEFERRED else gettext("Rejected")
        sentence = (
            gettext("It became an initiative, which was then deferred.")
            if stage == Stage.DEFERRED
            else gettext("It became an initiative, which the committee rejected.")
        )
        return OutcomeWords(state, sentence, gettext("Why"), _why(initiative, known), links)
    if stage in DONE_STAGES:
        return OutcomeWords(
            gettext("Rolled out"),
            gettext("It became an initiative, which has been rolled out."),
            gettext("What changed"),
            initiative.what_changed,
            links,
        )
    return OutcomeWords(
        gettext("In progress"),
        gettext("It became an initiative, now at the stage “%(stage)s”.")
        % {"stage": initiative.get_stage_display()},
        links=links,
    )


def signal_outcome(signal: Signal, known: Known, *, depth: int = 0) -> OutcomeWords:
    """What became of a signal: open, dismissed with the reason, merged (and what became of the
    other), promoted to an initiative at its stage."""
    links = [signal_link(signal, known)]
    if signal.status == SignalStatus.DISMISSED:
        return OutcomeWords(
            gettext("Dismissed"),
            gettext("The signal was dismissed."),
            gettext("Reason"),
            signal.dismissed_reason,
            links,
        )
    if signal.status == SignalStatus.MERGED and signal.merged_into is not None:
        into = signal.merged_into
        into_link = signal_link(into, known)
        merged = gettext("Merged into “%(into)s”.") % {"into": into_link.label}
        if depth == 0 and into.status != SignalStatus.MERGED:
            then = signal_outcome(into, known, depth=1)
            return OutcomeWords(
                then.state, f"{merged} {then.sentence}", then.reason_label, then.reason, [*links, *then.links]
            )
        return OutcomeWords(gettext("Merged"), merged, links=[*links, into_link])
    initiative = known.initiative_of.get(signal.pk)
    if signal.status == SignalStatus.PROMOTED and initiative is not None:
        return initiative_outcome(initiative, known, links)
    return OutcomeWords(
        pgettext("outcome", "Open"), gettext("A signal for the committee, not decided yet."), links=links
    )


def obstacle_outcome(obstacle, signal: Signal | None, known: Known) -> OutcomeWords:
    """A huddle obstacle: kept by the team, escalated and waiting, or its signal's outcome."""
    if signal is not None:
        return signal_outcome(signal, known)
    if obstacle.escalated_at is None:
        return OutcomeWords(
            gettext("With the team"), gettext("Raised in the huddle; the team has not escalated it.")
        )
    return OutcomeWords(
        gettext("Escalated"),
        gettext("Escalated; it becomes a signal for the committee at the next nightly run."),
    )


def feedback_outcome(signal: Signal | None, known: Known) -> OutcomeWords:
    """Staff feedback: the outcome of the signal it fed, or recorded."""
    if signal is not None:
        return signal_outcome(signal, known)
    return OutcomeWords(
        gettext("Recorded"),
        gettext(
            "Recorded. It has not fed a signal yet: a signal comes from a cause that rises across teams."
        ),
    )
