"""Erasing a customer from the raw copies intake keeps: import files, their preview and error rows,
and webhook dead letters (bodies that could not be stored as feedback).

These copies are not linked to the customer row, so they are searched for the customer's needles
(feedback.privacy.needles). An import file that names the customer is deleted (after commit, so a
rolled-back erasure or a dry run keeps it): it is only kept to resume an import, and rewriting a
spreadsheet in place would change the rows a resumed import counts. Its preview rows and error rows
for the customer's lines are blanked, so the job's page and error report stay, without them.
"""

import json
import logging
from functools import partial

from django.db import transaction

from feedback.intake.imports.readers import data_rows
from feedback.models import ImportJob, ImportRowError, WebhookDeadLetter

from .needles import Needles
from .registry import Counts

logger = logging.getLogger(__name__)

ERASED_REASON = "(erased with the customer's personal data)"
FILE_GONE = "The file was deleted when a customer named in it was erased; it cannot be resumed."


def raw_copies_erase(*, needles: Needles, lock: bool = True) -> Counts:
    """Blank the customer's rows of import jobs and parts of dead letters; counts per kind.

    Every job and dead letter is searched, so each is locked while it is (an import writing its
    preview at the same time would otherwise bring the customer back); a dry run, rolled back,
    locks only the rows it changes (`lock=False`), so a preview does not stall running imports."""
    if not needles:
        return {}
    counts = _imports_erase(needles=needles, lock=lock)
    counts["feedback.dead_letters"] = _dead_letters_erase(needles=needles, lock=lock)
    return counts


# --- imports ------------------------------------------------------------------------------


def _file_lines(job: ImportJob, needles: Needles) -> set[int]:
    """Lines of the job's stored file whose cells name the customer (none when it cannot be read)."""
    if not job.file:
        return set()
    try:
        with job.file.open("rb") as fileobj:
            return {
                row.line
                for row in data_rows(fileobj=fileobj, info=job.file_info)
                if any(map(needles.in_cell, row.cells))
            }
    except Exception:
        # A file that cannot be read (gone from storage, refused on upload) holds nothing to search;
        # its preview and error rows are still searched below.
        logger.warning("import %s: stored file not readable while erasing", job.pk, exc_info=True)
        return set()


def _imports_erase(*, needles: Needles, lock: bool) -> Counts:
    files = rows = errors = 0
    jobs = ImportJob.objects.select_for_update(no_key=True) if lock else ImportJob.objects.all()
    for job in jobs.order_by("pk"):
        lines = _file_lines(job, needles)
        preview = [dict(row) for row in job.preview_rows]
        lines |= {row["line"] for row in preview if any(map(needles.in_cell, row.get("cells", [])))}
        changed = [row for row in preview if row["line"] in lines and any(row.get("cells", []))]
        for row in changed:
            row["cells"] = ["" for _ in row["cells"]]
        job_errors = [
            error.pk
            for error in job.row_errors.all()
            if error.line in lines or needles.in_cell(error.value) or needles.in_cell(error.reason)
        ]
        errors += (
            ImportRowError.objects.filter(pk__in=job_errors)
            .exclude(value="", reason=ERASED_REASON)
            .update(value="", reason=ERASED_REASON)
        )
        fields = []
        if changed:
            job.preview_rows = preview
            rows += len(changed)
            fields.append("preview_rows")
        if job.file and lines:
            transaction.on_commit(partial(job.file.storage.delete, job.file.name))
            job.file = ""
            files += 1
            fields.append("file")
            if not job.is_finished or job.can_resume:
                job.status, job.failure_reason = ImportJob.Status.FAILED, FILE_GONE
                fields += ["status", "failure_reason"]
        if fields:
            job.save(update_fields=[*fields, "updated_at"])
    return {"feedback.import_files": files, "feedback.import_rows": rows, "feedback.import_errors": errors}


# --- webhook dead letters -------------------------------------------------------------------


def _mentions(node, needles: Needles) -> bool:
    if isinstance(node, str):
        return needles.in_cell(node)
    if isinstance(node, list):
        return any(_mentions(item, needles) for item in node)
    if isinstance(node, dict):
        return any(_mentions(value, needles) for value in node.values())
    return False


def _blank(node):
    """Every string of `node` emptied; numbers, booleans and the shape kept."""
    if isinstance(node, str):
        return ""
    if isinstance(node, list):
        return [_blank(item) for item in node]
    if isinstance(node, dict):
        return {key: _blank(value) for key, value in node.items()}
    return node


def scrub(node, needles: Needles):
    """`node` without the customer: in a list (a page of items) only the items naming them are blanked;
    an object naming them is blanked whole (their comment sits beside their email, not inside it)."""
    if not _mentions(node, needles):
        return node
    if isinstance(node, list):
        return [scrub(item, needles) for item in node]
    if isinstance(node, dict) and any(isinstance(v, list) and _mentions(v, needles) for v in node.values()):
        return {key: scrub(value, needles) for key, value in node.items()}
    return _blank(node)


def _scrubbed_body(body: bytes, needles: Needles) -> bytes | None:
    """The body without the customer, or None when it does not name them."""
    text = body.decode("utf-8", errors="replace")
    try:
        parsed = json.loads(text)
    except ValueError:
        # Not JSON (a form post, a body cut at MAX_BODY_BYTES): nothing can be kept apart from them.
        return b"" if needles.in_text(text) else None
    if not _mentions(parsed, needles):
        return None
    return json.dumps(scrub(parsed, needles)).encode()


def _dead_letters_erase(*, needles: Needles, lock: bool) -> int:
    changed = 0
    letters = WebhookDeadLetter.objects.select_for_update(no_key=True) if lock else WebhookDeadLetter.objects
    for letter in letters.order_by("pk"):
        body = _scrubbed_body(bytes(letter.body), needles)
        errors = scrub(letter.errors, needles)
        if body is None and errors == letter.errors:
            continue
        if body is not None:
            letter.body = body
        letter.errors = errors
        letter.save(update_fields=["body", "errors"])
        changed += 1
    return changed
