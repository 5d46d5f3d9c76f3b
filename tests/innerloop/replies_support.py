"""Shared set-up for the reply tests (tests/innerloop/test_replies*.py, test_reply_attachments.py):
replies switched on with a reply domain, a case waiting on its customer, and the two ways a reply
arrives: a Postmark inbound webhook payload and a raw MIME message."""

import base64
from email.message import EmailMessage
from email.utils import make_msgid

from django.contrib.auth.models import Permission
from freezegun import freeze_time

from cxloop.notifications.models import Notification
from innerloop.models import Case, CaseAttachment, CaseEvent, CaseReply, CaseStatus, RefusedAttachment
from innerloop.replies.addresses import reply_address_for
from innerloop.services import cases as case_services
from tests.factories import CustomerFactory, FeedbackFactory

from .factories import CaseFactory, SlaPolicyFactory

DOMAIN = "replies.example.test"
WEBHOOK_SECRET = "postmark:s3cret-hook"
CUSTOMER_EMAIL = "ana.silva@example.test"
QUOTED = "> Hello Ana, we are sorry about the late delivery."
NEW_TEXT = "Thank you, it arrived today, but the box was damaged."
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
# The first bytes of a Windows executable: never kept, whatever it claims to be.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def replies_switched_on(settings, tmp_path):
    """Replies on, for the `replies_on` fixture of each test module (pytest-django's `settings`)."""
    settings.CXLOOP_REPLY_DOMAIN = DOMAIN
    settings.CXLOOP_REPLY_PREFIX = "reply"
    settings.CXLOOP_REPLY_TO_CLOSED = "reopen"
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": WEBHOOK_SECRET}
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return settings


def may_see_personal_data(user) -> None:
    user.user_permissions.add(Permission.objects.get(codename="view_personal_data"))


def case_waiting(org, people, *, waiting_since: str = "2026-11-02 09:00:00+00:00") -> Case:
    """A case of team A1, the agent's, with a round-the-clock SLA, put to wait on its customer."""
    customer = CustomerFactory(name="Ana Silva", email=CUSTOMER_EMAIL)
    with freeze_time(waiting_since):
        case = CaseFactory(
            team=org["team_a1"],
            assignee=people["agent"],
            sla_policy=SlaPolicyFactory(),
            feedback=FeedbackFactory(team=org["team_a1"], customer=customer, score=2),
        )
        case_services.case_transition(
            case=case, to_status=CaseStatus.WAITING_ON_CUSTOMER, actor=people["agent"]
        )
    case.refresh_from_db()
    return case


def case_closed(org, people, root_cause) -> Case:
    case = CaseFactory(
        team=org["team_a1"],
        assignee=people["agent"],
        sla_policy=SlaPolicyFactory(),
        feedback=FeedbackFactory(
            team=org["team_a1"], customer=CustomerFactory(email=CUSTOMER_EMAIL), score=2
        ),
    )
    case_services.case_resolve(
        case=case, actor=people["agent"], root_cause=root_cause, resolution_note="Refunded."
    )
    case_services.case_close(case=case, actor=people["agent"])
    case.refresh_from_db()
    return case


def reply_body() -> str:
    return f"{NEW_TEXT}\n\nOn Mon, 2 Nov 2026 at 09:00, Team A1 <{{address}}> wrote:\n{QUOTED}\n"


def postmark_payload(
    *,
    to: str,
    message_id: str | None = None,
    sender: str = CUSTOMER_EMAIL,
    attachments: list | None = None,
    headers: dict[str, str] | None = None,
    subject: str = "Re: About your feedback",
    return_path: str | None = None,
) -> dict:
    """Postmark's inbound webhook JSON (https://postmarkapp.com/developer/webhooks/inbound-webhook);
    `headers` are the message's further headers, `return_path` the envelope sender ("<>": null)."""
    message_id = message_id or make_msgid(domain="mail.example.test")
    return_path = f"<{sender}>" if return_path is None else return_path
    return {
        "FromName": "Ana Silva",
        "From": sender,
        "FromFull": {"Email": sender, "Name": "Ana Silva", "MailboxHash": ""},
        "To": to,
        "ToFull": [{"Email": to, "Name": "", "MailboxHash": ""}],
        "CcFull": [],
        "BccFull": [],
        "OriginalRecipient": to,
        "Subject": subject,
        "MessageID": "22c74902-a0c1-4511-804f-341342852c90",
        "Date": "Mon, 2 Nov 2026 15:00:00 +0000",
        "TextBody": reply_body().replace("{address}", to),
        "HtmlBody": "",
        "Headers": [
            {"Name": "Return-Path", "Value": return_path},
            {"Name": "Message-ID", "Value": message_id},
            *({"Name": name, "Value": value} for name, value in (headers or {}).items()),
        ],
        "Attachments": [
            {
                "Name": name,
                "Content": base64.b64encode(content).decode(),
                "ContentType": content_type,
                "ContentLength": len(content),
            }
            for name, content, content_type in (attachments or [])
        ],
    }


def basic_auth(secret: str = WEBHOOK_SECRET) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


def post_postmark(client, payload: dict, **headers):
    return client.post(
        "/hooks/replies/postmark/", data=payload, content_type="application/json", **(headers or basic_auth())
    )


def raw_reply(
    *,
    to: str,
    message_id: str | None = None,
    attachments: list | None = None,
    headers: dict[str, str] | None = None,
    subject: str = "Re: About your feedback",
) -> bytes:
    """A reply as a mail client sends it: the new text above the quoted history (`headers`: more)."""
    message = EmailMessage()
    message["From"] = f"Ana Silva <{CUSTOMER_EMAIL}>"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain="mail.example.test")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(reply_body().replace("{address}", to))
    for name, content, content_type in attachments or []:
        maintype, subtype = content_type.split("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def stored_counts() -> dict:
    """Everything a reply could leave behind."""
    return {
        "replies": CaseReply.objects.count(),
        "attachments": CaseAttachment.objects.count(),
        "refused": RefusedAttachment.objects.count(),
        "events": CaseEvent.objects.count(),
        "notifications": Notification.objects.count(),
        "cases": Case.objects.count(),
    }


def forged_address(case: Case) -> str:
    """The case's own address with its signature altered: what a guesser would have to try."""
    real = reply_address_for(case)
    local, domain = real.split("@")
    signature = local.rsplit(".", 1)[1]
    altered = ("b" if signature[0] != "b" else "c") + signature[1:]
    return f"{local.rsplit('.', 1)[0]}.{altered}@{domain}"


def delivery_report(*, to: str) -> bytes:
    """A mail server's bounce (RFC 3464): multipart/report from MAILER-DAEMON, sent from <>."""
    message_id = make_msgid(domain="mx.example.test")
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.test>\r\n"
        f"To: {to}\r\nSubject: Undelivered Mail Returned to Sender\r\nMessage-ID: {message_id}\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n'
        "\r\n--b1\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "\r\n--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.test\r\n\r\nFinal-Recipient: rfc822; someone@example.test\r\n"
        "Action: failed\r\nStatus: 5.1.1\r\n\r\n--b1--\r\n"
    ).encode()
