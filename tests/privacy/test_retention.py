"""Retention per source (#15 acceptance): a dry run reports the count, the nightly run anonymises
exactly those rows, a second run changes nothing; only enabled policies apply; metrics stay."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from cxloop.core.models import AuditEvent
from cxloop.notifications.models import Notification
from feedback.models import Feedback, FeedbackDailyRollup, RetentionPolicy
from feedback.privacy.retention import months_before, retention_apply, retention_preview
from feedback.tasks import retention_apply as retention_apply_task
from innerloop.huddles.services import huddle_prepare
from innerloop.models import Case, CaseEvent, ContactAttempt, Huddle
from tests.factories import CategoryFactory, FeedbackFactory, SourceFactory, TeamFactory, UserFactory
from tests.innerloop.factories import CaseFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


@pytest.fixture
def world():
    """A source with two old comments and a recent one, a case closed long ago and one closed lately,
    and a second source (no policy) with an old comment."""
    survey, other = SourceFactory(slug="survey"), SourceFactory(slug="other")
    team = TeamFactory()
    old = [
        FeedbackFactory(source=survey, team=team, score=score, comment=f"Old comment {score}",
                        occurred_at=NOW - timedelta(days=31 * 30), metadata={"order": "A-1"})
        for score in (2, 9)
    ]  # fmt: skip
    recent = FeedbackFactory(
        source=survey, team=team, score=3, comment="Recent comment", occurred_at=NOW - timedelta(days=40)
    )
    untouched = FeedbackFactory(
        source=other, team=team, comment="Other source", occurred_at=NOW - timedelta(days=1000)
    )
    cause = CategoryFactory()
    closed = {"status": "closed", "root_cause": cause, "resolution_note": "Refunded Ms Example", "team": team}
    long_ago = CaseFactory(feedback=old[0], closed_at=NOW - timedelta(days=400), **closed)
    lately = CaseFactory(feedback=recent, closed_at=NOW - timedelta(days=20), **closed)
    for case in (long_ago, lately):
        CaseEvent.objects.create(case=case, kind="note", data={"text": "Ms Example cried"})
        ContactAttempt.objects.create(case=case, channel="phone", outcome="reached", promised="A refund")
        Notification.objects.create(user=UserFactory(), key=f"case:{case.pk}:opened:1", kind="case_opened",
                                    title="New case", body=case.feedback.comment)  # fmt: skip
    at = old[0].occurred_at
    huddle = Huddle.objects.create(
        team=team,
        scheduled_at=at + timedelta(days=1),
        period_start=at - timedelta(days=1),
        period_end=at + timedelta(days=1),
    )
    huddle_prepare(huddle_id=huddle.pk, now=at + timedelta(days=1), force=True)
    assert [m["feedback_id"] for m in Huddle.objects.get(pk=huddle.pk).summary["learning_moments"]] == [
        old[0].pk
    ]
    policy = RetentionPolicy.objects.create(
        source=survey, comments_anonymise_after_months=24, case_personal_data_after_months=12, enabled=True
    )
    return {"old": old, "recent": recent, "untouched": untouched, "long_ago": long_ago, "lately": lately,
            "policy": policy, "huddle": huddle}  # fmt: skip


def _rollup() -> list:
    return sorted(
        FeedbackDailyRollup.objects.values_list("day", "source", "n", "promoters", "detractors", "score_sum")
    )


def test_a_dry_run_counts_the_run_anonymises_exactly_those_and_a_second_run_changes_nothing(world):
    # given
    metrics = _rollup()
    # when
    dry = retention_apply(dry_run=True, now=NOW)
    run = retention_apply(dry_run=False, now=NOW)
    again = retention_apply(dry_run=False, now=NOW)
    # then
    assert dry == run == {"survey": {"comments": 2, "cases": 1}}
    assert again == {"survey": {"comments": 0, "cases": 0}}
    assert retention_apply(dry_run=True, now=NOW) == again
    assert _rollup() == metrics


def test_the_run_anonymises_old_comments_and_old_cases_personal_data_only(world):
    # when
    retention_apply(dry_run=False, now=NOW)
    # then
    old = Feedback.objects.get(pk=world["old"][0].pk)
    assert (old.comment, old.metadata, old.score) == ("", {}, 2)
    assert old.comment_anonymised_at == NOW
    assert Feedback.objects.get(pk=world["recent"].pk).comment == "Recent comment"
    assert Feedback.objects.get(pk=world["untouched"].pk).comment == "Other source"
    long_ago, lately = (Case.objects.get(pk=world[name].pk) for name in ("long_ago", "lately"))
    assert long_ago.personal_data_erased_at == NOW
    assert long_ago.resolution_note == "(erased)"
    assert long_ago.status == "closed"
    assert long_ago.root_cause_id is not None
    assert lately.personal_data_erased_at is None
    assert lately.resolution_note == "Refunded Ms Example"
    assert [e.data["text"] for e in CaseEvent.objects.filter(case=long_ago)] == [""]
    assert [e.data["text"] for e in CaseEvent.objects.filter(case=lately)] == ["Ms Example cried"]
    assert list(ContactAttempt.objects.filter(case=long_ago).values_list("promised", flat=True)) == [""]
    # The copies quoting an anonymised comment drop it: the alert and the huddle summary.
    assert Notification.objects.get(key=f"case:{long_ago.pk}:opened:1").body == ""
    assert Notification.objects.get(key=f"case:{lately.pk}:opened:1").body == "Recent comment"
    assert Huddle.objects.get(pk=world["huddle"].pk).summary["learning_moments"] == []


def test_a_disabled_policy_is_previewed_but_never_applied(world):
    # given
    policy = world["policy"]
    RetentionPolicy.objects.filter(pk=policy.pk).update(enabled=False)
    policy.refresh_from_db()
    # when
    applied = retention_apply(dry_run=False, now=NOW)
    # then
    assert applied == {}
    assert retention_preview(policy=policy, now=NOW) == {"comments": 2, "cases": 1}
    assert Feedback.objects.get(pk=world["old"][0].pk).comment == "Old comment 2"


def test_without_a_case_period_cases_are_kept(world):
    # given
    RetentionPolicy.objects.filter(pk=world["policy"].pk).update(case_personal_data_after_months=None)
    # when
    applied = retention_apply(dry_run=False, now=NOW)
    # then
    assert applied == {"survey": {"comments": 2, "cases": 0}}
    assert Case.objects.get(pk=world["long_ago"].pk).resolution_note == "Refunded Ms Example"


def test_the_run_is_recorded_on_the_policy_and_audited_without_personal_data(world):
    # when
    retention_apply(dry_run=False, now=NOW)
    # then
    policy = RetentionPolicy.objects.get(pk=world["policy"].pk)
    assert policy.last_run_at == NOW
    assert policy.last_run_counts["comments"] == 2
    assert policy.last_run_counts["cases"] == 1
    event = AuditEvent.objects.get(verb="retention.applied")
    assert event.data["counts"]["comments"] == 2
    assert "Example" not in str(event.data)
    assert "Old comment" not in str(event.data)


def test_the_nightly_task_applies_the_policies_and_beat_schedules_it(world):
    # when
    result = retention_apply_task()
    call_command("setup_periodic_tasks")
    # then
    assert result == {"survey": {"comments": 2, "cases": 1}}
    assert PeriodicTask.objects.filter(task="feedback.retention_apply", enabled=True).exists()


@pytest.mark.parametrize(
    ("when", "months", "expected"),
    [
        (datetime(2026, 3, 31, tzinfo=UTC), 1, datetime(2026, 2, 28, tzinfo=UTC)),
        (datetime(2026, 1, 15, tzinfo=UTC), 24, datetime(2024, 1, 15, tzinfo=UTC)),
        (datetime(2024, 12, 31, tzinfo=UTC), 10, datetime(2024, 2, 29, tzinfo=UTC)),
    ],
)
def test_months_are_calendar_months(when, months, expected):
    assert months_before(when, months) == expected
