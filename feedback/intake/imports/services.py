"""Writes of file imports: create from an upload, read it in a worker, map, start, run in chunks, resume.

The upload request only stores the file after cheap checks (size, name, first bytes); whatever
decompresses or parses it runs in a worker, within the bounds of `limits`: first one read of
the whole file (`import_job_read`) for its header, first rows and row count, then the import.

A chunk's rows go through `feedback_ingest_many`, the service behind the API's arrays, so an
imported row is `created`, `duplicate`, `updated` or `error` exactly as an API delivery would be.
A chunk of rows and the job's progress commit together in one transaction, under a lock on the
job row, and a chunk only runs from the offset the job has recorded: a re-delivered task, or a
resume racing the original task, finds the offset moved and does nothing. A chunk interrupted half-way (worker
killed) rolls back whole and is simply run again from the same offset.
"""

import hashlib
import logging
import time
from collections import Counter
from contextlib import closing
from dataclasses import asdict
from itertools import islice

from django.conf import settings
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy

from cxloop.core.exceptions import ApplicationError
from cxloop.core.tasks_util import enqueue_on_commit
from feedback.contract import ContractValidator
from feedback.models import Source
from feedback.models.imports import ImportJob, ImportRowError, ImportStatus
from feedback.permissions import Writer
from feedback.services.ingest import ERROR, feedback_ingest_many

from .mapping import Mapping, build_item, flatten_errors
from .readers import FileInfo, ImportFileError, Row, binary_file, data_rows, sniff_format, survey_file

logger = logging.getLogger(__name__)

CHUNK_SIZE = 500
# A task keeps taking chunks for this long, then hands over to a fresh task: the file is parsed
# once per task rather than once per chunk, and no task comes near Celery's time limits.
TIME_BUDGET_SECONDS = 20.0
MAX_AUTO_RESUMES = 3
ERROR_VALUE_CHARS = 200
STATUS_COUNTERS = {
    "created": "created_count",
    "duplicate": "duplicate_count",
    "updated": "updated_count",
    "error": "error_count",
}


def max_upload_bytes() -> int:
    """The largest file accepted (settings.CXLOOP_IMPORT_MAX_BYTES, 50 MiB by default)."""
    return getattr(settings, "CXLOOP_IMPORT_MAX_BYTES", 50 * 1024 * 1024)


def _import_run_task():
    from feedback.intake.imports.tasks import import_job_run

    return import_job_run


def _import_read_task():
    from feedback.intake.imports.tasks import import_job_read

    return import_job_read


# --- creating, reading, mapping, starting --------------------------------------------------


def import_job_create(*, uploaded_file, source: Source, user) -> ImportJob:
    """Store an uploaded CSV or XLSX file as a new import and have a worker read it."""
    if uploaded_file.size > max_upload_bytes():
        raise ApplicationError(
            gettext_lazy("The file is larger than %(max_upload_bytes)s.")
            % {"max_upload_bytes": filesizeformat(max_upload_bytes())}
        )
    if not source.active:
        raise ApplicationError(gettext_lazy("This source is not active."))
    try:
        file_format = sniff_format(fileobj=binary_file(uploaded_file), name=uploaded_file.name)
    except ImportFileError as exc:
        raise ApplicationError(str(exc)) from exc
    digest = hashlib.sha256()
    for block in uploaded_file.chunks():
        digest.update(block)
    job = ImportJob(
        original_name=uploaded_file.name[:255],
        sha256=digest.hexdigest(),
        size=uploaded_file.size,
        format=file_format,
        status=ImportJob.Status.READING,
        source=source,
        created_by=user,
    )
    job.file.save(uploaded_file.name, uploaded_file, save=False)
    with transaction.atomic():
        job.save()
        enqueue_on_commit(_import_read_task(), job_id=job.pk)
    logger.info("import %s: %s uploaded (%s bytes)", job.pk, job.format, job.size)
    return job


def import_job_read(*, job_id: int) -> None:
    """Read a new upload whole, within the file bounds: header, first rows, row count; or refuse it.

    The read holds no lock (it may take a minute); its result is written only if the job is
    still being read, so a read run twice (a task redelivered, a stalled read sent again) is harmless.
    """
    job = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.READING).first()
    if job is None:
        return
    try:
        with job.file.open("rb") as stored:
            survey = survey_file(fileobj=binary_file(stored), file_format=job.format)
    except ImportFileError as exc:
        import_job_refuse(job_id=job_id, reason=str(exc))
        return
    except FileNotFoundError:
        import_job_refuse(job_id=job_id, reason="The uploaded file is missing: upload it again.")
        return
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update(no_key=True)
            .filter(pk=job_id, status=ImportJob.Status.READING)
            .first()
        )
        if job is None:
            return
        job.encoding = survey.info.encoding
        job.delimiter = survey.info.delimiter
        job.headers = survey.info.headers
        job.preview_rows = [asdict(row) for row in survey.preview]
        job.date_order_guess = survey.date_order or ""
        job.total_rows = survey.total_rows
        job.stalled_resumes = 0
        job.status = ImportJob.Status.UPLOADED
        job.save()
    logger.info("import %s: read, %s columns, %s rows", job_id, len(survey.info.headers), survey.total_rows)


def import_job_refuse(*, job_id: int, reason: str) -> None:
    """Fail an upload that cannot be imported, saying why, before anything of it was imported."""
    _import_job_fail(job_id=job_id, reason=reason, from_status=ImportJob.Status.READING)


@transaction.atomic
def import_job_map(*, job: ImportJob, mapping: Mapping) -> ImportJob:
    """Record how columns map to contract keys; possible until the import starts."""
    job = ImportJob.objects.select_for_update(no_key=True).get(pk=job.pk)
    if job.status == ImportJob.Status.READING:
        raise ApplicationError(
            gettext_lazy("The file is still being read; map its columns once it has been read.")
        )
    if job.status not in (ImportJob.Status.UPLOADED, ImportJob.Status.MAPPED):
        raise ApplicationError(
            gettext_lazy("This import has already started; upload the file again to map it differently.")
        )
    job.mapping = mapping.to_json()
    job.status = ImportJob.Status.MAPPED
    job.save(update_fields=["mapping", "status", "updated_at"])
    return job


@transaction.atomic
def import_job_start(*, job: ImportJob) -> ImportJob:
    """Start a mapped import: its chunks run as Celery tasks, the first one after commit."""
    job = ImportJob.objects.select_for_update(no_key=True).get(pk=job.pk)
    if job.status != ImportJob.Status.MAPPED:
        raise ApplicationError(gettext_lazy("Only a mapped import can be started."))
    job.status = ImportJob.Status.RUNNING
    job.started_at = timezone.now()
    job.save(update_fields=["status", "started_at", "updated_at"])
    enqueue_on_commit(_import_run_task(), job_id=job.pk, offset=0)
    logger.info("import %s: started", job.pk)
    return job


# --- running -------------------------------------------------------------------------------


def import_job_run_chunks(
    *, job_id: int, offset: int, chunk_size: int = CHUNK_SIZE, time_budget: float = TIME_BUDGET_SECONDS
) -> None:
    """Import chunks of a running job from `offset` until the file ends or the time budget is spent.

    Each chunk commits with the job's progress; when time runs out with rows left, the next task
    is enqueued in the same transaction, after commit. With `time_budget=0` exactly one chunk runs.
    """
    deadline = time.monotonic() + time_budget
    job = ImportJob.objects.select_related("source").filter(pk=job_id).first()
    if job is None or job.status != ImportJob.Status.RUNNING or job.next_row_offset != offset:
        return  # finished, failed, or another task already moved past this offset
    if not job.source.active:
        _import_job_fail(job_id=job_id, reason=f'The source "{job.source.name}" was deactivated.')
        return
    info = job.file_info
    try:
        with job.file.open("rb") as stored:
            fileobj = binary_file(stored)
            if job.total_rows is None:  # started before uploads were read whole by a worker
                job.total_rows = _count_rows(fileobj=fileobj, info=info)
                ImportJob.objects.filter(pk=job_id, total_rows__isnull=True).update(total_rows=job.total_rows)
            with closing(data_rows(fileobj=fileobj, info=info, offset=offset)) as rows:
                next_offset: int | None = offset
                while next_offset is not None:
                    next_offset = _import_chunk(
                        job=job,
                        rows=list(islice(rows, chunk_size)),
                        offset=next_offset,
                        chunk_size=chunk_size,
                        deadline=deadline,
                    )
    except ImportFileError as exc:
        # The bounds are checked on every read, so a limit lowered since the upload stops here.
        _import_job_fail(job_id=job_id, reason=str(exc))
    except FileNotFoundError as exc:
        _import_job_fail(job_id=job_id, reason=f"The file could not be read: {exc}")


def _count_rows(*, fileobj, info: FileInfo) -> int:
    """Data rows in the file; more than the limit is an ImportFileError."""
    with closing(data_rows(fileobj=fileobj, info=info)) as rows:
        return sum(1 for _ in rows)


def _import_chunk(
    *, job: ImportJob, rows: list[Row], offset: int, chunk_size: int, deadline: float
) -> int | None:
    """Import `rows` and record progress in one transaction; the offset to go on from here, or None."""
    with transaction.atomic():
        locked = (
            ImportJob.objects.select_for_update(no_key=True, skip_locked=True)
            .filter(pk=job.pk, status=ImportJob.Status.RUNNING, next_row_offset=offset)
            .first()
        )
        if locked is None:
            return None  # resumed elsewhere or cancelled meanwhile: that runner owns the job now
        mapping = Mapping.from_json(locked.mapping)
        counts: Counter[str] = Counter()
        errors: list[ImportRowError] = []
        outcomes = _import_rows(rows=rows, job=job, mapping=mapping)
        for row, (status, problems) in zip(rows, outcomes, strict=True):
            counts[status] += 1
            errors.extend(
                ImportRowError(
                    job=locked,
                    line=row.line,
                    field=field[:100],
                    reason=reason,
                    value=_cell_for(row=row, field=field, mapping=mapping)[:ERROR_VALUE_CHARS],
                )
                for field, reason in problems.items()
            )
        ImportRowError.objects.bulk_create(errors)

        next_offset = offset + len(rows)
        for status, attribute in STATUS_COUNTERS.items():
            setattr(locked, attribute, getattr(locked, attribute) + counts[status])
        locked.processed_rows += len(rows)
        locked.next_row_offset = next_offset
        locked.stalled_resumes = 0
        finished = len(rows) < chunk_size or next_offset >= (job.total_rows or 0)
        handed_over = False
        if finished:
            locked.status = ImportJob.Status.DONE
            locked.finished_at = timezone.now()
        elif time.monotonic() >= deadline:
            enqueue_on_commit(_import_run_task(), job_id=job.pk, offset=next_offset)
            handed_over = True
        locked.save(
            update_fields=[
                *STATUS_COUNTERS.values(),
                "processed_rows",
                "next_row_offset",
                "stalled_resumes",
                "status",
                "finished_at",
                "updated_at",
            ]
        )
    if finished:
        logger.info("import %s: done, %s rows", job.pk, next_offset)
    return None if finished or handed_over else next_offset


def _import_rows(*, rows: list[Row], job: ImportJob, mapping: Mapping) -> list[tuple[str, dict[str, str]]]:
    """The ingestion status of each row and its problems by field, in order.

    Rows that convert are stored together, as the API stores an array (`feedback_ingest_many`);
    rows that do not are reported with everything wrong with them at once.
    """
    validator = ContractValidator()
    outcomes: dict[int, tuple[str, dict[str, str]]] = {}
    items, positions = [], []
    for position, row in enumerate(rows):
        if row.problem:
            outcomes[position] = (ERROR, {"row": row.problem})
            continue
        raw, problems = build_item(
            cells=row.cells, headers=job.headers, mapping=mapping, source_slug=job.source.slug
        )
        if problems:
            # The contract checks the cells that converted, so the report lists every problem.
            _, contract_errors = validator.validate(
                {key: value for key, value in raw.items() if key not in problems}
            )
            outcomes[position] = (ERROR, {**flatten_errors(contract_errors or {}), **problems})
            continue
        positions.append(position)
        items.append(raw)
    # The rows are written as the person who started the import, under the same policy as their forms.
    writer = Writer.for_person(job.created_by) if job.created_by else Writer.nobody()
    stored = feedback_ingest_many(items=items, writer=writer) if items else []
    for position, result in zip(positions, stored, strict=True):
        outcomes[position] = (result.status, flatten_errors(result.errors) if result.status == ERROR else {})
    return [outcomes[position] for position in range(len(rows))]


def _cell_for(*, row: Row, field: str, mapping: Mapping) -> str:
    index = mapping.columns.get(field)
    if index is None or index >= len(row.cells):
        return ""
    return row.cells[index]


def _import_job_fail(*, job_id: int, reason: str, from_status: ImportStatus = ImportStatus.RUNNING) -> None:
    with transaction.atomic():
        job = ImportJob.objects.select_for_update(no_key=True).filter(pk=job_id).first()
        if job is None or job.status != from_status:
            return
        job.status = ImportJob.Status.FAILED
        job.failure_reason = reason
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "failure_reason", "finished_at", "updated_at"])
    logger.warning("import %s failed: %s", job_id, reason)
