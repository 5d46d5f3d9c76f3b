"""Both sides of the story: the employee's account of a case, and "customer not a fit".

Each service locks the case, checks the version the person was looking at (innerloop.services.cases'
optimistic concurrency: a stale edit is refused with 409), writes the change with a CaseEvent
(the timeline) and an audit row (ids and codes only: the account and the justification may name
the customer), and bumps the version. Nothing new is written on a case whose personal data was
erased: the account and the justification are the kind of text the erasure empties.

A disposition event keeps its codes under "disposition" and "previous", not "to" and "from": the
erasure empties "to" (an email's recipients; innerloop.privacy.EVENT_TEXT_KEYS), which would turn
a "not a fit" event into one that reads as cleared.
"""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxloop.core.exceptions import ApplicationError, StateConflict
from cxloop.core.models import audit
from innerloop.models import Case, CaseEvent, Disposition
from innerloop.services.cases import _locked, _save


def _refuse_if_erased(case: Case) -> None:
    if case.personal_data_erased_at is not None:
        raise StateConflict(
            _("This case's personal data was erased: nothing new is written on it."),
            {"case": ["personal data erased"]},
        )


def _required(text: str, field: str, message: Any) -> str:
    text = (text or "").strip()
    if not text:
        raise ApplicationError(message, {field: [_("This field may not be blank.")]})
    return text


@transaction.atomic
def case_employee_account_record(
    *, case: Case, actor: Any, account: str, expected_version: int | None = None
) -> Case:
    """Record (or replace) the employee's account of what happened, shown beside the customer's."""
    account = _required(account, "account", _("Write the employee's account."))
    case = _locked(case, expected_version=expected_version)
    _refuse_if_erased(case)
    replaced = bool(case.employee_account)
    case.employee_account = account
    case.employee_account_by = actor
    case.employee_account_at = timezone.now()
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.EMPLOYEE_ACCOUNT,
        actor=actor,
        data={"text": account, "replaced": replaced},
    )
    audit(actor=actor, verb="case.employee_account_recorded", target=case, replaced=replaced)
    _save(case, "employee_account", "employee_account_by", "employee_account_at")
    return case


@transaction.atomic
def case_disposition_set(
    *, case: Case, actor: Any, disposition: str, justification: str, expected_version: int | None = None
) -> Case:
    """Judge the customer not a fit (wrong, or unprofitable to serve), saying why: the case then
    counts neither towards a recurring root cause nor in an impact review's recurrence."""
    if disposition not in Disposition.values:
        raise ApplicationError(_("Choose a disposition."), {"disposition": [_("Not a valid choice.")]})
    justification = _required(justification, "justification", _("Say why the customer is not a fit."))
    case = _locked(case, expected_version=expected_version)
    _refuse_if_erased(case)
    previous = case.disposition
    case.disposition = disposition
    case.disposition_justification = justification
    case.disposition_by = actor
    case.disposition_at = timezone.now()
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.DISPOSITION,
        actor=actor,
        data={"previous": previous, "disposition": disposition, "reason": justification},
    )
    audit(actor=actor, verb="case.disposition_set", target=case, disposition=disposition, previous=previous)
    _save(case, "disposition", "disposition_justification", "disposition_by", "disposition_at")
    return case


@transaction.atomic
def case_disposition_clear(
    *, case: Case, actor: Any, reason: str, expected_version: int | None = None
) -> Case:
    """Take "customer not a fit" off the case, saying why: it counts as evidence again."""
    reason = _required(reason, "reason", _("Say why it is cleared."))
    case = _locked(case, expected_version=expected_version)
    _refuse_if_erased(case)
    if not case.disposition:
        raise StateConflict(_("This case is not marked “customer not a fit”."), {"disposition": ["not set"]})
    previous = case.disposition
    # The fields describe the disposition that stands; who cleared it, when and why is the event's.
    case.disposition = ""
    case.disposition_justification = ""
    case.disposition_by = None
    case.disposition_at = None
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.DISPOSITION,
        actor=actor,
        data={"previous": previous, "disposition": "", "reason": reason},
    )
    audit(actor=actor, verb="case.disposition_cleared", target=case, previous=previous)
    _save(case, "disposition", "disposition_justification", "disposition_by", "disposition_at")
    return case
