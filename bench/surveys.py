"""Survey invitations: 100,000 through the contact rules and into the outbox table, in batches of
1,000 through survey_invitations_create, against PostgreSQL COPY of the same rows into the same table.

The setting: 80,000 customers (so 20,000 are named twice, and their second invitation is
suppressed), a tenth of them invited ten days ago, one in fifty marked do-not-contact, and one in
five in a time zone whose quiet hours are now. Everything runs in a transaction that is rolled
back, so nothing is sent and the database is left as it was.

Standalone: `python -m bench.surveys [--repeat N]` against DATABASE_URL (a migrated database).
"""

import io
import statistics
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction

from bench.harness import Result

INVITATIONS = 100_000
CUSTOMERS = 80_000
BATCH = 1000
PREFIX = "bench-inv-"


class _Rollback(Exception):
    pass


def _quiet_zone(now: datetime) -> str:
    """A fixed-offset zone where it is now between 22:00 and 06:00 (inside 21:00 to 08:00)."""
    for hours in range(-12, 15):
        name = f"Etc/GMT{-hours:+d}" if hours else "Etc/GMT"
        if not 6 <= now.astimezone(ZoneInfo(name)).hour < 22:
            return name
    raise AssertionError("some zone is always at night")


def _copy(cursor, table: str, columns: tuple[str, ...], rows) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if value is None else str(value) for value in row) + "\n")
    buffer.seek(0)
    cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


def _setting(now: datetime):
    """The survey, its customers and their history (inside the caller's transaction)."""
    from feedback.models import Customer, Source, Survey, SurveyText, Touchpoint

    source = Source.objects.create(
        slug=f"{PREFIX}source", name="Bench survey source", kind=Source.Kind.SURVEY
    )
    touchpoint = Touchpoint.objects.create(slug=f"{PREFIX}touchpoint", name="Bench touchpoint")
    survey = Survey.objects.create(
        slug=f"{PREFIX}survey", name="Bench survey", source=source, touchpoint=touchpoint
    )
    SurveyText.objects.create(survey=survey, language="en", question="?", email_subject="?")
    quiet = _quiet_zone(now)
    with connection.cursor() as cursor:
        _copy(
            cursor,
            "feedback_customer",
            ("external_id", "name", "email", "phone", "segment", "value_tier", "do_not_contact", "time_zone",
             "created_at"),
            (
                (f"{PREFIX}{i}", f"Customer {i}", f"c{i}@bench.test", "", "consumer", "standard",
                 "t" if i % 50 == 0 else "f", quiet if i % 5 == 1 else "UTC", now.isoformat())
                for i in range(CUSTOMERS)
            ),
        )  # fmt: skip
        ids = dict(Customer.objects.filter(external_id__startswith=PREFIX).values_list("external_id", "pk"))
        ten_days_ago = (now - timedelta(days=10)).isoformat()
        _copy(
            cursor,
            "feedback_surveyinvitation",
            _INVITATION_COLUMNS,
            (
                (
                    survey.pk,
                    ids[f"{PREFIX}{i}"],
                    f"old-{i}",
                    "en",
                    "api",
                    "sent",
                    "",
                    ten_days_ago,
                    ten_days_ago,
                )
                for i in range(0, CUSTOMERS, 10)
            ),
        )
        # As autovacuum would have by now: statistics of the rows just loaded, so the planner
        # uses the contact-history index rather than guessing at an empty table.
        cursor.execute("ANALYZE feedback_customer, feedback_surveyinvitation")
    return survey, ids


_INVITATION_COLUMNS = (
    "survey_id", "customer_id", "transaction_id", "language", "trigger", "status", "suppressed_reason",
    "send_after", "created_at",
)  # fmt: skip


def _items() -> list[dict]:
    return [
        {
            "customer": {"external_id": f"{PREFIX}{i % CUSTOMERS}", "email": f"c{i % CUSTOMERS}@bench.test"},
            "transaction_id": f"order-{i}",
        }
        for i in range(INVITATIONS)
    ]


def _through_the_rules(survey, items) -> tuple[float, dict]:
    from feedback.surveys.invitations import survey_invitations_create

    statuses: dict[str, int] = {}
    started = time.perf_counter()
    for start in range(0, len(items), BATCH):
        for result in survey_invitations_create(
            survey=survey, items=items[start : start + BATCH], trigger="api"
        ):
            key = str(result.reason) or result.status
            statuses[key] = statuses.get(key, 0) + 1
    return time.perf_counter() - started, statuses


def _by_copy(survey, ids, now: datetime) -> float:
    stamp = now.isoformat()
    rows = [
        (survey.pk, ids[f"{PREFIX}{i % CUSTOMERS}"], f"order-{i}", "en", "api", "scheduled", "", stamp, stamp)
        for i in range(INVITATIONS)
    ]
    started = time.perf_counter()
    with connection.cursor() as cursor:
        _copy(cursor, "feedback_surveyinvitation", _INVITATION_COLUMNS, rows)
    return time.perf_counter() - started


def _in_savepoint(func):
    """Run `func` in a savepoint rolled back after it; its answer."""
    answer = None
    try:
        with transaction.atomic():
            answer = func()
            raise _Rollback
    except _Rollback:
        pass
    return answer


def survey_invitations(*, repeat: int) -> Result:
    """100,000 invitations through the contact rules, against COPY of the same rows."""
    runs = max(1, min(repeat, 3))
    rules_s, copy_s, outcome = [], [], {}
    try:
        with transaction.atomic():
            now = datetime.now(UTC)
            survey, ids = _setting(now)
            items = _items()
            for _ in range(runs):
                seconds, outcome = _in_savepoint(lambda: _through_the_rules(survey, items))
                rules_s.append(seconds)
                copy_s.append(_in_savepoint(lambda: _by_copy(survey, ids, now)))
            raise _Rollback
    except _Rollback:
        pass
    rules_rate = INVITATIONS / statistics.median(rules_s)
    copy_rate = INVITATIONS / statistics.median(copy_s)
    return Result(
        name=f"{INVITATIONS:,} survey invitations through the rules",
        unit="ms",
        median=statistics.median(rules_s) * 1000,
        p90=max(rules_s) * 1000,
        baseline_name=f"COPY {INVITATIONS:,} invitations",
        baseline_median=statistics.median(copy_s) * 1000,
        notes={
            "invitations_per_second": round(rules_rate),
            "copy_per_second": round(copy_rate),
            "batch": BATCH,
            "customers": CUSTOMERS,
            "outcome": outcome,
        },
        detail=f"{rules_rate:,.0f} invitations/s through the rules vs {copy_rate:,.0f}/s by COPY "
        f"(COPY is {copy_rate / rules_rate:.1f}x); outcome {dict(sorted(outcome.items()))}",
    )


def main(argv=None) -> int:
    import argparse
    import os

    import django

    parser = argparse.ArgumentParser(prog="python -m bench.surveys")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxloop.settings.base")
    django.setup()
    from bench.harness import print_table

    print_table([survey_invitations(repeat=args.repeat)])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
