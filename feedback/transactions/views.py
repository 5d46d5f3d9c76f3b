"""The page that imports a file of transactions and reports each bad row (line, field, reason)."""

import csv

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from cxloop.core.auditlog.record import audit_export
from feedback.intake.imports.limits import ImportFileError
from feedback.intake.imports.report import spreadsheet_safe
from feedback.permissions import Writer

from .imports import COLUMNS, ImportReport, max_bytes, max_rows, transactions_import
from .permissions import transaction_writer_refusal

MULTIPART_ALLOWANCE = 64 * 1024


class TransactionFileForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=_("CSV (.csv, .txt, .tsv) or Excel (.xlsx)."))
    report_as_csv = forms.BooleanField(
        label=_("Answer with the report of bad rows as a CSV file"), required=False
    )


def _writer(request) -> Writer:
    writer = Writer.for_person(request.user)
    refusal = transaction_writer_refusal(writer)
    if refusal is not None:
        raise PermissionDenied(refusal)
    return writer


def _page(request, form, *, report: ImportReport | None = None, error: str = "", status: int = 200):
    context = {
        "form": form,
        "report": report,
        "error": error,
        "columns": COLUMNS,
        "max_bytes": max_bytes(),
        "max_rows": number_format(max_rows(), force_grouping=True),
    }
    return TemplateResponse(request, "feedback/transactions/import.html", context, status=status)


class _CsvLine:
    """A sink for csv.writer that hands back the line it wrote."""

    def write(self, text: str) -> str:
        return text


def _report_csv(report: ImportReport):
    """The bad rows as CSV, one line at a time, safe to open in a spreadsheet (formulas quoted)."""
    writer = csv.writer(_CsvLine())
    yield "\ufeff" + writer.writerow(("line", "field", "reason", "value"))
    for error in report.errors:
        yield writer.writerow(
            [spreadsheet_safe(cell) for cell in (error.line, error.field, error.reason, error.value)]
        )


# CSRF is checked inside, after the size (as for feedback imports: the CSRF middleware would
# buffer the whole upload before any limit could refuse it).
@csrf_exempt
@require_http_methods(["GET", "POST"])
def transactions_import_view(request):
    """Upload a file of orders, renewals, refunds and churn; good rows are stored, bad ones reported."""
    _writer(request)
    length = request.META.get("CONTENT_LENGTH") or "0"
    if request.method == "POST" and (not length.isdigit() or int(length) > max_bytes() + MULTIPART_ALLOWANCE):
        error = _("The file is larger than %(size)s.") % {"size": filesizeformat(max_bytes())}
        return _page(request, TransactionFileForm(), error=error, status=413)
    return _transactions_import_checked(request)


@csrf_protect
def _transactions_import_checked(request):
    writer = _writer(request)
    if request.method != "POST":
        return _page(request, TransactionFileForm())
    form = TransactionFileForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form, status=400)
    upload = form.cleaned_data["file"]
    try:
        report = transactions_import(fileobj=upload.file, name=upload.name, size=upload.size, writer=writer)
    except ImportFileError as exc:
        form.add_error("file", str(exc))
        return _page(request, form, status=400)
    if form.cleaned_data["report_as_csv"]:
        audit_export(request, what="customer_transactions.import_report", rows=len(report.errors))
        response = StreamingHttpResponse(_report_csv(report), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="transaction-import-errors.csv"'
        return response
    return _page(request, TransactionFileForm(), report=report)
