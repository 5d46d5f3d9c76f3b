"""Notify people and send email exactly once per key."""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import BadHeaderError, EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop, ngettext

from cxloop.core.bulk import insert_absent
from cxloop.core.pii import mask_personal_data
from cxloop.org.language import language_of

from .models import EmailMessage, Notification, NotificationPreference
from .outbox import outbox_claim, outbox_queue

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# What a suppressed email keeps blank: its text (the address stays, to show who was not written to).
EMAIL_TEXT = {"body": "", "html_body": ""}


def email_queue(
    *,
    key: str,
    to: str,
    subject: str,
    body: str,
    customer_id: int | None = None,
    html_body: str = "",
    headers: dict[str, str] | None = None,
    reply_to: str = "",
    message_id: str = "",
) -> EmailMessage | None:
    """Record an email under `key` and send it after commit; None when the key was used before.

    An email to someone who may not be contacted (the address, or `customer_id` when the sender
    names the customer: cxloop.notifications.suppression) is recorded as suppressed and never sent;
    the caller sees it by the status of the message returned. `html_body` is sent as an HTML
    alternative, `headers` as extra headers (List-Unsubscribe...), `message_id` as the Message-ID.
    """
    from .tasks import email_send as email_send_task

    fields = {
        "key": key[:200], "to": to, "subject": subject[:300], "body": body, "customer_id": customer_id,
        "html_body": html_body, "headers": headers or {}, "reply_to": reply_to, "message_id": message_id,
    }  # fmt: skip
    return outbox_queue(
        EmailMessage,
        fields=fields,
        emptied=EMAIL_TEXT,
        task=email_send_task,
        task_kwarg="email_id",
        what="email",
    )


def email_send(*, email_id: int) -> bool:
    """Send one pending email; False when it is not pending (already sent, or being sent), or when its
    recipient may no longer be contacted (then it is kept as suppressed)."""
    message = outbox_claim(EmailMessage, email_id, emptied=EMAIL_TEXT, what="email")
    if message is None:
        return False
    outgoing = _email_build(message)
    try:
        outgoing.send()
    except BadHeaderError as error:  # a line break in a header: sending again cannot help
        EmailMessage.objects.filter(pk=email_id).update(
            status=EmailMessage.Status.FAILED, attempts=message.attempts + 1, error=str(error)[:1000]
        )
        logger.error("email %s not sent: %s", email_id, error)
        return False
    except OSError as error:  # smtplib errors are OSErrors: the provider is unreachable or refused
        attempts = message.attempts + 1
        status = EmailMessage.Status.FAILED if attempts >= MAX_ATTEMPTS else EmailMessage.Status.PENDING
        EmailMessage.objects.filter(pk=email_id).update(
            status=status, attempts=attempts, error=str(error)[:1000]
        )
        logger.warning("email %s not sent (attempt %s): %s", email_id, attempts, error)
        return False
    EmailMessage.objects.filter(pk=email_id).update(
        status=EmailMessage.Status.SENT,
        sent_at=timezone.now(),
        attempts=message.attempts + 1,
        error="",
        message_id=_provider_message_id(outgoing) or message.message_id,
    )
    return True


def _email_build(message: EmailMessage) -> EmailMultiAlternatives:
    """The email as sent: the text, its HTML alternative, the stored headers, Reply-To, Message-ID."""
    headers = {str(name): str(value) for name, value in (message.headers or {}).items()}
    if message.message_id:
        headers["Message-ID"] = message.message_id
    outgoing = EmailMultiAlternatives(
        message.subject,
        message.body,
        settings.DEFAULT_FROM_EMAIL,
        [message.to],
        headers=headers,
        reply_to=[message.reply_to] if message.reply_to else None,
    )
    if message.html_body:
        outgoing.attach_alternative(message.html_body, "text/html")
    return outgoing


def _provider_message_id(outgoing: EmailMultiAlternatives) -> str:
    """The id a provider's API gave the message (django-anymail backends), which its delivery and
    bounce events then carry instead of our Message-ID; blank over SMTP, where ours travels."""
    status = getattr(outgoing, "anymail_status", None)
    provider_id = getattr(status, "message_id", None)
    # One recipient, one id (a set when recipients got different ones; ours have one recipient).
    return str(provider_id)[:254] if isinstance(provider_id, str | int) else ""


# A message still "sending" after this long was interrupted (a send takes seconds): it may or may
# not have reached the recipient, which only a person can judge.
SENDING_STALE_AFTER = timedelta(minutes=15)


def interrupted_while_sending() -> Q:
    """Emails a killed worker left "sending" for longer than SENDING_STALE_AFTER."""
    return Q(status=EmailMessage.Status.SENDING, sending_since__lt=timezone.now() - SENDING_STALE_AFTER)


def email_resend(*, email_ids: list[int]) -> int:
    """Queue again emails a person has checked: failed ones, and ones left "sending" by a killed
    worker for longer than SENDING_STALE_AFTER. Sent and pending ones are left alone. Returns how
    many were queued."""
    from cxloop.core.tasks_util import enqueue_on_commit

    from .tasks import email_send as email_send_task

    with transaction.atomic():
        resend = list(
            EmailMessage.objects.select_for_update()
            .filter(pk__in=email_ids)
            .filter(Q(status=EmailMessage.Status.FAILED) | interrupted_while_sending())
            .values_list("pk", flat=True)
        )
        EmailMessage.objects.filter(pk__in=resend).update(status=EmailMessage.Status.PENDING, error="")
        for email_id in resend:
            enqueue_on_commit(email_send_task, email_id=email_id)
    for email_id in resend:
        logger.info("email %s queued again by a person", email_id)
    return len(resend)


def emails_stuck_count() -> int:
    """Emails left "sending" by an interrupted worker: the outbox shows them for a person to check."""
    return EmailMessage.objects.filter(interrupted_while_sending()).count()


def emails_sweep() -> int:
    """Send pending emails whose task was lost, and say when some were interrupted while sending."""
    sent = sum(email_send(email_id=email_id) for email_id in emails_pending_ids())
    stuck = emails_stuck_count()
    if stuck:
        logger.warning("%d email(s) interrupted while sending: check them in the admin's outbox", stuck)
    return sent


# An email waits for its task in the alerts queue for seconds; still pending after this long, its task
# was lost (Redis down, a worker killed). Shorter, the sweep would send what is only queued.
EMAIL_LOST_AFTER = timedelta(minutes=10)


def emails_pending_ids(*, older_than: timedelta = EMAIL_LOST_AFTER, limit: int = 500) -> list[int]:
    """Pending emails whose send task was lost or failed: the sweep sends them."""
    cutoff = timezone.now() - older_than
    return list(
        EmailMessage.objects.filter(status=EmailMessage.Status.PENDING, created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


@transaction.atomic
def notify(*, user, key: str, kind: str, title: str, body: str = "", url: str = "", email: bool = True):
    """Tell `user` once about `key`: in the app, and by email unless they chose the daily digest.

    The title and body are kept, and emailed, with personal data masked: a notification is a copy
    that travels (inboxes, digests), and the page it links to shows what the reader may see.
    """
    title, body = mask_personal_data(title), mask_personal_data(body)
    notification, _ = Notification.objects.get_or_create(
        key=key[:200], defaults={"user": user, "kind": kind, "title": title[:200], "body": body, "url": url}
    )
    notification = Notification.objects.select_for_update().get(pk=notification.pk)
    if notification.emailed or not email or not user.email:
        return notification
    preference = NotificationPreference.objects.filter(user=user).first()
    if preference is not None and preference.daily_digest:
        return notification
    link = f"\n\n{settings.CXLOOP_BASE_URL}{url}" if url else ""
    email_queue(key=f"notification:{notification.key}", to=user.email, subject=title, body=f"{body}{link}")
    notification.emailed = True
    notification.save(update_fields=["emailed"])
    return notification


def notifications_create(*, notifications: list[dict]) -> int:
    """Many in-app notifications in one statement, masked like `notify`'s, each once by its key, and
    none emailed here: alert summaries email those (alert_summaries_send). Returns how many are new.

    Each dict holds user_id, key, kind, title, body and url.
    """
    now = timezone.now()
    rows = [
        {
            **notification,
            "key": notification["key"][:200],
            "title": mask_personal_data(notification["title"])[:200],
            "body": mask_personal_data(notification.get("body", "")),
            "created_at": now,
        }
        for notification in notifications
    ]
    return len(insert_absent(Notification, rows=rows, conflict=("key",), returning=("id",)))


# Alerts that are emailed as a summary rather than one by one (a burst of new cases, or of overdue
# ones after an outage, is one email), each kind under its heading.
SUMMARISED_KINDS = {
    "case_opened": gettext_noop("New cases your team should pick up"),
    "case_escalated": gettext_noop("Overdue cases"),
}
# At most one summary per person in this long; none while they are in the app to see the bell.
ALERT_SUMMARY_EVERY = timedelta(minutes=5)


def alert_summaries_send(*, now=None) -> int:
    """One email per person with alerts they have neither read nor been emailed, at most every
    ALERT_SUMMARY_EVERY (the key names the window, so a rerun sends nothing twice), and only to people
    not seen in the app within that time. Returns how many were queued."""
    from cxloop.org.presence import seen_since

    now = now or timezone.now()
    waiting = Notification.objects.filter(
        kind__in=list(SUMMARISED_KINDS), read_at__isnull=True, emailed=False
    )
    user_ids = set(waiting.values_list("user_id", flat=True).distinct())
    in_the_app = seen_since(user_ids=user_ids, since=now - ALERT_SUMMARY_EVERY)
    digest_readers = set(
        NotificationPreference.objects.filter(user_id__in=user_ids, daily_digest=True).values_list(
            "user_id", flat=True
        )
    )
    window = int(now.timestamp() // ALERT_SUMMARY_EVERY.total_seconds())
    sent = 0
    for user in (
        get_user_model().objects.filter(pk__in=user_ids - in_the_app - digest_readers).exclude(email="")
    ):
        with transaction.atomic():
            items = list(
                waiting.select_for_update(skip_locked=True).filter(user=user).order_by("created_at")[:50]
            )
            if not items:
                continue
            # Written in the person's own language.
            with translation.override(language_of(user) or settings.LANGUAGE_CODE):
                subject, body = _alert_summary(items)
            queued = email_queue(key=f"alerts:{user.pk}:{window}", to=user.email, subject=subject, body=body)
            if queued is not None:
                Notification.objects.filter(pk__in=[n.pk for n in items]).update(emailed=True)
                sent += 1
    return sent


def _alert_summary(items: list[Notification]) -> tuple[str, str]:
    """The subject and body of one person's summary: the alerts under a heading per kind."""
    sections, counts = [], []
    for kind, heading in SUMMARISED_KINDS.items():
        of_kind = [n for n in items if n.kind == kind]
        if not of_kind:
            continue
        lines = "\n".join(f"- {n.title} ({settings.CXLOOP_BASE_URL}{n.url})" for n in of_kind)
        sections.append(f"{gettext(heading)}:\n\n{lines}\n")
        if kind == "case_opened":
            count = ngettext("%(count)d new case", "%(count)d new cases", len(of_kind))
        else:
            count = ngettext("%(count)d overdue case", "%(count)d overdue cases", len(of_kind))
        counts.append(count % {"count": len(of_kind)})
    subject = gettext("cxloop: %(counts)s for your team") % {"counts": ", ".join(counts)}
    return subject, "\n".join(sections)


def notification_mark_read(*, user, notification_ids: list[int] | None = None) -> int:
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    return unread.update(read_at=timezone.now())


def digests_send(*, day=None) -> int:
    """One email per digest reader with what they have not read nor been emailed; once a day each."""
    day = day or timezone.localdate()
    sent = 0
    readers = NotificationPreference.objects.filter(daily_digest=True).select_related("user")
    for preference in readers:
        user = preference.user
        with transaction.atomic():
            items = list(
                Notification.objects.select_for_update()
                .filter(user=user, read_at__isnull=True, emailed=False)
                .order_by("created_at")[:100]
            )
            if not items or not user.email:
                continue
            lines = "\n".join(
                f"- {n.title}{f' ({settings.CXLOOP_BASE_URL}{n.url})' if n.url else ''}" for n in items
            )
            with translation.override(language_of(user) or settings.LANGUAGE_CODE):
                subject = ngettext(
                    "cxloop: %(count)d thing for you", "cxloop: %(count)d things for you", len(items)
                ) % {"count": len(items)}
                body = gettext("What happened since your last digest:") + f"\n\n{lines}\n"
            queued = email_queue(
                key=f"digest:{user.pk}:{day.isoformat()}", to=user.email, subject=subject, body=body
            )
            Notification.objects.filter(pk__in=[n.pk for n in items]).update(emailed=True)
            sent += queued is not None
    return sent
