"""A file of transactions (CSV or XLSX): read as it streams, stored in chunks through the same
service as the API, so a bad row never costs a good one; a report names each bad row's line,
field and reason.

Small files only, read in the request (the worker pipeline of feedback imports is built around a
source and a column mapping, which transactions have neither of): at most
CXLOOP_TRANSACTION_IMPORT_MAX_ROWS rows and CXLOOP_TRANSACTION_IMPORT_MAX_BYTES bytes; larger
exports go through the API in batches of 1,000.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from feedback.intake.imports.limits import ImportFileError
from feedback.intake.imports.readers import FileInfo, Row, data_rows, sniff_format, survey_file
from feedback.models import TransactionKind
from feedback.permissions import Writer
from feedback.services.ingest import CREATED, DUPLICATE, ERROR, UPDATED

from .contract import MAX_BATCH
from .services import customer_transactions_record

COLUMNS = ("customer", "kind", "external_id", "amount", "occurred_at")
REQUIRED = ("customer", "kind", "external_id", "occurred_at")
# Errors kept for the page and the report; beyond this they are only counted.
MAX_REPORTED = 1000
VALUE_CHARS = 200


def max_rows() -> int:
    """Data rows one file may hold (settings.CXLOOP_TRANSACTION_IMPORT_MAX_ROWS, 20,000 by default)."""
    return getattr(settings, "CXLOOP_TRANSACTION_IMPORT_MAX_ROWS", 20_000)


def max_bytes() -> int:
    """Size one file may have (settings.CXLOOP_TRANSACTION_IMPORT_MAX_BYTES, 5 MB by default)."""
    return getattr(settings, "CXLOOP_TRANSACTION_IMPORT_MAX_BYTES", 5 * 1024 * 1024)


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    reason: str
    value: str = ""


@dataclass
class ImportReport:
    rows: int = 0
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys((CREATED, DUPLICATE, UPDATED, ERROR), 0)
    )
    errors: list[RowError] = field(default_factory=list)
    errors_not_listed: int = 0
    ignored_columns: list[str] = field(default_factory=list)

    def add_error(self, error: RowError) -> None:
        if len(self.errors) < MAX_REPORTED:
            self.errors.append(error)
        else:
            self.errors_not_listed += 1


def _columns(headers: list[str]) -> dict[str, int]:
    """Contract key -> column index, from the header row (names as in the API, any case)."""
    found: dict[str, int] = {}
    for index, name in enumerate(headers):
        key = name.strip().lower().replace(" ", "_")
        if key in COLUMNS and key not in found:
            found[key] = index
    missing = [name for name in REQUIRED if name not in found]
    if missing:
        raise ImportFileError(
            f"The header row lacks the column(s) {', '.join(missing)}; "
            f"the columns are {', '.join(COLUMNS)} (amount may be empty for a churn)."
        )
    return found


KIND_WORDS = {
    **{value: value for value in TransactionKind.values},
    **{str(label).lower(): value for value, label in TransactionKind.choices},
}


def _occurred_at(text: str) -> str:
    """ISO 8601 as the API takes it; a time or date without an offset is in the site's time zone."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text  # the service names the field and the reason
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment.isoformat()


def _item(row: Row, columns: dict[str, int]) -> dict:
    cells = {key: row.cells[index].strip() for key, index in columns.items() if index < len(row.cells)}
    item: dict = {key: value for key, value in cells.items() if value != ""}
    if "kind" in item:
        item["kind"] = KIND_WORDS.get(item["kind"].lower(), item["kind"])
    if "occurred_at" in item:
        item["occurred_at"] = _occurred_at(item["occurred_at"])
    return item


def _store_chunk(chunk: list[tuple[Row, dict]], *, writer: Writer, report: ImportReport) -> None:
    results = customer_transactions_record(items=[item for _, item in chunk], writer=writer)
    for (row, item), result in zip(chunk, results, strict=True):
        report.counts[result.status] += 1
        for name, reasons in result.errors.items():
            value = str(item.get(name, ""))[:VALUE_CHARS]
            for reason in reasons:
                report.add_error(RowError(line=row.line, field=name, reason=reason, value=value))


def transactions_import(*, fileobj, name: str, size: int, writer: Writer) -> ImportReport:
    """Store every good row of the file; ImportFileError when the file as a whole cannot be read."""
    if size > max_bytes():
        raise ImportFileError(f"The file is larger than {max_bytes() // (1024 * 1024)} MB: split it.")
    file_format = sniff_format(fileobj=fileobj, name=name)
    survey = survey_file(fileobj=fileobj, file_format=file_format)
    if survey.total_rows > max_rows():
        raise ImportFileError(f"The file has {survey.total_rows:,} rows (limit {max_rows():,}): split it.")
    info: FileInfo = survey.info
    columns = _columns(info.headers)
    report = ImportReport(
        ignored_columns=[h for i, h in enumerate(info.headers) if i not in columns.values()]
    )
    chunk: list[tuple[Row, dict]] = []
    for row in data_rows(fileobj=fileobj, info=info):
        report.rows += 1
        if row.problem:
            report.counts[ERROR] += 1
            report.add_error(RowError(line=row.line, field="row", reason=row.problem))
            continue
        chunk.append((row, _item(row, columns)))
        if len(chunk) == MAX_BATCH:
            _store_chunk(chunk, writer=writer, report=report)
            chunk = []
    if chunk:
        _store_chunk(chunk, writer=writer, report=report)
    return report
