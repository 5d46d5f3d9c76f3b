"""Who hears that a survey was answered: a registry per survey purpose.

feedback knows nothing of cases; innerloop hears the customer's own recovery check by registering
a listener for the "recovery" purpose (connected in cxloop/wiring.py). A listener runs after the
answer is committed, once per answer or change of answer, as
`fn(*, invitation, feedback, score, resolved)`. One listener failing is logged and does not stop
the others, nor undo the answer.
"""

import logging
from collections.abc import Callable

from django.db import transaction

from feedback.models import Feedback, SurveyInvitation

logger = logging.getLogger(__name__)

AnswerListener = Callable[..., None]

_listeners: dict[str, list[AnswerListener]] = {}


def answer_listener_register(purpose: str, fn: AnswerListener) -> None:
    """Call `fn` after each answer to a survey of this purpose (registering twice calls it once)."""
    registered = _listeners.setdefault(purpose, [])
    if fn not in registered:
        registered.append(fn)


def answer_listeners_for(purpose: str) -> list[AnswerListener]:
    return list(_listeners.get(purpose, ()))


def _caller(
    fn: AnswerListener, *, invitation_id: int, feedback_id: int, score, resolved
) -> Callable[[], None]:
    """A named function (Django logs a failing on_commit callback by its __qualname__)."""

    def call_answer_listener() -> None:
        invitation = SurveyInvitation.objects.select_related("survey").get(pk=invitation_id)
        feedback = Feedback.objects.get(pk=feedback_id)
        fn(invitation=invitation, feedback=feedback, score=score, resolved=resolved)

    return call_answer_listener


def answer_listeners_notify_on_commit(
    *, invitation: SurveyInvitation, feedback_id: int, score: int | None, resolved: bool | None
) -> None:
    """Call the purpose's listeners once the caller's transaction commits (each on its own:
    `robust` logs a listener's error and goes on with the next)."""
    for fn in answer_listeners_for(invitation.survey.purpose):
        call = _caller(
            fn, invitation_id=invitation.pk, feedback_id=feedback_id, score=score, resolved=resolved
        )
        transaction.on_commit(call, robust=True)
