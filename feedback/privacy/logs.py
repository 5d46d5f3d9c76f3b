"""Erasing a customer from the project's logs that are not the audit log: Django admin's history and
the sign-in throttle's records (django-axes).

The admin's history names each object it logged by its str() at the time (an email's subject and
address, a signal's or an initiative's title, a customer's name), and a change message may be any
text; the throttle keeps what was typed as a username, which is sometimes a customer's email. None of
these rows is linked to the customer, so they are searched for the customer's identifiers, which are
masked. The customer's own entries are renamed by id in feedback.privacy.anonymise (their name is not
an identifier). The audit log itself never holds such text (cxloop.core.models.audit callers store
ids, field names and staff usernames), so it needs no pass: it is append-only.
"""

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.admin.models import LogEntry
from django.db.models import Q

from .masking import identifiers_mask
from .registry import Counts


def admin_log_erase(*, identifiers) -> int:
    """Mask the identifiers in the admin history's object names and change messages."""
    return identifiers_mask(model=LogEntry, fields=("object_repr", "change_message"), identifiers=identifiers)


def sign_in_records_erase(*, identifiers) -> int:
    """Failed sign-ins whose "username" was one of the identifiers: the throttle's live counters are
    deleted (they only count towards a cooldown; no account has that name), its logs masked."""
    condition = Q(pk__in=[])
    for identifier in identifiers:
        condition |= Q(username__icontains=identifier) | Q(post_data__icontains=identifier)
    deleted, _ = AccessAttempt.objects.filter(condition).delete() if identifiers else (0, {})
    return deleted + sum(
        identifiers_mask(model=model, fields=("username",), identifiers=identifiers)
        for model in (AccessFailureLog, AccessLog)
    )


def logs_erase(*, identifiers) -> Counts:
    if not identifiers:
        return {}
    return {
        "feedback.admin_log_text": admin_log_erase(identifiers=identifiers),
        "feedback.sign_in_records": sign_in_records_erase(identifiers=identifiers),
    }
