"""What `make bench` measures. Later issues add their scenarios to SCENARIOS."""

import io
import json
import re
import statistics
import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.harness import Result, measure, p90

INGEST_ROWS = 5_000


_DECLARE = re.compile(r'^DECLARE "[^"]+" NO SCROLL CURSOR WITH(?:OUT)? HOLD FOR (.*)$', re.S)


def _plain(sql: str) -> str | None:
    """The statement to replay raw: server-side cursors (model choice fields) become their SELECT."""
    match = _DECLARE.match(sql)
    if match:
        return match.group(1)
    if sql.startswith(("FETCH ", "CLOSE ")):
        return None
    return sql


class _Rollback(Exception):
    """Raised to undo a measured write."""


def _page_result(
    name: str, client: Client, url: str, *, repeat: int, target_ms: float | None = None
) -> Result:
    """Server time of one page through Django's full stack, against the same SQL run raw."""

    def get():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    with CaptureQueriesContext(connection) as captured:
        get()
    statements = [sql for sql in (_plain(q["sql"]) for q in captured.captured_queries) if sql]

    def raw():
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
                if cursor.description:
                    cursor.fetchall()

    page = measure(get, repeat=repeat)
    baseline = measure(raw, repeat=repeat)
    median = statistics.median(page)
    return Result(
        name=name,
        unit="ms",
        median=median,
        p90=p90(page),
        baseline_name=f"same {len(statements)} SQL statements raw",
        baseline_median=statistics.median(baseline),
        target=f"p50 < {target_ms:g} ms" if target_ms else "",
        met=(median < target_ms) if target_ms else None,
        notes={"queries": len(statements), "url": url},
    )


def _agent_client() -> tuple[Client, str]:
    from cxloop.org.models import Membership, Role

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    membership = Membership.objects.select_related("user", "team").get(
        user__username="agent", role=Role.AGENT
    )
    client = Client()
    client.force_login(membership.user)
    return client, membership.team.slug


def _admin_client() -> Client:
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username="admin"))
    return client


def _ingest_rows(count: int):
    from feedback.models import Source

    source = Source.objects.order_by("pk").first()
    now = datetime.now(UTC)
    return source, [
        (f"bench-{uuid.uuid4().hex}", 1 + i % 10, f"bench comment {i}", now) for i in range(count)
    ]


def ingestion(*, client: Client, repeat: int, customers: bool = True) -> Result:
    """POST /api/v1/feedback/ in batches of 1,000 (validation, upserts, per-row answers) against
    PostgreSQL COPY of the same rows into the same table. Both run in transactions rolled back.

    With `customers`, each item names a new customer, which the API creates and COPY does not:
    the realistic delivery; without, the same work on both sides."""
    from feedback.models import Source

    source = Source.objects.order_by("pk").first()

    def api():
        _, rows = _ingest_rows(INGEST_ROWS)
        items = [
            {
                "source": source.slug,
                "external_id": ext,
                "scale": "nps",
                "score": score % 11,
                "comment": text,
                "occurred_at": at.isoformat(),
            }
            for ext, score, text, at in rows
        ]
        if customers:
            for item in items:
                item["customer"] = {"external_id": f"c-{item['external_id'][-6:]}", "name": "Bench Customer"}
        try:
            with transaction.atomic():
                for start in range(0, len(items), 1000):
                    response = client.post(
                        "/api/v1/feedback/",
                        data=json.dumps(items[start : start + 1000]),
                        content_type="application/json",
                    )
                    assert response.status_code == 201, response.content[:300]
                raise _Rollback
        except _Rollback:
            pass

    def copy():
        _, rows = _ingest_rows(INGEST_ROWS)
        buffer = io.StringIO()
        for ext, score, text, at in rows:
            stamp = at.isoformat()
            buffer.write(
                f"{source.pk}\t{ext}\tnps\t{score % 11}\t{text}\t{stamp}\t{stamp}\t{stamp}\t{{}}\t\t\n"
            )
        buffer.seek(0)
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.cursor.copy_expert(
                    "COPY feedback_feedback (source_id, external_id, scale, score, comment, occurred_at, "
                    "received_at, updated_at, metadata, content_hash, language) FROM STDIN",
                    buffer,
                )
                raise _Rollback
        except _Rollback:
            pass

    runs = max(3, repeat // 10)
    api_ms = measure(api, repeat=runs, warmup=1)
    copy_ms = measure(copy, repeat=runs, warmup=1)
    median = statistics.median(api_ms)
    ratio = median / statistics.median(copy_ms)
    return Result(
        name=f"ingest {INGEST_ROWS:,} rows via the API" + (", each a new customer" if customers else ""),
        unit="ms",
        median=median,
        p90=p90(api_ms),
        baseline_name=f"COPY {INGEST_ROWS:,} rows",
        baseline_median=statistics.median(copy_ms),
        target="at most 4x COPY",
        met=ratio <= 4,
        notes={"rows_per_second": round(INGEST_ROWS / (median / 1000)), "batch": 1000},
    )


def nps_by_week_and_touchpoint(*, client: Client, repeat: int, days: int) -> Result:
    """GET /api/v1/metrics/nps/?group_by=week,touchpoint over the whole history (admin: every team),
    which reads the rollup, against the raw SQL aggregate of the same figures over feedback_feedback."""
    from datetime import timedelta

    from feedback.models.metrics import FeedbackDailyRollup

    date_to = datetime.now(UTC).date() + timedelta(days=1)
    date_from = date_to - timedelta(days=days + 7)
    url = f"/api/v1/metrics/nps/?from={date_from}&to={date_to}&group_by=week,touchpoint"
    from feedback.scales import DETRACTOR_MAX, PASSIVE_MIN, PROMOTER_MIN

    raw_sql = (
        "SELECT date_trunc('week', occurred_at AT TIME ZONE 'UTC') AS week, touchpoint_id, count(*), "
        f"count(*) FILTER (WHERE score >= {PROMOTER_MIN}), "
        f"count(*) FILTER (WHERE score BETWEEN {PASSIVE_MIN} AND {PROMOTER_MIN - 1}), "
        f"count(*) FILTER (WHERE score <= {DETRACTOR_MAX}) FROM feedback_feedback "
        "WHERE scale = 'nps' AND score IS NOT NULL AND occurred_at >= %s AND occurred_at < %s GROUP BY 1, 2"
    )
    bounds = [datetime.combine(day, datetime.min.time(), tzinfo=UTC) for day in (date_from, date_to)]

    def api():
        # Server time: the response is parsed once below, not in every timed run.
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(raw_sql, bounds)
            return cursor.fetchall()

    groups, raw_groups = len(api().json()["results"]), len(raw())
    assert groups == raw_groups, (groups, raw_groups)
    page = measure(api, repeat=repeat)
    baseline = measure(raw, repeat=repeat)
    median = statistics.median(page)
    return Result(
        name="NPS by week x touchpoint via the API",
        unit="ms",
        median=median,
        p90=p90(page),
        baseline_name="raw SQL aggregate of feedback",
        baseline_median=statistics.median(baseline),
        target="p50 < 20 ms",
        met=median < 20,
        notes={"url": url, "groups": groups, "rollup_rows": FeedbackDailyRollup.objects.count()},
    )


def signal_detection(*, repeat: int) -> Result:
    """The nightly signal job (outerloop.services.signals.signals_detect) over all bench feedback and cases,
    against its counting SQL alone. Target: under 30 s at 1,000,000 feedback rows and 200,000 cases."""
    from feedback.models import Feedback
    from innerloop.models import Case
    from outerloop.models import Signal
    from outerloop.services.detection import cells_count
    from outerloop.services.signals import signals_detect

    runs = max(1, min(repeat, 5))  # seconds each: a handful of runs is enough
    job = measure(signals_detect, repeat=runs, warmup=1)
    counting = measure(cells_count, repeat=runs, warmup=0)
    median = statistics.median(job) / 1000
    return Result(
        name="signal detection job",
        unit="s",
        median=median,
        p90=p90(job) / 1000,
        baseline_name="its counting SQL alone",
        baseline_median=statistics.median(counting) / 1000,
        target="< 30 s",
        met=median < 30,
        notes={
            "feedback_rows": Feedback.objects.count(),
            "case_rows": Case.objects.count(),
            "cells": len(cells_count()),
            "signals": Signal.objects.count(),
        },
    )


def run_all(*, repeat: int, only: set[str], days: int) -> list[Result]:
    """The scenarios named in `only` (keys: pages, nps, inner, signals, ingest), in that order."""
    from cxloop.core.heap import freeze_startup_heap

    # As the web server's workers do when they load the application (cxloop/wsgi.py).
    freeze_startup_heap()
    client, team = _agent_client()
    results = []
    if "pages" in only:
        results += [
            _page_result(
                "feedback list, first page (agent)", client, "/feedback/", repeat=repeat, target_ms=100
            ),
            # A team's page is its dashboard (the old /teams/<slug>/ overview redirects there).
            _page_result(
                "team dashboard (agent)", client, f"/dashboards/teams/{team}/", repeat=repeat, target_ms=100
            ),
        ]
    if "nps" in only:
        results.append(nps_by_week_and_touchpoint(client=_admin_client(), repeat=repeat, days=days))
    if "inner" in only:
        results += _inner_loop(client=client, repeat=repeat)
    if "signals" in only:
        results.append(signal_detection(repeat=repeat))
    if "surveys" in only:
        from bench.surveys import survey_invitations

        results.append(survey_invitations(repeat=repeat))
    if "themes" in only:
        from bench.themes import theme_clustering

        results.append(theme_clustering())
    # Last, and vacuumed after: its rolled-back rows are dead tuples the other scenarios would read.
    if "ingest" in only:
        results.append(ingestion(client=_admin_client(), repeat=repeat))
        results.append(ingestion(client=_admin_client(), repeat=repeat, customers=False))
        with connection.cursor() as cursor:
            cursor.execute(
                "VACUUM (ANALYZE) feedback_feedback, feedback_customer, feedback_feedbackrolluppending"
            )
    return results


def _inner_loop(*, client: Client, repeat: int) -> list[Result]:
    from django.contrib.auth import get_user_model

    from bench import cases
    from cxloop.org.models import Membership, Role

    team_id = Membership.objects.get(user__username="agent", role=Role.AGENT).team_id
    users = list(get_user_model().objects.filter(memberships__team_id=team_id).distinct()[:2])
    return [
        cases.queue_page(client=client, repeat=repeat, page_result=_page_result),
        cases.cases_api(client=client, repeat=repeat, page_result=_page_result),
        cases.claim_next(team_id=team_id, users=users),
        _page_result(
            "team dashboard (lead)", _login("lead"), f"/dashboards/teams/{_team_slug(team_id)}/",
            repeat=repeat, target_ms=100,
        ),
    ]  # fmt: skip


def _login(username: str) -> Client:
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def _team_slug(team_id: int) -> str:
    from cxloop.org.models import Team

    return Team.objects.get(pk=team_id).slug
