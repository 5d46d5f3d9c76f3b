"""File import in the browser: upload, mapping, chunked import, error report, resume, limits, roles."""

import codecs
import csv
import io
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from feedback.intake.imports import resume, services
from feedback.intake.imports.mapping import (
    ID_FROM_COLUMN,
    ID_FROM_CONTENT,
    MONTH_FIRST,
    Mapping,
    parse_occurred_at,
)
from feedback.intake.imports.report import spreadsheet_safe
from feedback.intake.imports.tasks import import_job_read, import_job_run
from feedback.models import Feedback, Source
from feedback.models.imports import ImportJob, ImportRowError
from tests.factories import SourceFactory, TouchpointFactory

pytestmark = pytest.mark.django_db

SHARED_DATA = Path(
    os.environ.get("CXLOOP_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared" / "data")
)

SIMPLE_CSV = (
    "id,score,comment,when\r\n"
    "r-1,9,Quick delivery,2026-03-01T10:00:00+01:00\r\n"
    "r-2,3,Parcel was late,2026-03-02 09:30\r\n"
    "r-3,10,,2026-03-03\r\n"
)
SIMPLE_MAPPING = Mapping(
    columns={"external_id": 0, "score": 1, "comment": 2, "occurred_at": 3},
    scale="nps",
    timezone="Europe/Paris",
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def source(db):
    # A channel people write (feedback.permissions), so the team lead may import into it.
    return SourceFactory(slug="call-log", name="Call log export", kind=Source.Kind.CALL_CENTRE)


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def read_job(*, user, source, name: str, content: bytes) -> ImportJob:
    """An upload, then what the worker does with it: read it whole, ready to map (or refused)."""
    job = services.import_job_create(uploaded_file=upload(name, content), source=source, user=user)
    import_job_read(job_id=job.pk)
    job.refresh_from_db()
    return job


def start_job(*, user, source, name: str, content: bytes, mapping: Mapping) -> ImportJob:
    job = read_job(user=user, source=source, name=name, content=content)
    services.import_job_map(job=job, mapping=mapping)
    return services.import_job_start(job=job)


def run_to_end(job: ImportJob, *, chunk_size: int = services.CHUNK_SIZE) -> ImportJob:
    """What the worker does, chunk by chunk, minus the broker: each call is one task invocation."""
    job.refresh_from_db()
    while job.status == ImportJob.Status.RUNNING:
        services.import_job_run_chunks(
            job_id=job.pk, offset=job.next_row_offset, chunk_size=chunk_size, time_budget=0
        )
        job.refresh_from_db()
    return job


def counts(job: ImportJob) -> dict:
    return {
        "total": job.total_rows,
        "created": job.created_count,
        "duplicate": job.duplicate_count,
        "updated": job.updated_count,
        "error": job.error_count,
    }


def import_file(*, user, source, name: str, content: bytes, mapping: Mapping, chunk_size: int = 500):
    job = start_job(user=user, source=source, name=name, content=content, mapping=mapping)
    return run_to_end(job, chunk_size=chunk_size)


# --- encodings and formats ---------------------------------------------------------------

ACCENTED = "id,score,comment\r\nr-1,9,Café crème à 20 €\r\n"


@pytest.mark.parametrize(
    ("content", "encoding"),
    [
        (ACCENTED.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + ACCENTED.encode("utf-8"), "utf-8-sig"),
        (ACCENTED.encode("cp1252"), "cp1252"),
        (codecs.BOM_UTF16_LE + ACCENTED.encode("utf-16-le"), "utf-16"),
        (codecs.BOM_UTF16_BE + ACCENTED.encode("utf-16-be"), "utf-16"),
        (ACCENTED.encode("utf-16-le"), "utf-16-le"),
    ],
    ids=["utf-8", "utf-8-bom", "windows-1252", "utf-16-le-bom", "utf-16-be-bom", "utf-16-le-no-bom"],
)
def test_each_encoding_is_detected_and_imports_the_same_text(people, source, content, encoding):
    # when
    job = import_file(
        user=people["lead"],
        source=source,
        name="accents.csv",
        content=content,
        mapping=Mapping(columns={"external_id": 0, "score": 1, "comment": 2}, scale="nps"),
    )
    # then
    assert (job.encoding, job.headers) == (encoding, ["id", "score", "comment"])
    assert counts(job) == {"total": 1, "created": 1, "duplicate": 0, "updated": 0, "error": 0}
    assert Feedback.objects.get().comment == "Café crème à 20 €"


def test_semicolon_separated_file_is_read_with_its_delimiter(people, source):
    # when
    job = import_file(
        user=people["lead"],
        source=source,
        name="excel-fr.csv",
        content='id;score;"comment, free text"\r\nr-1;9;Très bien, merci\r\n'.encode("cp1252"),
        mapping=Mapping(columns={"external_id": 0, "score": 1, "comment": 2}, scale="nps"),
    )
    # then
    assert job.delimiter == ";"
    assert Feedback.objects.get().comment == "Très bien, merci"


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_import_reads_typed_cells(people, source):
    # given: spreadsheets store ids and scores as floats, times without an offset, formulas as formulas
    content = xlsx_bytes(
        [
            ["id", "score", "comment", "when"],
            [101, 5.0, "Fine", datetime(2026, 7, 1, 9, 30)],  # noqa: DTZ001 - naive, as Excel stores it
            [102, 4.5, "Half a star off", datetime(2026, 7, 2, 9, 30)],  # noqa: DTZ001
            [103, 1, '=HYPERLINK("http://evil.test","click")', None],
        ]
    )
    # when
    job = import_file(
        user=people["lead"],
        source=source,
        name="survey.xlsx",
        content=content,
        mapping=Mapping(
            columns={"external_id": 0, "score": 1, "comment": 2, "occurred_at": 3},
            scale="csat",
            timezone="Europe/London",
        ),
    )
    # then
    assert (job.format, job.encoding) == ("xlsx", "")
    assert counts(job) == {"total": 3, "created": 2, "duplicate": 0, "updated": 0, "error": 1}
    first = Feedback.objects.get(external_id="101")
    assert (first.score, first.occurred_at) == (5, datetime(2026, 7, 1, 8, 30, tzinfo=UTC))
    assert Feedback.objects.get(external_id="103").comment == '=HYPERLINK("http://evil.test","click")'
    error = ImportRowError.objects.get()
    assert (error.line, error.field, error.value) == (3, "score", "4.5")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.pdf", b"%PDF-1.7 ...", "Only CSV"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Old Excel"),
        ("fake.xlsx", b"id,comment\n1,x\n", "not a valid .xlsx"),
        ("image.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", "does not look like a text"),
        ("empty.csv", b"", "The submitted file is empty."),
    ],
)
def test_unknown_or_unreadable_files_are_refused_on_upload(client, people, source, name, content, message):
    # (what only reading the file can find, such as a missing header row, is refused by the worker:
    # see test_imports_limits.py)
    # given
    client.force_login(people["lead"])
    # when
    response = client.post(reverse("imports:upload"), {"file": upload(name, content), "source": source.pk})
    # then
    assert response.status_code == 400
    assert message in response.content.decode()
    assert ImportJob.objects.count() == 0


# --- cells to contract items ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "zone", "order", "expected"),
    [
        ("2015-02-24 11:35:52 -0800", "UTC", "dmy", "2015-02-24T11:35:52-08:00"),
        ("2026-03-01T10:00:00Z", "Europe/Paris", "dmy", "2026-03-01T10:00:00+00:00"),
        ("2026-03-01 10:00", "Europe/Paris", "dmy", "2026-03-01T10:00:00+01:00"),
        ("2/24/2015 11:35", "America/Los_Angeles", "mdy", "2015-02-24T11:35:00-08:00"),
        ("24.02.2015", "UTC", "dmy", "2015-02-24T00:00:00+00:00"),
        ("2/24/2015 1:05:09 PM", "UTC", "mdy", "2015-02-24T13:05:09+00:00"),
    ],
)
def test_dates_with_and_without_offsets(text, zone, order, expected):
    assert parse_occurred_at(text, zone=zone, date_order=order) == expected


@pytest.mark.parametrize("text", ["yesterday", "2/24/2015", "31/31/2020"])
def test_unreadable_dates_are_errors(text):
    with pytest.raises(ValueError, match="date"):
        parse_occurred_at(text, zone="UTC", date_order="dmy")


def test_scores_accept_spreadsheet_floats_but_not_fractions(people, source):
    # given
    content = b"id,score\r\na,5.0\r\nb,5.5\r\nc,five\r\nd,11\r\ne,\r\n"
    # when
    job = import_file(
        user=people["lead"],
        source=source,
        name="scores.csv",
        content=content,
        mapping=Mapping(columns={"external_id": 0, "score": 1}, scale="nps"),
    )
    # then
    assert counts(job) == {"total": 5, "created": 2, "duplicate": 0, "updated": 0, "error": 3}
    assert dict(Feedback.objects.values_list("external_id", "score")) == {"a": 5, "e": None}
    assert list(ImportRowError.objects.values_list("line", "field", "reason")) == [
        (3, "score", 'must be a whole number, not "5.5".'),
        (4, "score", 'must be a whole number, not "five".'),
        (5, "score", "must be between 0 and 10 on the nps scale."),
    ]


def test_customer_touchpoint_and_other_columns_reach_the_feedback(people, source):
    # given
    TouchpointFactory(slug="checkout", name="Checkout")
    content = (
        b"id,score,email,value,touchpoint,store\r\n"
        b"r-1,2,Ada@Example.test,12000,checkout,Leeds\r\n"
        b"r-2,8,bob@example.test,,nowhere,York\r\n"
    )
    columns = {"external_id": 0, "score": 1, "customer.email": 2, "customer.annual_value": 3, "touchpoint": 4}
    # when
    job = import_file(
        user=people["manager"],
        source=source,
        name="crm.csv",
        content=content,
        # A manager names which of their department's teams the rows are for.
        mapping=Mapping(columns=columns, scale="nps", keep_other_columns=True, team="team-a1"),
    )
    # then
    assert counts(job) == {"total": 2, "created": 1, "duplicate": 0, "updated": 0, "error": 1}
    feedback = Feedback.objects.select_related("customer", "touchpoint").get()
    assert (feedback.customer.email, feedback.customer.value_tier) == ("ada@example.test", "top")
    assert (feedback.touchpoint.slug, feedback.metadata) == ("checkout", {"columns": {"store": "Leeds"}})
    error = ImportRowError.objects.get()
    assert (error.line, error.field, error.reason, error.value) == (
        3,
        "touchpoint",
        'unknown touchpoint "nowhere".',
        "nowhere",
    )


def test_a_row_cut_short_is_a_row_error_not_a_crash(people, source):
    # given: the file ends inside a quoted cell, as a truncated download does
    content = b'id,score,comment\r\nr-1,9,fine\r\nr-2,7,"it was'
    # when
    job = import_file(
        user=people["lead"],
        source=source,
        name="cut.csv",
        content=content,
        mapping=Mapping(columns={"external_id": 0, "score": 1, "comment": 2}, scale="nps"),
    )
    # then
    assert counts(job) == {"total": 2, "created": 1, "duplicate": 0, "updated": 0, "error": 1}
    error = ImportRowError.objects.get()
    assert (error.line, error.field) == (3, "row")
    assert "cut short" in error.reason


# --- idempotency and resuming --------------------------------------------------------------


def test_reimporting_the_same_file_creates_nothing(people, source):
    # given
    first = import_file(
        user=people["lead"], source=source, name="a.csv", content=SIMPLE_CSV.encode(), mapping=SIMPLE_MAPPING
    )
    # when
    again = import_file(
        user=people["lead"], source=source, name="a.csv", content=SIMPLE_CSV.encode(), mapping=SIMPLE_MAPPING
    )
    # then
    assert counts(first) == {"total": 3, "created": 3, "duplicate": 0, "updated": 0, "error": 0}
    assert counts(again) == {"total": 3, "created": 0, "duplicate": 3, "updated": 0, "error": 0}
    assert again.sha256 == first.sha256
    assert Feedback.objects.count() == 3


def test_derived_ids_survive_reordering_and_a_row_added_on_top(people, source):
    # given: no id column, so ids are derived from each row's content
    mapping = Mapping(columns={"comment": 0, "score": 1}, scale="csat", external_id_mode=ID_FROM_CONTENT)
    lines = ["Lovely staff,5", "Slow checkout,2", "Lovely staff,4"]
    import_file(
        user=people["lead"],
        source=source,
        name="v1.csv",
        content=("comment,score\n" + "\n".join(lines)).encode(),
        mapping=mapping,
    )
    reordered = ["Brand new remark,3", *reversed(lines)]
    # when
    again = import_file(
        user=people["lead"],
        source=source,
        name="v2.csv",
        content=("comment,score\n" + "\n".join(reordered)).encode(),
        mapping=mapping,
    )
    # then
    assert counts(again) == {"total": 4, "created": 1, "duplicate": 3, "updated": 0, "error": 0}
    assert Feedback.objects.count() == 4
    assert all(
        external_id.startswith("sha256:")
        for external_id in Feedback.objects.values_list("external_id", flat=True)
    )


def test_an_interrupted_import_resumes_from_the_last_committed_chunk(
    people, source, django_capture_on_commit_callbacks
):
    # given: 5 rows in chunks of 2; the worker dies after storing the chunk with the 4th row, before commit
    content = ("id,score\n" + "\n".join(f"r-{n},{n}" for n in range(1, 6))).encode()
    mapping = Mapping(columns={"external_id": 0, "score": 1}, scale="nps")
    job = start_job(user=people["lead"], source=source, name="five.csv", content=content, mapping=mapping)
    services.import_job_run_chunks(job_id=job.pk, offset=0, chunk_size=2, time_budget=0)
    real_ingest = services.feedback_ingest_many

    def dies_on_row_4(*, items, **arguments):
        stored = real_ingest(items=items, **arguments)
        if any(item["external_id"] == "r-4" for item in items):
            raise SystemExit("worker killed")
        return stored

    with (
        mock.patch.object(services, "feedback_ingest_many", side_effect=dies_on_row_4),
        pytest.raises(SystemExit),
    ):
        services.import_job_run_chunks(job_id=job.pk, offset=2, chunk_size=2, time_budget=0)
    job.refresh_from_db()
    assert (job.next_row_offset, job.processed_rows, job.status) == (2, 2, ImportJob.Status.RUNNING)
    assert Feedback.objects.count() == 2  # the interrupted chunk rolled back whole
    # when: no progress for a while, so the sweep resumes it from the committed offset
    ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - ImportJob.STALL_AFTER * 2)
    with (
        mock.patch.object(import_job_run, "apply_async") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        resumed = resume.import_jobs_resume_stalled()
    job = run_to_end(job, chunk_size=2)
    # then
    assert resumed == 1
    send.assert_called_once_with(kwargs={"job_id": job.pk, "offset": 2}, retry=False)
    assert counts(job) == {"total": 5, "created": 5, "duplicate": 0, "updated": 0, "error": 0}
    assert sorted(Feedback.objects.values_list("score", flat=True)) == [1, 2, 3, 4, 5]


def test_a_redelivered_task_for_an_old_offset_does_nothing(people, source):
    # given
    job = start_job(
        user=people["lead"], source=source, name="a.csv", content=SIMPLE_CSV.encode(), mapping=SIMPLE_MAPPING
    )
    services.import_job_run_chunks(job_id=job.pk, offset=0, chunk_size=2, time_budget=0)
    # when: the first task's message comes again (acks_late redelivery)
    import_job_run(job_id=job.pk, offset=0)
    # then
    job.refresh_from_db()
    assert (job.next_row_offset, job.processed_rows, job.created_count) == (2, 2, 2)
    assert Feedback.objects.count() == 2


def test_the_sweep_gives_up_on_a_job_that_never_progresses(
    people, source, django_capture_on_commit_callbacks
):
    # given
    job = start_job(
        user=people["lead"], source=source, name="a.csv", content=SIMPLE_CSV.encode(), mapping=SIMPLE_MAPPING
    )
    ImportJob.objects.filter(pk=job.pk).update(stalled_resumes=services.MAX_AUTO_RESUMES)
    ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - ImportJob.STALL_AFTER * 2)
    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        resumed = resume.import_jobs_resume_stalled()
    # then
    job.refresh_from_db()
    assert (resumed, callbacks) == (0, [])
    assert job.status == ImportJob.Status.FAILED
    assert job.can_resume  # by hand, once the cause is fixed


def test_a_job_that_is_making_progress_is_not_resumed(people, source):
    # given
    job = start_job(
        user=people["lead"], source=source, name="a.csv", content=SIMPLE_CSV.encode(), mapping=SIMPLE_MAPPING
    )
    # when
    resumed = resume.import_job_resume(job_id=job.pk)
    # then
    assert resumed is False


def test_too_many_rows_fail_the_job_before_anything_is_stored(people, source, settings):
    # given: a file read and started, then the limit lowered (a file over it is refused when read)
    job = start_job(
        user=people["lead"], source=source, name="a.csv", content=SIMPLE_CSV.encode(), mapping=SIMPLE_MAPPING
    )
    settings.CXLOOP_IMPORT_MAX_ROWS = 2
    # when
    job = run_to_end(job)
    # then
    assert job.status == ImportJob.Status.FAILED
    assert "more than 2 rows" in job.failure_reason
    assert Feedback.objects.count() == 0


# --- pages ---------------------------------------------------------------------------------


def test_the_whole_flow_through_the_pages(client, people, source, django_capture_on_commit_callbacks):
    # given
    client.force_login(people["lead"])
    rows = "".join(f"r-{n},{n % 11},Comment {n},2/{n}/2026 10:00\r\n" for n in range(13, 20))
    content = ("id,score,comment,when\r\n" + rows).encode()
    # when: upload, which sends the file to a worker to be read only after commit
    with (
        mock.patch.object(import_job_read, "apply_async") as send_read,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            reverse("imports:upload"), {"file": upload("nps.csv", content), "source": source.pk}
        )
    job = ImportJob.objects.get()
    # then
    assert response.status_code == 302
    assert response.url == reverse("imports:map", args=[job.pk])
    send_read.assert_called_once_with(kwargs={"job_id": job.pk}, retry=False)
    assert "being read" in client.get(response.url).content.decode()
    # when: the worker has read it, the mapping page shows the first five rows and guesses
    # month-first dates, without opening the file
    import_job_read(job_id=job.pk)
    with mock.patch("django.db.models.fields.files.FieldFile.open", side_effect=AssertionError("opened")):
        page = client.get(response.url)
    # then
    html = page.content.decode()
    assert page.status_code == 200
    assert "Comment 17" in html
    assert "Comment 18" not in html
    assert page.context["form"].initial["date_order"] == MONTH_FIRST
    # when: mapping
    mapped = client.post(
        reverse("imports:map", args=[job.pk]),
        {
            "external_id_mode": ID_FROM_COLUMN,
            "col_external_id": "0",
            "col_score": "1",
            "col_comment": "2",
            "col_occurred_at": "3",
            "scale": "nps",
            "timezone": "America/New_York",
            "date_order": MONTH_FIRST,
        },
    )
    preview = client.get(mapped.url)
    # then: the items as they will be imported
    assert preview.context["items"][0]["item"]["occurred_at"] == "2026-02-13T10:00:00-05:00"
    assert preview.context["items"][0]["errors"] == {}
    # when: starting sends the first task only after commit
    with (
        mock.patch.object(import_job_run, "apply_async") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        started = client.post(reverse("imports:start", args=[job.pk]))
    send.assert_called_once_with(kwargs={"job_id": job.pk, "offset": 0}, retry=False)
    running = client.get(started.url, headers={"HX-Request": "true"})
    # then: the progress partial polls while running
    assert 'hx-trigger="every 1s"' in running.content.decode()
    assert "<html" not in running.content.decode()
    # when: the worker runs the task
    import_job_run(job_id=job.pk, offset=0)
    done = client.get(started.url, headers={"HX-Request": "true"})
    # then: polling stops once the import is done
    assert "hx-trigger" not in done.content.decode()
    assert "7 of 7 rows" in done.content.decode()
    assert '<progress class="import-bar" max="100" value="100">' in done.content.decode()
    assert Feedback.objects.count() == 7


def test_an_invalid_mapping_is_explained(client, people, source):
    # given
    client.force_login(people["lead"])
    job = read_job(user=people["lead"], source=source, name="a.csv", content=SIMPLE_CSV.encode())
    # when: a score without a scale, and no id column
    response = client.post(
        reverse("imports:map", args=[job.pk]),
        {"external_id_mode": ID_FROM_COLUMN, "col_score": "1", "timezone": "UTC", "date_order": "dmy"},
    )
    # then
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"col_external_id", "scale"}
    job.refresh_from_db()
    assert job.status == ImportJob.Status.UPLOADED


def test_the_error_report_neutralises_formulas(client, people, source):
    # given: cells that a spreadsheet would run as formulas, in bad rows and good ones
    content = (
        b"id,score,comment\r\n"
        b"r-1,=1+2,fine\r\n"
        b"r-2,@SUM(A1),fine\r\n"
        b"r-3,-5,fine\r\n"
        b'r-4,+7,=HYPERLINK("http://evil.test")\r\n'
        b"r-5,\t9x,fine\r\n"
    )
    client.force_login(people["lead"])
    job = import_file(
        user=people["lead"],
        source=source,
        name="evil.csv",
        content=content,
        mapping=Mapping(columns={"external_id": 0, "score": 1, "comment": 2}, scale="nps"),
    )
    # when
    response = client.get(reverse("imports:errors-csv", args=[job.pk]))
    report = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    # then
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert report == [
        ["line", "field", "reason", "value"],
        ["2", "score", 'must be a whole number, not "=1+2".', "'=1+2"],
        ["3", "score", 'must be a whole number, not "@SUM(A1)".', "'@SUM(A1)"],
        ["4", "score", "must be between 0 and 10 on the nps scale.", "'-5"],
        ["6", "score", 'must be a whole number, not "9x".', "'\t9x"],
    ]
    # and the value itself is data, stored as text
    assert Feedback.objects.get(external_id="r-4").comment == '=HYPERLINK("http://evil.test")'


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+2", "'=1+2"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("ok", "ok"),
        (12, "12"),
    ],
)
def test_spreadsheet_safe(value, safe):
    assert spreadsheet_safe(value) == safe


def test_an_upload_over_the_limit_is_refused_before_the_body_is_read(people, source, settings):
    # given: CSRF enforced, as in production, where the CSRF middleware would otherwise read the body
    settings.CXLOOP_IMPORT_MAX_BYTES = 1000
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["lead"])
    big = upload("big.csv", b"id,comment\n" + b"1,x\n" * 30_000)
    # when
    with mock.patch(
        "django.http.multipartparser.MultiPartParser.parse", side_effect=AssertionError("body read")
    ):
        response = client.post(reverse("imports:upload"), {"file": big, "source": source.pk})
    # then
    assert response.status_code == 413
    assert "larger than" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_a_file_just_over_the_limit_is_refused_by_its_size(client, people, source, settings):
    # given: the request fits the multipart allowance, the file itself does not
    settings.CXLOOP_IMPORT_MAX_BYTES = 1000
    client.force_login(people["lead"])
    # when
    response = client.post(
        reverse("imports:upload"), {"file": upload("big.csv", b"id\n" + b"1\n" * 500), "source": source.pk}
    )
    # then
    assert response.status_code == 400
    assert "larger than" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_the_upload_still_checks_csrf(people, source):
    # given
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["lead"])
    # when
    response = client.post(
        reverse("imports:upload"), {"file": upload("a.csv", SIMPLE_CSV.encode()), "source": source.pk}
    )
    # then
    assert response.status_code == 403
    assert ImportJob.objects.count() == 0


@pytest.mark.parametrize(
    ("who", "status"), [("agent", 403), ("committee", 403), ("lead", 200), ("manager", 200), ("admin", 200)]
)
def test_who_may_import(client, people, who, status):
    client.force_login(people[who])
    assert client.get(reverse("imports:upload")).status_code == status


@pytest.mark.parametrize(
    ("page", "admin_status"), [("imports:detail", 200), ("imports:map", 302), ("imports:errors-csv", 200)]
)
def test_an_import_is_visible_to_its_creator_and_admins_only(client, people, source, page, admin_status):
    # given: a finished import by the team lead (its mapping page sends on to the progress page)
    job = import_file(
        user=people["lead"], source=source, name="a.csv", content=SIMPLE_CSV.encode(), mapping=SIMPLE_MAPPING
    )
    url = reverse(page, args=[job.pk])
    # when
    client.force_login(people["manager"])
    other = client.get(url)
    client.force_login(people["admin"])
    admin = client.get(url)
    client.force_login(people["lead"])
    creator = client.get(url)
    # then
    assert other.status_code == 404
    assert (admin.status_code, creator.status_code) == (admin_status, admin_status)


def test_a_page_of_someone_elses_import_cannot_be_resumed(client, people, source):
    # given
    job = start_job(
        user=people["lead"], source=source, name="a.csv", content=SIMPLE_CSV.encode(), mapping=SIMPLE_MAPPING
    )
    ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - ImportJob.STALL_AFTER * 2)
    client.force_login(people["manager"])
    # when
    response = client.post(reverse("imports:resume", args=[job.pk]))
    # then
    assert response.status_code == 404


def test_a_stalled_import_offers_resume_and_resumes_by_hand(
    client, people, source, django_capture_on_commit_callbacks
):
    # given
    job = start_job(
        user=people["lead"], source=source, name="a.csv", content=SIMPLE_CSV.encode(), mapping=SIMPLE_MAPPING
    )
    ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - ImportJob.STALL_AFTER * 2)
    client.force_login(people["lead"])
    page = client.get(reverse("imports:detail", args=[job.pk]))
    # when
    with (
        mock.patch.object(import_job_run, "apply_async") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(reverse("imports:resume", args=[job.pk]))
    # then
    assert "Resume</button>" in page.content.decode()
    assert response.status_code == 302
    send.assert_called_once_with(kwargs={"job_id": job.pk, "offset": 0}, retry=False)


# --- real data (../shared/data) ------------------------------------------------------------


def shared_file(relative: str) -> bytes:
    path = SHARED_DATA / relative
    if not path.is_file():
        pytest.skip(f"shared data file {path} is absent (set CXLOOP_SHARED_DATA to the data folder)")
    return path.read_bytes()


def test_airline_tweets_import_with_exact_counts(people, source):
    # given: 14,640 tweets; 155 of them repeat an earlier tweet id with the same text and time
    content = shared_file("airline_tweets/Tweets.csv")
    mapping = Mapping(
        columns={"external_id": 0, "comment": 4, "occurred_at": 5},
        timezone="America/Los_Angeles",
        date_order=MONTH_FIRST,
    )
    # when
    job = import_file(
        user=people["admin"], source=source, name="Tweets.csv", content=content, mapping=mapping
    )
    # then
    assert counts(job) == {"total": 14_640, "created": 14_485, "duplicate": 155, "updated": 0, "error": 0}
    assert (job.status, job.processed_rows, job.next_row_offset) == (ImportJob.Status.DONE, 14_640, 14_640)
    assert Feedback.objects.filter(source=source).count() == 14_485
    first = Feedback.objects.get(external_id="570306133677760513")
    assert first.occurred_at == datetime(2015, 2, 24, 19, 35, tzinfo=UTC)


def test_womens_clothing_reviews_import_with_exact_counts(people, source):
    # given: 1,000 reviews; the first column is an unnamed index, Rating is a 1-5 score
    content = shared_file("womens_clothing_reviews/Womens_Clothing_E-Commerce_Reviews_first1000.csv")
    mapping = Mapping(columns={"external_id": 0, "comment": 4, "score": 5}, scale="csat")
    # when
    job = import_file(
        user=people["lead"], source=source, name="reviews.csv", content=content, mapping=mapping
    )
    # then
    assert job.headers[0] == ""
    assert counts(job) == {"total": 1_000, "created": 1_000, "duplicate": 0, "updated": 0, "error": 0}
    assert Feedback.objects.filter(scale="csat").count() == 1_000
    assert Feedback.objects.filter(score=5).count() == 546


def test_consumer_complaints_cut_at_1mib_import_with_exact_counts(people, source):
    # given: 2,067 complete complaints, then one cut off inside a quoted cell
    content = shared_file("cfpb_sample/complaints_truncated_1MiB.csv")
    mapping = Mapping(columns={"external_id": 17, "comment": 5, "occurred_at": 0}, team="team-a1")
    # when
    job = import_file(
        user=people["manager"], source=source, name="complaints.csv", content=content, mapping=mapping
    )
    # then
    assert counts(job) == {"total": 2_068, "created": 2_067, "duplicate": 0, "updated": 0, "error": 1}
    error = ImportRowError.objects.get(job=job)
    assert (error.line, error.field) == (3_302, "row")
    assert "cut short" in error.reason
    assert Feedback.objects.count() == 2_067


# --- the real Celery path ------------------------------------------------------------------


@pytest.fixture
def real_media(settings, media):
    """The worker process reads files from the configured MEDIA_ROOT, not from this test's tmp folder."""
    from cxloop.settings import base

    settings.MEDIA_ROOT = base.MEDIA_ROOT
    return settings.MEDIA_ROOT


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_imports_the_file_in_chunks(client, people, source, real_media, celery_worker_process):
    # given: 1,200 rows, so the worker runs more than one chunk
    rows = "".join(f"w-{n},{n % 11},Worker row {n}\r\n" for n in range(1200))
    content = ("id,score,comment\r\n" + rows).encode()
    client.force_login(people["lead"])
    client.post(reverse("imports:upload"), {"file": upload("worker.csv", content), "source": source.pk})
    job = ImportJob.objects.get()
    deadline = time.monotonic() + 60
    while job.status == ImportJob.Status.READING and time.monotonic() < deadline:
        time.sleep(0.3)  # the worker reads the file
        job.refresh_from_db()
    assert (job.status, job.total_rows) == (ImportJob.Status.UPLOADED, 1200)
    client.post(
        reverse("imports:map", args=[job.pk]),
        {
            "external_id_mode": ID_FROM_COLUMN,
            "col_external_id": "0",
            "col_score": "1",
            "col_comment": "2",
            "scale": "nps",
            "timezone": "UTC",
            "date_order": "dmy",
        },
    )
    # when: starting commits, then sends the task to the real worker
    client.post(reverse("imports:start", args=[job.pk]))
    job.refresh_from_db()
    deadline = time.monotonic() + 60
    while job.status == ImportJob.Status.RUNNING and time.monotonic() < deadline:
        time.sleep(0.3)
        job.refresh_from_db()
    # then
    try:
        assert counts(job) == {"total": 1200, "created": 1200, "duplicate": 0, "updated": 0, "error": 0}
        assert job.status == ImportJob.Status.DONE
        assert Feedback.objects.count() == 1200
    finally:
        job.file.delete(save=False)
