"""Erasing a customer's personal data from notifications and email (issue #15).

This layer does not know customers or cases: the apps that do say which messages are the customer's
(their address, their id, the keys they gave the messages). Sent messages keep their row, emptied,
so the outbox still shows that something went out and when; messages never sent are deleted, so
nothing is left that a person could "send again" to an address that is gone.
"""

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Q, Value
from django.db.models.functions import Concat

from .models import EmailMessage, Notification, TextMessage

ERASED_SUBJECT = "(erased)"


def _admin_log_rename(email_ids: list[int]) -> int:
    """The admin's history names an email by its str(), subject and address: renamed by id."""
    if not email_ids:
        return 0
    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(EmailMessage),
        object_id__in=[str(pk) for pk in email_ids],
    ).update(object_repr=Concat(Value("Email "), "object_id", Value(" (erased)"), output_field=CharField()))


def _emails_empty(emails) -> int:
    """Delete the unsent ones, empty the sent ones (address too); returns how many changed."""
    _admin_log_rename(list(emails.values_list("pk", flat=True)))
    return _outbox_empty(
        emails, blank={"to": "", "subject": ERASED_SUBJECT, "body": "", "html_body": "", "error": ""}
    )


def _outbox_empty(messages, *, blank: dict) -> int:
    """Either outbox (emails, text messages): delete the unsent, set the sent ones' `blank` fields."""
    deleted, _ = messages.exclude(status=EmailMessage.Status.SENT).delete()
    emptied = messages.filter(status=EmailMessage.Status.SENT).exclude(**blank).update(**blank)
    return deleted + emptied


def texts_to_erase(*, phones, customer_ids, count_only: bool = False) -> int:
    """Every text message to these customers (or to these numbers): unsent ones deleted, sent ones
    emptied of number and text, as emails are."""
    if not phones and not customer_ids:
        return 0
    texts = TextMessage.objects.filter(Q(customer_id__in=list(customer_ids)) | Q(to__in=list(phones)))
    if count_only:
        return texts.count()
    return _outbox_empty(texts, blank={"to": "", "body": "", "error": ""})


def emails_to_erase(*, addresses, customer_ids, count_only: bool = False) -> int:
    """Every email to these addresses, or that a sender marked as for these customers."""
    if not addresses and not customer_ids:
        return 0
    condition = Q(customer_id__in=list(customer_ids))
    for address in addresses:
        condition |= Q(to__iexact=address)
    emails = EmailMessage.objects.filter(condition)
    return emails.count() if count_only else _emails_empty(emails)


def _keyed(prefixes) -> Q:
    condition = Q(pk__in=[])
    for prefix in prefixes:
        condition |= Q(key__startswith=prefix)
    return condition


def emails_keyed_erase(*, key_prefixes) -> int:
    """Emails whose key starts with one of `key_prefixes`: a sender's messages about one case."""
    if not key_prefixes:
        return 0
    return _emails_empty(EmailMessage.objects.filter(_keyed(key_prefixes)))


def emails_keyed_rebody(*, key_prefix: str, body: str) -> int:
    """Replace the body of the emails under `key_prefix` (a summary rebuilt without a quote)."""
    return EmailMessage.objects.filter(key__startswith=key_prefix).exclude(body=body).update(body=body)


def notifications_quote_erase(*, key_prefixes) -> int:
    """Empty the body of notifications under these key prefixes (an alert quoting a comment), and of
    the emails that copied them ("notification:<key>"); the title names the case, not the customer."""
    if not key_prefixes:
        return 0
    changed = Notification.objects.filter(_keyed(key_prefixes)).exclude(body="").update(body="")
    copies = EmailMessage.objects.filter(_keyed([f"notification:{prefix}" for prefix in key_prefixes]))
    return changed + copies.exclude(body="").update(body="")


def notifications_eraser(scope) -> dict[str, int]:
    """The eraser feedback's registry calls (cxloop/wiring.py): emails to the erased customers.

    `scope` is a feedback.privacy.registry.ErasureScope, read by its attributes (this layer may not
    import feedback). Retention names no customers, so it changes nothing here.
    """
    return {
        "notifications.emails_to_customer": emails_to_erase(
            addresses=scope.addresses, customer_ids=scope.customer_ids, count_only=scope.count_only
        ),
        # Phone numbers are among the identifiers (as they were stored, lowercased).
        "notifications.texts_to_customer": texts_to_erase(
            phones=scope.identifiers, customer_ids=scope.customer_ids, count_only=scope.count_only
        ),
    }
