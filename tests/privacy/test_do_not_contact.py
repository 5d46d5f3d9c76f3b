"""Acceptance (#15, do not contact): a customer marked do not contact receives nothing through any path
that writes to customers, with a real SMTP server on loopback, while a control customer in the same
run receives every one of those messages.

The paths walked: a case message from a template on the case page and through the API, a future
sender queueing straight to the customer's address, close-the-loop at an initiative's roll-out, and
messages queued (a case message and a close-the-loop email) before the customer was marked, which
the sender stops at the last step. The test plays the Celery worker: what the code hands to the
broker after commit is kept in order and run in-process by the real task functions, so the test can
flag a customer between the queueing and the sending.
"""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cxloop.notifications.models import EmailMessage
from cxloop.notifications.services import email_queue
from outerloop.models import InitiativeEvent, Stage
from outerloop.services.close_loop import initiative_tell_customers
from outerloop.services.initiatives import initiative_transition
from tests.factories import CategoryFactory, CustomerFactory, FeedbackFactory
from tests.innerloop.factories import CaseFactory, MessageTemplateFactory
from tests.outerloop.factories import InitiativeFactory, SignalFactory

pytestmark = pytest.mark.django_db(transaction=True)

NOT_SENT = "Not sent: the customer asked not to be contacted."


class Worker:
    """Stands in for the broker and the worker: tasks handed over after commit wait here, in order."""

    def __init__(self) -> None:
        self.queue: list[tuple] = []

    def enqueue(self, task, **kwargs) -> bool:
        self.queue.append((task, kwargs))
        return True

    def run(self, *, only: str | None = None) -> int:
        """Run the waiting tasks (those named `only`, when given), and what they hand over in turn."""
        ran = 0
        while True:
            waiting = [item for item in self.queue if only is None or item[0].name == only]
            if not waiting:
                return ran
            task, kwargs = waiting[0]
            self.queue.remove(waiting[0])
            task(**kwargs)
            ran += 1


@pytest.fixture
def worker(monkeypatch):
    worker = Worker()
    monkeypatch.setattr("cxloop.core.tasks_util.enqueue", worker.enqueue)
    return worker


@pytest.fixture
def smtp(settings, smtp_server):
    url = urlsplit(smtp_server.url)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = url.hostname, url.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    return smtp_server


@pytest.fixture
def scene(people, org):
    """Three customers with an open case each, all affected by an initiative about to roll out:
    the control, one already marked do not contact, and one who will be marked later."""
    now = timezone.now()
    category = CategoryFactory(slug="late-delivery")
    signal = SignalFactory(category=category, window_start=now - timedelta(days=28), window_end=now)
    initiative = InitiativeFactory(
        stage=Stage.CUSTOMER_TEST, owner=people["manager"], signals=[signal], title="Courier slots",
        what_changed="Two-hour delivery slots",
    )  # fmt: skip
    MessageTemplateFactory()
    customers, cases = {}, {}
    for name in ("control", "flagged", "late"):
        customer = CustomerFactory(name=name.title(), email=f"{name}@example.test")
        feedback = FeedbackFactory(customer=customer, score=2, occurred_at=now - timedelta(days=3))
        customers[name] = customer
        cases[name] = CaseFactory(feedback=feedback, team=org["team_a1"], root_cause=category)
    return {"initiative": initiative, "customers": customers, "cases": cases}


def _received(smtp) -> dict[str, int]:
    counts: dict[str, int] = {}
    for message in smtp.messages:
        for address in message["to"]:
            counts[address] = counts.get(address, 0) + 1
    return counts


def _message_on_page(client, case):
    case.refresh_from_db()
    return client.post(
        f"/cases/{case.pk}/message/",
        # The text the agent read and sends (#16: the page never sends a template's text unseen).
        {"version": case.version, "template": "sorry", "subject": "About your feedback", "body": "Hello"},
    )


def test_a_customer_marked_do_not_contact_receives_nothing_on_any_path(scene, people, smtp, worker, client):
    cases, customers = scene["cases"], scene["customers"]
    agent = people["agent"]
    client.force_login(agent)
    api = APIClient()
    api.force_authenticate(agent)

    # given: the agent marks one customer do not contact on their case page (a confirmed POST)
    marked = client.post(f"/cases/{cases['flagged'].pk}/do-not-contact/", {"confirm": "on"})
    assert marked.status_code == 302

    # when: each path that writes to customers is used for the control and the flagged customer
    # - a template message from the case page: refused for the flagged one, with the reason
    assert _message_on_page(client, cases["control"]).status_code == 302
    refused = _message_on_page(client, cases["flagged"])
    assert refused.status_code == 400
    assert NOT_SENT in refused.content.decode()
    # - the same through the API: a 409 naming the reason
    assert api.post(f"/api/v1/cases/{cases['control'].pk}/message/", {"template": "sorry"}).status_code == 200
    answer = api.post(f"/api/v1/cases/{cases['flagged'].pk}/message/", {"template": "sorry"})
    assert answer.status_code == 409
    assert answer.json()["detail"] == NOT_SENT
    # - any later sender queueing straight to an address, naming no customer (the address's case differs)
    email_queue(key="future:control", to="control@example.test", subject="Survey", body="How did we do?")
    future = email_queue(
        key="future:flagged", to="FLAGGED@example.test", subject="Survey", body="How did we do?"
    )
    assert future is not None
    assert future.status == EmailMessage.Status.SUPPRESSED
    # - a message queued to the third customer before they ask not to be contacted
    assert _message_on_page(client, cases["late"]).status_code == 302
    # - close the loop: the owner rolls the initiative out, then tells the customers
    initiative_transition(initiative=scene["initiative"], to_stage=Stage.ROLLED_OUT, actor=people["manager"])
    told = initiative_tell_customers(
        initiative=scene["initiative"], actor=people["manager"], subject="We changed it",
        what_changed="Parcels come on time.",
    )  # fmt: skip
    assert told["emails_queued"] == 2
    # - the third customer now asks not to be contacted, while their two emails wait to be sent
    assert client.post(f"/cases/{cases['late'].pk}/do-not-contact/", {"confirm": "on"}).status_code == 302
    worker.run()

    # then: the control received each message; the two customers who asked received nothing
    assert _received(smtp) == {"control@example.test": 4}
    # what was stopped is kept, not dropped: suppressed, with the reason and without the body
    stopped = EmailMessage.objects.filter(status=EmailMessage.Status.SUPPRESSED)
    assert sorted((email.to, email.customer_id, email.error, email.body) for email in stopped) == [
        ("FLAGGED@example.test", None, "the customer asked not to be contacted", ""),
        ("late@example.test", customers["late"].pk, "the customer asked not to be contacted", ""),
        ("late@example.test", customers["late"].pk, "the customer asked not to be contacted", ""),
    ]
    # close the loop says who was not told and why
    closed = scene["initiative"].events.get(kind=InitiativeEvent.Kind.LOOP_CLOSED)
    assert closed.data["not_contacted"] == 1
    # and the late customer's case timeline shows their queued message was not sent
    page = client.get(f"/cases/{cases['late'].pk}/").content.decode()
    assert NOT_SENT in page
    assert "Do not contact" in page
