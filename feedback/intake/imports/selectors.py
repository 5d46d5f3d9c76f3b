"""Reads of file imports, scoped to who may see them: the creator, and admins."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from cxloop.org.models import Role
from cxloop.org.scoping import scope_for
from feedback.contract import validate_item
from feedback.models.imports import ImportJob, ImportRowError

from .mapping import Mapping, build_item, flatten_errors
from .readers import Row


def import_jobs_visible_to(*, user) -> QuerySet[ImportJob]:
    """Imports the user started; every import for admins."""
    jobs = ImportJob.objects.select_related("source", "created_by")
    if scope_for(user).has_role(Role.ADMIN):
        return jobs
    return jobs.filter(created_by=user.pk)


def import_job_get(*, user, job_id: int) -> ImportJob:
    """One import, or 404 when it does not exist or belongs to someone else."""
    return get_object_or_404(import_jobs_visible_to(user=user), pk=job_id)


def import_job_item_preview(*, job: ImportJob, rows: list[Row]) -> list[dict]:
    """The first rows as the contract items they will become, each with what is wrong with it."""
    mapping = Mapping.from_json(job.mapping)
    preview = []
    for row in rows:
        if row.problem:
            preview.append({"line": row.line, "item": {}, "errors": {"row": row.problem}})
            continue
        raw, problems = build_item(
            cells=row.cells, headers=job.headers, mapping=mapping, source_slug=job.source.slug
        )
        valid = {key: value for key, value in raw.items() if key not in problems}
        _, errors = validate_item(valid)
        preview.append(
            {"line": row.line, "item": raw, "errors": {**flatten_errors(errors or {}), **problems}}
        )
    return preview


def import_job_suggested_mapping(*, job: ImportJob, user) -> dict:
    """The mapping of the user's latest import of a file with the same columns, to start from."""
    previous = (
        import_jobs_visible_to(user=user)
        .exclude(pk=job.pk)
        .filter(headers=job.headers)
        .exclude(mapping={})
        .order_by("-created_at")
        .values_list("mapping", flat=True)
        .first()
    )
    return previous or {}


def import_job_earlier_imports(*, job: ImportJob, user) -> QuerySet[ImportJob]:
    """Earlier imports of the very same file into the same source (a re-import stores only duplicates)."""
    return (
        import_jobs_visible_to(user=user)
        .filter(sha256=job.sha256, source=job.source_id)
        .exclude(pk=job.pk)
        .order_by("-created_at")
    )


def import_job_row_errors(*, job: ImportJob) -> QuerySet[ImportRowError]:
    return job.row_errors.order_by("line", "field")
