"""The erasure canary (#15 acceptance): a customer's unique string planted everywhere their data can
land; after erasure a scan of every text column of every table finds it nowhere, the NPS figures of
the days touched are unchanged, and the erasure is audited without the erased data."""

import json

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from cxloop.core.models import AuditEvent
from cxloop.notifications.models import EmailMessage
from feedback.metrics.selectors import metric_report
from feedback.models import Customer, Feedback, FeedbackDailyRollup, FeedbackPeriodRollup, ImportJob
from feedback.privacy import registry
from feedback.privacy.erasure import customer_erase, customer_erase_preview

from .canary_world import plant
from .scan import where_found

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def planted(people, org):
    return plant(people, org)


def _needles(planted) -> list[str]:
    return [planted.canary.needle, "7700918273"]


def _figures(admin, days) -> list:
    report = metric_report(
        user=admin, metric="nps", date_from=days[0], date_to=days[-1], group_by=("segment",)
    )
    raw = metric_report(
        user=admin,
        metric="nps",
        date_from=days[0],
        date_to=days[-1],
        group_by=("segment",),
        from_rollup=False,
    )
    rollups = [
        sorted(model.objects.values_list(*[f.name for f in model._meta.fields if f.name != "id"]))
        for model in (FeedbackDailyRollup, FeedbackPeriodRollup)
    ]
    return [report, raw, rollups]


def test_the_canary_is_planted_everywhere_the_scan_looks(planted):
    # then: the scan sees it in every kind of place (so finding nothing later means something)
    found = set(where_found(planted.canary.needle))
    assert {
        "feedback_customer.external_id", "feedback_customer.name", "feedback_customer.email",
        "feedback_feedback.comment", "feedback_feedback.metadata", "feedback_feedback.search_vector",
        "feedback_importjob.preview_rows", "feedback_webhookdeadletter.body", "innerloop_caseevent.data",
        "innerloop_contactattempt.promised", "innerloop_contactattempt.next_step",
        "innerloop_case.resolution_note", "innerloop_huddle.summary", "notifications_emailmessage.body",
        "notifications_emailmessage.to", "notifications_emailmessage.subject",
        "notifications_notification.body", "django_admin_log.object_repr", "innerloop_huddle.notes",
        "innerloop_obstacle.text", "outerloop_initiativecomment.text", "outerloop_signal.dismissed_reason",
        "outerloop_milestone.title", "governance_meeting.notes", "governance_meeting.agenda_snapshot",
        "governance_decision.rationale", "governance_actionitem.title", "governance_systemreview.summary",
    } <= found, found  # fmt: skip
    assert "feedback_customer.phone" in where_found("7700918273")
    # The admin's history of an email to them names it by subject and address.
    email_log = LogEntry.objects.get(content_type=ContentType.objects.get_for_model(EmailMessage))
    assert planted.canary.needle in email_log.object_repr


def test_staff_free_text_naming_the_customer_never_reaches_the_audit_log(planted):
    # given: a dismissal's and a deactivation's reason, and a username typed, all naming them
    verbs = {"signal.dismissed", "person.deactivated", "sessions.ended", "auth.login_failed"}
    assert verbs <= set(AuditEvent.objects.values_list("verb", flat=True))
    # then: the append-only log, which no erasure can reach, holds none of it
    assert "core_auditevent.data" not in where_found(planted.canary.needle)
    dismissed = AuditEvent.objects.get(verb="signal.dismissed")
    assert dismissed.data == {"reason_field": "dismissed_reason"}
    failed = AuditEvent.objects.get(verb="auth.login_failed")
    assert failed.data == {"unknown_username": True, "typed_length": len(planted.canary.email)}


def test_after_erasure_the_canary_is_nowhere_and_the_figures_are_unchanged(
    planted, people, django_capture_on_commit_callbacks
):
    # given
    before = _figures(people["admin"], planted.days)
    files = [job.file.name for job in ImportJob.objects.all()]
    assert all(default_storage.exists(name) for name in files)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        report = customer_erase(actor=people["admin"], email=planted.canary.email)
    # then
    leaks = {needle: where_found(needle) for needle in _needles(planted)}
    assert leaks == {needle: [] for needle in _needles(planted)}
    assert _figures(people["admin"], planted.days) == before
    assert not any(default_storage.exists(name) for name in files)
    # Both customers with that address (the webhook's, keyed by email, and the API's) are erased.
    assert len(report.customer_ids) == 2
    erased = Customer.objects.filter(pk__in=report.customer_ids)
    assert all(c.erased_at and c.external_id.startswith("erased-") for c in erased)
    # What metrics group by stays.
    kept = Customer.objects.get(pk=planted.customer.pk)
    assert (kept.segment, kept.value_tier, kept.name, kept.email, kept.phone) == (
        "retail",
        "high",
        "",
        "",
        "",
    )
    # The control customer keeps everything.
    assert planted.control.feedback.filter(comment="The control customer loved it.").exists()
    assert Customer.objects.get(pk=planted.control.pk).email == "control@example.test"


def test_the_erasure_is_audited_with_counts_only(planted, people):
    # when
    customer_erase(actor=people["admin"], external_id=planted.canary.external_id)
    # then
    event = AuditEvent.objects.get(verb="customer.erased", target_id=str(planted.customer.pk))
    assert event.actor == people["admin"]
    assert set(event.data) == {"via", "counts"}
    assert event.data["counts"]["feedback.comments"] == 4
    assert event.data["counts"]["innerloop.cases"] == 1
    assert planted.canary.needle not in str(list(AuditEvent.objects.values_list("data", flat=True)))


def test_a_dry_run_counts_exactly_what_the_erasure_changes_and_keeps_everything(
    planted, people, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        preview = customer_erase_preview(email=planted.canary.email)
    # then
    assert all(default_storage.exists(job.file.name) for job in ImportJob.objects.all())
    assert preview.dry_run
    assert preview.total > 0
    assert "feedback_feedback.comment" in where_found(planted.canary.needle)
    assert not AuditEvent.objects.filter(verb="customer.erased").exists()
    assert customer_erase(actor=people["admin"], email=planted.canary.email).counts == preview.counts


def _locks_taken(run) -> set[str]:
    """The raw-copy tables whose rows `run` locks with SELECT ... FOR [NO KEY] UPDATE."""
    with CaptureQueriesContext(connection) as queries:
        run()
    locking = [q["sql"] for q in queries.captured_queries if "FOR NO KEY UPDATE" in q["sql"]]
    tables = ("feedback_importjob", "feedback_webhookdeadletter")
    return {table for table in tables for sql in locking if f'FROM "{table}"' in sql}


def test_a_preview_does_not_lock_every_import_and_dead_letter_an_erasure_does(planted, people):
    # when / then: the dry run reads them unlocked (it is rolled back); the erasure locks them
    assert _locks_taken(lambda: customer_erase_preview(email=planted.canary.email)) == set()
    erase = lambda: customer_erase(actor=people["admin"], email=planted.canary.email)  # noqa: E731
    assert _locks_taken(erase) == {"feedback_importjob", "feedback_webhookdeadletter"}


def test_erasing_twice_changes_nothing_the_second_time(planted, people):
    # given
    first = customer_erase(actor=people["admin"], external_id=planted.canary.external_id)
    erased = Customer.objects.get(pk=planted.customer.pk)
    # when
    again = customer_erase(actor=people["admin"], external_id=erased.external_id)
    # then
    assert first.total > 0
    assert again.total == 0
    assert Customer.objects.get(pk=planted.customer.pk).external_id == erased.external_id


@pytest.mark.parametrize("name", ["innerloop", "outerloop", "notifications", "governance"])
def test_without_any_one_eraser_the_canary_survives(planted, people, monkeypatch, name):
    # given: one app's eraser missing from the registry
    monkeypatch.setattr(registry, "_ERASERS", {k: v for k, v in registry.erasers().items() if k != name})
    # when
    customer_erase(actor=people["admin"], email=planted.canary.email)
    # then
    assert where_found(planted.canary.needle)


def test_a_retried_delivery_does_not_bring_an_erased_customer_back(planted, people):
    # given
    customer_erase(actor=people["admin"], email=planted.canary.email)
    retry = planted.api_items[0]
    later = {**retry, "external_id": "api-9", "comment": "A new, later comment.", "metadata": {}}
    api = APIClient()
    api.force_authenticate(people["admin"])
    # when: the vendor retries the old delivery, then sends a new item for the same customer
    answers = [
        api.post("/api/v1/feedback/", data=json.dumps(body), content_type="application/json").json()
        for body in (retry, later)
    ]
    # then: a duplicate; no customer created again; the new item joined the erased record
    assert [answer["status"] for answer in answers] == ["duplicate", "created"]
    assert where_found(planted.canary.needle) == []
    new = Feedback.objects.select_related("customer").get(pk=answers[1]["id"])
    assert new.customer_id == planted.customer.pk
    assert (new.customer.name, new.customer.email) == ("", "")
