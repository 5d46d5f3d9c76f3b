"""Telling the staff who raised something what became of it: dismissed, merged, deferred, rejected.

Called by the service that decides the outcome (outerloop.services.signals, governance.services),
inside its transaction: the notifications are rows committed with the outcome, so nobody is told of
a decision that rolls back and none is lost after it commits; the emails they queue leave after
commit (cxloop.notifications.outbox). Each notification has a unique key per outcome and person,
so a re-run tells nobody twice. Roll-outs are told by outerloop.services.close_loop.

Only what the person may read travels: the signal's title when it is theirs or a root cause's
(category and journey stage), the committee's or triager's reason, the initiative's title; another
team's obstacle is named "a similar obstacle", and the link goes to the person's own page.
"""

import hashlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from cxloop.notifications.services import notify
from cxloop.org.language import language_of
from outerloop.models import Initiative, Signal, SignalKind, SignalStatus, Stage

from .raisers import initiative_signals, signal_raiser_ids

KIND = "raised_outcome"
DISMISSED_TITLE = gettext_noop("Dismissed: %(title)s")
DISMISSED_BODY = gettext_noop("What you raised was dismissed. The reason given: %(reason)s")
MERGED_TITLE = gettext_noop("Merged: %(title)s")
MERGED_BODY = gettext_noop("What you raised was merged into %(into)s, which carries it from now on.")
DECIDED_TITLE: dict[str, str] = {
    Stage.DEFERRED: gettext_noop("Deferred by the committee: %(title)s"),
    Stage.REJECTED: gettext_noop("Rejected by the committee: %(title)s"),
}
DECIDED_BODY: dict[str, str] = {
    Stage.DEFERRED: gettext_noop(
        "The initiative that came from what you raised was deferred. The committee's rationale: %(reason)s"
    ),
    Stage.REJECTED: gettext_noop(
        "The initiative that came from what you raised was rejected. The committee's rationale: %(reason)s"
    ),
}
# Translators: how another team's obstacle is named to someone who may not read it.
OTHER_OBSTACLE = gettext_noop("a similar obstacle raised elsewhere")


def _digest(text: str) -> str:
    """Part of a key: a signal dismissed again with another reason is told again, a re-run is not."""
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def signal_label_for(signal: Signal, *, raiser_ids: set[int], user_id: int) -> str:
    """The signal's title when `user_id` may read it (a root cause, or an obstacle they raised)."""
    if signal.kind == SignalKind.OBSTACLE and user_id not in raiser_ids:
        return gettext(OTHER_OBSTACLE)
    return signal.title


def _tell(*, user_ids: set[int], key: str, title_and_body) -> int:
    """Notify each person once under `key`:<their id>, in their own language."""
    url = reverse("outerloop:raised")
    told = 0
    for user in get_user_model().objects.filter(pk__in=user_ids, is_active=True).order_by("pk"):
        with translation.override(language_of(user) or settings.LANGUAGE_CODE):
            title, body = title_and_body(user)
        notify(user=user, key=f"{key}:{user.pk}", kind=KIND, title=title, body=body, url=url)
        told += 1
    return told


def signal_outcome_tell(*, signal: Signal) -> int:
    """Tell the raisers of a signal just dismissed or merged; returns how many were told."""
    raisers = signal_raiser_ids([signal])
    if signal.status == SignalStatus.DISMISSED:
        reason = signal.dismissed_reason
        key = f"outcome:signal:{signal.pk}:dismissed:{_digest(reason)}"

        def words(user):
            title = gettext(DISMISSED_TITLE) % {"title": signal.title}
            return title, gettext(DISMISSED_BODY) % {"reason": reason}

    elif signal.status == SignalStatus.MERGED and signal.merged_into is not None:
        into = signal.merged_into
        into_raisers = signal_raiser_ids([into]) if into.kind == SignalKind.OBSTACLE else set()
        key = f"outcome:signal:{signal.pk}:merged:{into.pk}"

        def words(user):
            label = signal_label_for(into, raiser_ids=into_raisers, user_id=user.pk)
            title = gettext(MERGED_TITLE) % {"title": signal.title}
            return title, gettext(MERGED_BODY) % {"into": f"“{label}”"}

    else:
        return 0
    return _tell(user_ids=raisers, key=key, title_and_body=words)


def initiative_decision_tell(
    *, initiative: Initiative, outcome: str, decision_id: int, rationale: str
) -> int:
    """Tell everyone who fed a deferred or rejected initiative the committee's rationale; an approval
    is news the person reads on their page (and a roll-out is told when it happens)."""
    if outcome not in DECIDED_TITLE:
        return 0
    raisers = signal_raiser_ids(initiative_signals(initiative))

    def words(user):
        title = gettext(DECIDED_TITLE[outcome]) % {"title": initiative.title}
        return title, gettext(DECIDED_BODY[outcome]) % {"reason": rationale}

    return _tell(user_ids=raisers, key=f"outcome:decision:{decision_id}", title_and_body=words)
