"""Escalation and email with real processes: two beats, a worker, a worker killed while sending."""

import os
import signal
import time

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from cxloop.celery import app as celery_app
from cxloop.notifications.models import EmailMessage
from cxloop.notifications.services import email_queue
from tests.fixtures.servers import wait_until

from .factories import CaseFactory, SlaPolicyFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def mail_env(processes, smtp_server) -> dict:
    return processes.env(settings.REDIS_URL, EMAIL_URL=smtp_server.url)


def recipients(smtp_server) -> list[str]:
    return sorted(address for message in smtp_server.messages for address in message["to"])


def test_overdue_case_escalates_once_per_level_with_two_beats(people, org, smtp_server, processes):
    # given: first contact was due ten hours ago, so both levels are owed
    for person in ("lead", "manager"):
        people[person].email = f"{person}@example.test"
        people[person].save()
    case = CaseFactory(
        team=org["team_a1"],
        sla_policy=SlaPolicyFactory(),
        due_at=timezone.now() - timezone.timedelta(hours=10),
    )
    call_command("setup_periodic_tasks", verbosity=0)
    env = mail_env(processes, smtp_server)
    processes.worker(env, "escalation")
    processes.beat(env)
    processes.beat(env)
    # when: beat fires at the next minute; then the job is sent twice more by hand for good measure
    wait_until(lambda: len(smtp_server.messages) >= 2, timeout=150, what="both escalation emails")
    for _ in range(2):
        celery_app.send_task("innerloop.escalate_overdue", queue=processes.queue)
    time.sleep(5)
    # then
    case.refresh_from_db()
    assert recipients(smtp_server) == ["lead@example.test", "manager@example.test"]
    assert case.escalation_level == 2
    assert case.events.filter(kind="escalated").count() == 2


def test_a_worker_killed_while_sending_sends_nothing_twice(db, smtp_server, processes):
    # given: the SMTP server will hold the first message until the test lets it go
    smtp_server.hold_first.set()
    env = mail_env(processes, smtp_server)
    worker = processes.start(
        ["celery", "-A", "cxloop", "worker", "-Q", processes.queue, "--pool", "solo",
         "-l", "warning", "-n", f"doomed-{os.getpid()}@%h"],
        env,
    )  # fmt: skip
    message = email_queue(
        key="test:kill:1", to="customer@example.test", subject="About your order", body="Hello"
    )
    celery_app.send_task("notifications.email_send", kwargs={"email_id": message.pk}, queue=processes.queue)
    # when: the worker is killed in the middle of the SMTP conversation
    assert smtp_server.first_arrived.wait(60), "the worker started sending"
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    smtp_server.release.set()
    # a new worker, a re-delivered task and the sweep all get their chance
    processes.worker(env, "survivor")
    celery_app.send_task("notifications.email_send", kwargs={"email_id": message.pk}, queue=processes.queue)
    celery_app.send_task("notifications.email_sweep", queue=processes.queue)
    time.sleep(8)
    # then: at most the one copy the server was receiving, never a second
    assert len(smtp_server.messages) <= 1
    assert EmailMessage.objects.get(pk=message.pk).status == EmailMessage.Status.SENDING
