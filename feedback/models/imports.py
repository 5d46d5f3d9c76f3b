"""A file import (CSV or XLSX) and the rows it could not store.

These models belong to the `feedback` app: `feedback/models/` imports this module so that
Django registers them under that label (tables `feedback_importjob`, `feedback_importrowerror`).
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feedback.intake.imports.readers import FileInfo, Row
from feedback.models.record import Source


def _upload_path(instance: "ImportJob", filename: str) -> str:
    # The stored name never contains the user's file name (kept in original_name instead).
    return f"imports/{uuid.uuid4().hex}"


class ImportStatus(models.TextChoices):
    READING = "reading", _("Reading the file")  # stored on upload; a worker reads it (import_job_read)
    UPLOADED = "uploaded", _("Uploaded")
    MAPPED = "mapped", _("Mapped")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ImportFormat(models.TextChoices):
    CSV = "csv", _("CSV")
    XLSX = "xlsx", _("Excel (XLSX)")


class ImportJob(models.Model):
    Status = ImportStatus
    Format = ImportFormat

    # A running job whose last chunk committed longer ago than this has stalled (worker killed,
    # task lost while Redis was down) and may be resumed; a chunk takes a few seconds.
    STALL_AFTER = timedelta(minutes=5)
    # A job still reading after this lost its task (the broker was down on upload, the worker
    # died): no read runs longer, since Celery ends a task after CELERY_TASK_TIME_LIMIT (10 min).
    READ_STALL_AFTER = timedelta(minutes=15)

    file = models.FileField(upload_to=_upload_path, max_length=200)
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField()
    # From the upload's name and first bytes, in the upload request.
    format = models.CharField(max_length=8, choices=ImportFormat.choices)
    # Found by the worker that reads the file; encoding and delimiter are for CSV only.
    encoding = models.CharField(max_length=16, blank=True)
    delimiter = models.CharField(max_length=1, blank=True)
    headers = models.JSONField(default=list, blank=True)
    # The first data rows as read, [{"line", "cells", "problem"}], so that the mapping page
    # never opens the file, and the date order they settle ("dmy", "mdy" or "").
    preview_rows = models.JSONField(default=list, blank=True)
    date_order_guess = models.CharField(max_length=3, blank=True)

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="import_jobs")
    # {"columns": {contract key: column index}, "scale": ..., "external_id_mode": ..., ...}
    mapping = models.JSONField(default=dict, blank=True)

    status = models.CharField(
        max_length=16, choices=ImportStatus.choices, default=ImportStatus.READING, db_index=True
    )
    failure_reason = models.TextField(blank=True)
    total_rows = models.PositiveIntegerField(null=True, blank=True)  # known once the worker has read the file
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    # Data rows (not file lines) already committed: where a resumed import starts again.
    next_row_offset = models.PositiveIntegerField(default=0)
    # Automatic resumes since the last committed chunk: a chunk that keeps failing ends the job.
    stalled_resumes = models.PositiveSmallIntegerField(default=0)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="import_jobs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set on every committed chunk: a running job whose updated_at is old has stalled.
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ImportStatus.values),
                name="importjob_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(format__in=ImportFormat.values), name="importjob_format_valid"
            ),
            models.CheckConstraint(
                condition=Q(
                    processed_rows=F("created_count")
                    + F("duplicate_count")
                    + F("updated_count")
                    + F("error_count")
                ),
                name="importjob_counts_add_up",
            ),
        ]
        indexes = [
            models.Index(fields=["created_by", "-created_at"], name="importjob_by_user"),
            # What the stalled-import sweep scans.
            models.Index(fields=["updated_at"], name="importjob_running", condition=Q(status="running")),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def is_refused(self) -> bool:
        """The worker refused the file when reading it: nothing was imported and nothing can resume."""
        return self.status == self.Status.FAILED and self.started_at is None

    @property
    def preview(self) -> list[Row]:
        return [Row(**row) for row in self.preview_rows]

    @property
    def file_info(self) -> FileInfo:
        """How to read the stored file, as its first read found."""
        return FileInfo(
            format=self.format, headers=self.headers, encoding=self.encoding, delimiter=self.delimiter
        )

    @property
    def delimiter_label(self) -> str:
        return {"\t": "tabs", ",": "commas", ";": "semicolons", "|": "vertical bars"}.get(
            self.delimiter, self.delimiter
        )

    @property
    def is_stalled(self) -> bool:
        return self.status == self.Status.RUNNING and self.updated_at < timezone.now() - self.STALL_AFTER

    @property
    def can_resume(self) -> bool:
        return (self.status == self.Status.FAILED and not self.is_refused) or self.is_stalled

    @property
    def percent(self) -> int | None:
        if not self.total_rows:
            return 100 if self.status == self.Status.DONE else None
        return min(100, round(100 * self.processed_rows / self.total_rows))


class ImportRowError(models.Model):
    """One reason a row of an import was not stored, for the downloadable error report."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors")
    line = models.PositiveIntegerField()  # line in the file (CSV) or sheet row (XLSX) where the row starts
    field = models.CharField(max_length=100)
    reason = models.TextField()
    value = models.TextField(blank=True)  # the offending cell, cut to a few hundred characters

    class Meta:
        ordering = ["line", "field"]
        constraints = [
            models.UniqueConstraint(fields=["job", "line", "field"], name="importrowerror_unique_per_field"),
        ]

    def __str__(self) -> str:
        return f"line {self.line}, {self.field}: {self.reason}"
