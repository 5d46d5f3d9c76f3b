"""Closing the loop: telling the customers (and colleagues) affected by a rolled-out initiative.

Rolling out emails nobody by itself. A person writes what changed, sees the exact email one customer
will get and how many will get it, confirms, and only then is it sent: once per initiative, with a
record on the initiative's timeline of who sent what, and to how many (the emails are in the outbox).
"""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from cxloop.core.exceptions import NotPermitted, StateConflict
from cxloop.notifications.models import EmailMessage
from cxloop.notifications.services import email_queue, notify
from cxloop.org.language import language_of
from outerloop import events
from outerloop.loop_message import (
    Texts,
    affected_customers,
    close_loop_message,
    close_loop_recipients,
    close_loop_refusal,
    close_loop_texts_check,
    default_language,
    recipient_languages,
    staff_to_tell,
)
from outerloop.models import Initiative
from outerloop.permissions import can_edit_initiative

logger = logging.getLogger(__name__)
STAFF_TITLE = gettext_noop("You said, we did: %(title)s")
STAFF_BODY = gettext_noop("What you raised led to a change: %(what_changed)s")


@transaction.atomic
def initiative_tell_customers(
    *, initiative: Initiative, actor, subject: str, what_changed: str, translations: Texts | None = None
) -> dict[str, int]:
    """Email every affected customer who may be contacted, once, and tell the colleagues who raised it.

    Runs when a person has seen the preview and confirmed. The initiative row is locked, so two
    senders confirming together send once; each email also has its own key in the outbox. Each
    customer gets the email in their language (their latest feedback's): the sender's words for it
    in `translations` ({"pt": (subject, what changed)}), required when some customer needs them.
    """
    initiative = Initiative.objects.select_for_update(no_key=True).get(pk=initiative.pk)
    if not can_edit_initiative(actor, initiative):
        raise NotPermitted(
            gettext("Only the initiative's owner or the committee tells its customers."),
            {"actor": ["not owner"]},
        )
    refusal = close_loop_refusal(initiative=initiative)
    if refusal:
        raise StateConflict(
            refusal, {"initiative": ["already told" if initiative.rolled_out_at else "not rolled out"]}
        )
    recipients = close_loop_recipients(initiative)
    languages = recipient_languages(recipients)
    texts = close_loop_texts_check(
        initiative,
        texts={default_language(): (subject, what_changed), **(translations or {})},
        languages_needed=set(languages.values()),
    )
    subject, what_changed = texts[default_language()]
    affected = affected_customers(initiative=initiative).exclude(email="")
    # Customers who asked not to be contacted are not told (feedback.contact); the record counts them.
    not_contacted = affected.filter(do_not_contact=True).count()
    by_language, sent = _email_customers(initiative, recipients=recipients, languages=languages, texts=texts)
    customers = sum(by_language.values())
    staff = _tell_staff(initiative, what_changed=what_changed)
    if initiative.what_changed != what_changed:
        initiative.what_changed = what_changed  # "You said, we did" shows the words customers got
        initiative.save(update_fields=["what_changed", "updated_at"])
    others = {code: text for code, text in texts.items() if code != default_language()}
    events.initiative_loop_closed(
        initiative=initiative, actor=actor, subject=subject, what_changed=what_changed,
        customers=customers, emails_queued=sent, staff=staff, not_contacted=not_contacted,
        translations=others, by_language=by_language if others else None,
    )  # fmt: skip
    logger.info(
        "initiative %s: %s customers, %s emails queued, %s staff, %s not told (do not contact)",
        initiative.pk, customers, sent, staff, not_contacted,
    )  # fmt: skip
    return {"customers": customers, "emails_queued": sent, "staff": staff, "not_contacted": not_contacted}


def _email_customers(initiative: Initiative, *, recipients, languages: dict[int, str], texts: Texts):
    """Queue each recipient's email in their language: how many per language, and how many queued."""
    by_language: dict[str, int] = {}
    sent = 0
    for customer in recipients:
        language = languages.get(customer.pk, default_language())
        by_language[language] = by_language.get(language, 0) + 1
        message = close_loop_message(
            subject=texts[language][0], what_changed=texts[language][1], customer=customer, language=language
        )
        queued = email_queue(
            key=f"initiative:{initiative.pk}:customer:{customer.pk}",
            to=customer.email,
            subject=message.subject,
            body=message.body,
            customer_id=customer.pk,
        )
        # A customer flagged since the query above: recorded as suppressed, not counted as told.
        sent += queued is not None and queued.status != EmailMessage.Status.SUPPRESSED
    return by_language, sent


def _tell_staff(initiative: Initiative, *, what_changed: str) -> int:
    staff = 0
    for user in staff_to_tell(initiative):
        # Stored as written, so in the colleague's own language.
        with translation.override(language_of(user) or settings.LANGUAGE_CODE):
            title = gettext(STAFF_TITLE) % {"title": initiative.title}
            body = gettext(STAFF_BODY) % {"what_changed": what_changed}
        notify(
            user=user,
            key=f"initiative:{initiative.pk}:staff:{user.pk}",
            kind="initiative_rolled_out",
            title=title,
            body=body,
            url=f"/initiatives/{initiative.pk}/",
        )
        staff += 1
    return staff
