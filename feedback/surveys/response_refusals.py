"""The pages that refuse a survey link or an answer: state -> (HTTP status, title, what to do).

Each says what happened and that nothing was recorded (feedback.surveys.response_views._refusal).
"""

from django.utils.translation import gettext as _

REFUSALS = {
    "invalid": (
        404,
        lambda: _("This survey link does not work"),
        lambda: _(
            "Check that you opened the whole link from the message: some email programs cut long links "
            "in two. Nothing was recorded."
        ),
    ),
    "expired": (
        410,
        lambda: _("This survey has closed"),
        lambda: _(
            "The link was valid for a limited time and has expired, so nothing was recorded. Thank you "
            "for wanting to answer: if you have something to tell us, please contact us directly."
        ),
    ),
    "closed": (
        409,
        lambda: _("You have answered this survey already"),
        lambda: _(
            "Thank you: your answer is recorded. It could be changed only for a short time after you "
            "first gave it, and that time is over, so nothing was changed."
        ),
    ),
    "closed_anonymous": (
        409,
        lambda: _("You have answered this survey already"),
        lambda: _(
            "Thank you: your answer is recorded. Answers are anonymous, so it cannot be shown or "
            "changed from a new visit, and nothing was changed."
        ),
    ),
    "inactive": (
        410,
        lambda: _("This survey has closed"),
        lambda: _(
            "This survey no longer takes answers, so nothing was recorded. Thank you for wanting to "
            "answer: if you have something to tell us, please contact us directly."
        ),
    ),
    "paused": (
        429,
        lambda: _("Too many tries"),
        lambda: _(
            "Too many survey links were tried from your connection, or one answer was changed too "
            "often. Nothing was recorded. Please wait a few minutes, then open the link again."
        ),
    ),
}
