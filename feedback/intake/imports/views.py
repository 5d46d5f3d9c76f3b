"""Pages of a file import: upload, map columns with a preview, watch progress, download errors."""

from django.contrib import messages
from django.http import StreamingHttpResponse
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from cxloop.core.auditlog.record import audit_export
from cxloop.core.exceptions import ApplicationError
from cxloop.org.models import Role
from cxloop.org.permissions import role_required
from feedback.models.imports import ImportJob

from . import resume, selectors, services
from .forms import MappingForm, UploadForm
from .mapping import Mapping
from .report import error_report_lines

IMPORT_ROLES = (Role.TEAM_LEAD, Role.MANAGER)  # and admins, who pass every role check
# Room for the multipart envelope and the other form fields around the file itself.
MULTIPART_ALLOWANCE = 64 * 1024
RECENT_JOBS = 20
ERRORS_ON_PAGE = 20
READING_REFRESH_SECONDS = 2


def _request_too_large(request) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > services.max_upload_bytes() + MULTIPART_ALLOWANCE


def _upload_page(request, form: UploadForm, *, status: int = 200, error: str = "") -> TemplateResponse:
    context = {
        "form": form,
        "error": error,
        "jobs": selectors.import_jobs_visible_to(user=request.user)[:RECENT_JOBS],
        "max_bytes": services.max_upload_bytes(),
    }
    return TemplateResponse(request, "feedback/imports/upload.html", context, status=status)


# CSRF is checked inside, after the size: Django's CSRF middleware reads request.POST, which
# would receive and buffer the whole upload before any limit could refuse it.
@csrf_exempt
@require_http_methods(["GET", "POST"])
@role_required(*IMPORT_ROLES)
def import_upload(request):
    """Page 1: choose a file and its source; oversized uploads are refused before they are read."""
    if request.method == "POST" and _request_too_large(request):
        error = f"The file is larger than {filesizeformat(services.max_upload_bytes())}."
        return _upload_page(request, UploadForm(user=request.user), status=413, error=error)
    return _import_upload_checked(request)


@csrf_protect
def _import_upload_checked(request):
    if request.method != "POST":
        return _upload_page(request, UploadForm(user=request.user))
    form = UploadForm(request.POST, request.FILES, user=request.user)
    if form.is_valid():
        try:
            job = services.import_job_create(
                uploaded_file=form.cleaned_data["file"], source=form.cleaned_data["source"], user=request.user
            )
        except ApplicationError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("imports:map", pk=job.pk)
    return _upload_page(request, form, status=400)


@require_http_methods(["GET", "POST"])
@role_required(*IMPORT_ROLES)
def import_map(request, pk: int):
    """Page 2: map columns to contract keys, with the first rows as read and as they will import.

    Until a worker has read the file, the page says so and reloads itself; a refused file sends
    on to the import's page, which gives the reason. The file itself is never opened here.
    """
    job = selectors.import_job_get(user=request.user, job_id=pk)
    if job.status == ImportJob.Status.READING:
        response = TemplateResponse(
            request, "feedback/imports/mapping.html", {"job": job, "refresh": READING_REFRESH_SECONDS}
        )
        # The Refresh header reloads the page in every browser, without JavaScript.
        response.headers["Refresh"] = str(READING_REFRESH_SECONDS)
        return response
    if job.status not in (ImportJob.Status.UPLOADED, ImportJob.Status.MAPPED):
        return redirect("imports:detail", pk=job.pk)
    if request.method == "POST":
        form = MappingForm(request.POST, headers=job.headers, **_teams(request.user))
        if form.is_valid():
            try:
                services.import_job_map(job=job, mapping=form.to_mapping())
            except ApplicationError as exc:
                messages.error(request, exc.message)
                return redirect("imports:detail", pk=job.pk)
            return redirect("imports:map", pk=job.pk)
    else:
        initial = _initial_mapping(request, job)
        form = MappingForm(initial=initial, headers=job.headers, **_teams(request.user))
    rows = job.preview
    context = {
        "job": job,
        "form": form,
        "rows": rows,
        "items": selectors.import_job_item_preview(job=job, rows=rows) if job.mapping else [],
        "earlier": selectors.import_job_earlier_imports(job=job, user=request.user)[:3],
    }
    return TemplateResponse(
        request, "feedback/imports/mapping.html", context, status=400 if form.errors else 200
    )


def _teams(user) -> dict:
    from feedback.selectors import teams_to_file_under

    under = teams_to_file_under(user=user)
    return {"teams": under.teams, "team_required": under.required}


def _initial_mapping(request, job: ImportJob) -> dict:
    if job.mapping:
        return MappingForm.initial_from(Mapping.from_json(job.mapping))
    suggested = selectors.import_job_suggested_mapping(job=job, user=request.user)
    if suggested:
        return MappingForm.initial_from(Mapping.from_json(suggested))
    return {"date_order": job.date_order_guess} if job.date_order_guess else {}


@require_POST
@role_required(*IMPORT_ROLES)
def import_start(request, pk: int):
    """Start a mapped import in the background."""
    job = selectors.import_job_get(user=request.user, job_id=pk)
    try:
        services.import_job_start(job=job)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("imports:detail", pk=job.pk)


@require_GET
@vary_on_headers("HX-Request")
@role_required(*IMPORT_ROLES)
def import_detail(request, pk: int):
    """Progress of an import; htmx polls the progress partial until the import finishes."""
    job = selectors.import_job_get(user=request.user, job_id=pk)
    context: dict[str, object] = {"job": job}
    before_start = (ImportJob.Status.READING, ImportJob.Status.UPLOADED, ImportJob.Status.MAPPED)
    if job.status in before_start and not request.htmx:
        return redirect("imports:map", pk=job.pk)
    if request.htmx:
        return TemplateResponse(request, "feedback/imports/job_detail.html#progress", context)
    if job.is_finished and job.error_count:
        context["errors"] = selectors.import_job_row_errors(job=job)[:ERRORS_ON_PAGE]
    return TemplateResponse(request, "feedback/imports/job_detail.html", context)


@require_POST
@role_required(*IMPORT_ROLES)
def import_resume(request, pk: int):
    """Resume a stalled or failed import from the first row it did not commit."""
    job = selectors.import_job_get(user=request.user, job_id=pk)
    if resume.import_job_resume(job_id=job.pk):
        messages.success(request, _("The import continues from where it stopped."))
    else:
        messages.info(request, _("This import is not stalled; nothing to resume."))
    return redirect("imports:detail", pk=job.pk)


@require_GET
@role_required(*IMPORT_ROLES)
def import_errors_csv(request, pk: int) -> StreamingHttpResponse:
    """The row-level error report (line, field, reason, value) as CSV, safe to open in a spreadsheet."""
    job = selectors.import_job_get(user=request.user, job_id=pk)
    errors = selectors.import_job_row_errors(job=job).iterator(chunk_size=2000)
    audit_export(request, what="import_errors", target=job)
    response = StreamingHttpResponse(
        error_report_lines(errors=errors), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
    return response
