"""Both sides of the story (#18, item 9): the employee's account beside the customer's, and the
disposition "customer not a fit", which a person justifies.

This module holds the rule (what "not a fit" is: a case with a disposition), the actions' inputs
(the case action table, innerloop.actions, validates the page and the API with them) and the
timeline's words for the two kinds of event. The writes are innerloop.services.both_sides.
"""

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext, gettext_lazy
from rest_framework import serializers

from cxloop.core.api import StringField, WholeNumberField
from cxloop.core.pii import mask_personal_data

from . import permissions
from .models import Case, CaseEvent, Disposition

ACCOUNT_MAX = 5000
JUSTIFICATION_MAX = 2000

# The one rule: a case is "customer not a fit" when a person gave it a disposition (the database
# constraint case_disposition_justified makes sure they justified it). Detection and impact reviews
# leave out the feedback such a case was opened for (outerloop.services.detection writes the same
# rule in SQL: disposition <> '').
NOT_A_FIT = ~Q(disposition="")
DISPOSITIONS = dict(Disposition.choices)


def not_a_fit_cases() -> QuerySet[Case]:
    """Every case judged "customer not a fit"."""
    return Case.objects.filter(NOT_A_FIT)


def without_not_a_fit(feedback: QuerySet[Any]) -> QuerySet[Any]:
    """These feedback rows less those whose case was judged "customer not a fit"."""
    return feedback.exclude(pk__in=not_a_fit_cases().values("feedback_id"))


# --- Inputs (the case action table's; innerloop.actions) -------------------------------------------


class _Versioned(serializers.Serializer):
    version = WholeNumberField(
        required=False, help_text=gettext_lazy("The version you last saw; a stale one is refused with 409.")
    )


class EmployeeAccountInput(_Versioned):
    account = StringField(
        max_length=ACCOUNT_MAX,
        help_text=gettext_lazy("What happened, in the words of the employee involved."),
    )


class DispositionInput(_Versioned):
    disposition = serializers.ChoiceField(choices=Disposition.choices)
    justification = StringField(
        max_length=JUSTIFICATION_MAX,
        help_text=gettext_lazy("Why the customer is not a fit: required, shown on the case's timeline."),
    )


class DispositionClearInput(_Versioned):
    reason = StringField(max_length=JUSTIFICATION_MAX, help_text=gettext_lazy("Why it is cleared."))


# --- The timeline's words (innerloop.timeline) -------------------------------------------------------


def both_sides_words(kind: str, data: dict[str, Any], *, personal: bool) -> tuple[str, list[tuple[str, str]]]:
    """The sentence and the person's own words of an employee-account or disposition event; the
    words are masked for a viewer without the personal data permission, as a comment is."""

    def shown(text: str) -> str:
        return text if personal else mask_personal_data(text)

    if kind == CaseEvent.Kind.EMPLOYEE_ACCOUNT:
        sentence = (
            gettext("The employee's account was replaced.")
            if data.get("replaced")
            else gettext("The employee's account was recorded.")
        )
        return sentence, [(gettext("Account"), shown(data.get("text") or ""))]
    # The codes' keys are ones the erasure leaves (innerloop.services.both_sides).
    now, was = data.get("disposition") or "", data.get("previous") or ""
    if now:
        sentence = gettext("Marked “%(disposition)s”.") % {"disposition": _lower(DISPOSITIONS.get(now, now))}
        return sentence, [(gettext("Justification"), shown(data.get("reason") or ""))]
    sentence = gettext("“Customer not a fit” cleared (it was: %(disposition)s).") % {
        "disposition": _lower(DISPOSITIONS.get(was, was))
    }
    return sentence, [(gettext("Why it was cleared"), shown(data.get("reason") or ""))]


def _lower(label: Any) -> str:
    text = str(label)
    return text[:1].lower() + text[1:]


def both_sides_may(user: Any, case: Case) -> dict[str, bool]:
    """What the case page offers `user` (innerloop.permissions decides; the actions check again)."""
    return {
        "record_account": permissions.can_record_employee_account(user, case),
        "set_disposition": permissions.can_set_disposition(user, case),
    }


# --- Erasure (innerloop.privacy) ----------------------------------------------------------------

# What the erasure leaves of a justification: the database wants one while a disposition stands
# (case_disposition_justified), and the disposition itself stays so that the counts do not move.
ERASED_JUSTIFICATION = "(erased)"


def cases_both_sides_erase(*, case_ids: list[int]) -> int:
    """Empty the employee's account and the justification of these cases (their events' copies are
    emptied with the timeline's other text: keys "text" and "reason"); returns how many changed."""
    cases = Case.objects.filter(pk__in=case_ids)
    accounts = cases.exclude(employee_account="").update(employee_account="")
    justified = cases.filter(NOT_A_FIT).update(disposition_justification=ERASED_JUSTIFICATION)
    return accounts + justified
