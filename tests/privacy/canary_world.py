"""A customer whose unique string (the canary) is planted everywhere their data can land, through
the real ingestion paths and services: the API, a webhook delivery and a dead letter, an import file
with its error report, the quick-feedback form, a case's message, note, contact and resolution, an
email sent to them, alerts and their email copy, a huddle summary and its email, the admin's history
(of the customer and of an email to them) and the audit of a change to their details. Staff write the
customer's identifiers down too: a signal's dismissal, a person's deactivation, a failed log-in with
their email as username (which must never reach the append-only audit log), committee records (meeting
notes and frozen agenda, a decision's rationale, an action item, a system review) and an initiative's
milestone. A second customer, with nothing of the canary, is the control: their comment must survive
the erasure.
"""

import json
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import authenticate
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.utils import timezone
from rest_framework.test import APIClient

from cxloop.notifications.models import EmailMessage
from cxloop.notifications.services import email_send, notify
from cxloop.org.services import person_deactivate
from feedback.intake.imports import services as imports
from feedback.intake.imports.mapping import Mapping
from feedback.intake.imports.tasks import import_job_read
from feedback.models import Category, Customer, Feedback, Source
from governance.models import ActionItem, Decision, SystemReview
from innerloop.huddles.services import huddle_prepare, huddle_record, obstacle_create
from innerloop.models import Case, Huddle
from innerloop.services import cases as case_services
from innerloop.services.alerts import alerts_for_new_cases
from outerloop.models import Milestone
from outerloop.services.close_loop import initiative_tell_customers
from outerloop.services.initiatives import initiative_comment_add
from outerloop.services.signals import signal_dismiss
from tests.factories import SourceFactory, UserFactory
from tests.feedback.webhook_helpers import STANDARD_SECRET, body_of, standard_headers
from tests.governance.factories import MeetingFactory
from tests.innerloop.factories import CaseFactory, CaseKindFactory, MessageTemplateFactory
from tests.outerloop.factories import InitiativeFactory, SignalFactory

WEBHOOK_MAPPING = {
    "adapter": "standard",
    "fields": {
        "external_id": "$.data.response_id",
        "score": "$.data.answers.nps",
        "comment": "$.data.text",
        "occurred_at": "$.timestamp",
        "customer.email": "$.data.email",
    },
    "defaults": {"scale": "nps"},
}


def _letters() -> str:
    # Letters only: full-text search keeps a word of letters whole (a run of digits it may drop
    # as a possible phone or card number), so the canary reaches the search vector too.
    return "".join(chr(ord("g") + int(digit, 16)) for digit in uuid.uuid4().hex)


@dataclass
class Canary:
    token: str = field(default_factory=_letters)

    @property
    def needle(self) -> str:
        """What the scan looks for: the token's start, which stemming (of its end) leaves alone."""
        return self.token[:24]

    @property
    def text(self) -> str:
        return f"Canary{self.token}"

    @property
    def email(self) -> str:
        return f"canary{self.token}@example.test"

    @property
    def external_id(self) -> str:
        return f"CUST-{self.token}"

    @property
    def phone(self) -> str:
        return "+44 7700 918273"

    def comment(self, where: str) -> str:
        return f"Through {where}: {self.text} says the courier lost the parcel and nobody called back."


@dataclass
class Planted:
    canary: Canary
    customer: Customer
    control: Customer
    days: list = field(default_factory=list)
    api_items: list = field(default_factory=list)


def _api(people, canary: Canary, now) -> list[dict]:
    api = APIClient()
    api.force_authenticate(people["admin"])
    items = [
        {
            "source": "canary-survey", "external_id": "api-1", "scale": "nps", "score": 2,
            "comment": canary.comment("the API"), "occurred_at": (now - timedelta(days=2)).isoformat(),
            "customer": {"external_id": canary.external_id, "name": f"{canary.text} Person",
                         "email": canary.email, "segment": "retail", "annual_value": "2500"},
            "team": "team-a1", "metadata": {"order": canary.text},
        },
        {
            "source": "canary-survey", "external_id": "api-control", "scale": "nps", "score": 9,
            "comment": "The control customer loved it.", "occurred_at": (now - timedelta(days=2)).isoformat(),
            "customer": {"external_id": "control-1", "name": "Control Person",
                         "email": "control@example.test", "segment": "retail"},
            "team": "team-a1",
        },
    ]  # fmt: skip
    response = api.post("/api/v1/feedback/", data=json.dumps(items), content_type="application/json")
    assert response.status_code == 201, response.content
    # A later delivery changes their phone: the change is audited (field names only).
    change = {**items[0], "external_id": "api-2", "score": 8, "comment": canary.comment("a second API call")}
    change["customer"] = {**items[0]["customer"], "phone": canary.phone}
    response = api.post("/api/v1/feedback/", data=json.dumps(change), content_type="application/json")
    assert response.status_code == 201, response.content
    return items


def _webhooks(canary: Canary, now) -> None:
    client = Client()

    def deliver(payload, msg_id):
        body = body_of(payload)
        headers = standard_headers(body, STANDARD_SECRET, msg_id=msg_id)
        return client.post("/hooks/canary-hook/", data=body, content_type="application/json", headers=headers)

    stored = {
        "type": "survey.response.completed", "timestamp": (now - timedelta(days=1)).isoformat(),
        "data": {"response_id": "hook-1", "answers": {"nps": 3}, "text": canary.comment("a webhook"),
                 "email": canary.email},
    }  # fmt: skip
    assert deliver(stored, "msg_1").status_code in (200, 201, 202)
    # Out of range: refused, and kept as a dead letter with the raw body.
    refused = {**stored, "data": {**stored["data"], "response_id": "hook-2", "answers": {"nps": 11}}}
    assert deliver(refused, "msg_2").status_code in (400, 422)


def _import(people, canary: Canary, source: Source) -> None:
    content = (
        "id,score,comment,customer,email\r\n"
        f'imp-1,1,"{canary.comment("an import")}",{canary.external_id},{canary.email}\r\n'
        f'imp-2,12,"{canary.comment("a refused import row")}",{canary.external_id},{canary.email}\r\n'
        "imp-3,10,Someone else entirely.,control-1,control@example.test\r\n"
    ).encode()
    upload = SimpleUploadedFile("monthly-export.csv", content, content_type="text/csv")
    job = imports.import_job_create(uploaded_file=upload, source=source, user=people["admin"])
    import_job_read(job_id=job.pk)
    job.refresh_from_db()
    columns = {"external_id": 0, "score": 1, "comment": 2, "customer.external_id": 3, "customer.email": 4}
    imports.import_job_map(job=job, mapping=Mapping(columns=columns, scale="nps", team="team-a1"))
    job = imports.import_job_start(job=job)
    while job.status == job.Status.RUNNING:
        imports.import_job_run_chunks(
            job_id=job.pk, offset=job.next_row_offset, chunk_size=500, time_budget=0
        )
        job.refresh_from_db()
    assert (job.created_count, job.error_count) == (2, 1), job.failure_reason


def _form(people, canary: Canary) -> None:
    client = Client()
    client.force_login(people["agent"])
    response = client.post(
        "/feedback/new/",
        {
            "submission_id": str(uuid.uuid4()), "source": "canary-store",
            "comment": canary.comment("the form"), "scale": "nps", "score": "4",
            "customer_name": f"{canary.text} Person", "customer_email": canary.email,
            "customer_external_id": canary.external_id,
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]


def _case(people, team, canary: Canary, feedback: Feedback) -> Case:
    agent = people["agent"]
    case = CaseFactory(
        feedback=feedback, customer=feedback.customer, team=team, kind=CaseKindFactory(), priority="high"
    )
    alerts_for_new_cases(case_ids=[case.pk])
    lead = people["lead"]
    notify(user=lead, key=f"case:{case.pk}:opened:{lead.pk}", kind="case_opened", title="New case",
           body=feedback.comment, url=f"/cases/{case.pk}/")  # fmt: skip
    case_services.case_log_contact(
        case=case, actor=agent, channel="phone", outcome="reached",
        promised=f"{canary.text} promised a refund", next_step=f"{canary.text} call back on Friday",
    )  # fmt: skip
    template = MessageTemplateFactory()
    case_services.case_message_customer(
        case=case, actor=agent, template=template, body=f"Dear {canary.text} Person, we are sorry."
    )
    case_services.case_add_note(case=case, actor=agent, text=f"{canary.text} was upset on the phone")
    category = Category.objects.create(slug="lost-parcel", name="Lost parcel")
    case = case_services.case_resolve(
        case=Case.objects.get(pk=case.pk), actor=agent, root_cause=category,
        resolution_note=f"Refunded {canary.text}",
    )  # fmt: skip
    case_services.case_close(case=case, actor=agent)
    # Close the loop: the rolled-out initiative on that root cause writes to the customer by name.
    initiative = InitiativeFactory(rolled_out_at=timezone.now(), what_changed="Parcels are tracked now.")
    initiative.signals.add(SignalFactory(category=category, window_start=None, window_end=None))
    told = initiative_tell_customers(
        initiative=initiative,
        actor=people["committee"],
        subject="We changed it",
        what_changed="Parcels are tracked now.",
    )
    assert told["emails_queued"] == 1
    initiative_comment_add(initiative=initiative, author=agent, text=f"See {canary.email}'s complaint.")
    for message in EmailMessage.objects.filter(status=EmailMessage.Status.PENDING):
        email_send(email_id=message.pk)
    return case


def _huddle(people, team, canary: Canary, now) -> None:
    huddle = Huddle.objects.create(
        team=team, scheduled_at=now + timedelta(hours=1), period_start=now - timedelta(days=6), period_end=now
    )
    assert huddle_prepare(huddle_id=huddle.pk, now=now, force=True)
    # Staff write a customer's details down too: the meeting notes and an obstacle name them.
    lead = people["lead"]
    huddle_record(huddle=huddle, actor=lead, attendees=[lead], notes=f"Called {canary.email} back, twice.")
    obstacle_create(huddle=huddle, actor=lead, text=f"Courier lost parcels again ({canary.external_id}).")


def _staff_text(people, canary: Canary) -> None:
    """Staff free text that once reached audit rows: a dismissal's and a deactivation's reason, and
    the customer's email typed as a username on the sign-in page."""
    signal_dismiss(
        signal=SignalFactory(), actor=people["committee"], reason=f"Only {canary.email}, seasonal peak."
    )
    leaver = UserFactory(username="leaver")
    person_deactivate(person=leaver, actor=people["admin"], reason=f"Shared {canary.external_id}'s data.")
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="198.51.100.20")
    assert authenticate(request, username=canary.email, password="not-a-password-1") is None


def _committee(people, canary: Canary) -> None:
    """Committee records and a milestone naming the customer, and a meeting's frozen agenda."""
    initiative = InitiativeFactory(title=f"Refund {canary.external_id} and others like them")
    Milestone.objects.create(initiative=initiative, title=f"Call {canary.email}", due_on=timezone.localdate())
    meeting = MeetingFactory(
        held_at=timezone.now(),
        notes=f"{canary.email} wrote to the chief executive.",
        agenda_snapshot={"initiatives": [{"id": initiative.pk, "title": initiative.title}]},
    )
    Decision.objects.create(
        meeting=meeting, initiative=initiative, rationale=f"As {canary.external_id} showed, it recurs."
    )
    ActionItem.objects.create(
        meeting=meeting, title=f"Ring {canary.email}", owner=people["lead"], due_on=timezone.localdate()
    )
    SystemReview.objects.create(held_on=timezone.localdate(), summary=f"Cases like {canary.external_id}.")


def _admin_history(people, customer: Customer) -> None:
    """The admin's history names each object by its str(): the customer's name, an email's address."""
    admin = people["admin"].pk
    LogEntry.objects.log_actions(
        user_id=admin, queryset=[customer], action_flag=CHANGE, change_message="Changed phone."
    )
    email = EmailMessage.objects.filter(to__iexact=customer.email).first()
    assert email is not None
    LogEntry.objects.log_actions(
        user_id=admin, queryset=[email], action_flag=CHANGE, change_message="Changed status."
    )


def plant(people, org) -> Planted:
    """Plant the canary everywhere; returns the customer, the control and the days touched."""
    canary = Canary()
    now = timezone.now()
    for user in (people["agent"], people["lead"]):
        user.email = f"{user.username}@staff.example.test"
        user.save(update_fields=["email"])
    SourceFactory(slug="canary-survey", name="Canary survey", kind=Source.Kind.SURVEY)
    store = SourceFactory(slug="canary-store", name="Canary store", kind=Source.Kind.STORE)
    SourceFactory(
        slug="canary-hook", name="Canary hook", signing_secret=STANDARD_SECRET, field_mapping=WEBHOOK_MAPPING
    )
    api_items = _api(people, canary, now)
    _webhooks(canary, now)
    _import(people, canary, store)
    _form(people, canary)
    customer = Customer.objects.get(external_id=canary.external_id)
    _case(people, org["team_a1"], canary, customer.feedback.get(external_id="api-1"))
    _huddle(people, org["team_a1"], canary, now)
    _staff_text(people, canary)
    _committee(people, canary)
    _admin_history(people, customer)
    control = Customer.objects.get(external_id="control-1")
    planted = Planted(canary=canary, customer=customer, control=control, api_items=api_items)
    planted.days = sorted({f.occurred_at.date() for f in Feedback.objects.all()})
    return planted
