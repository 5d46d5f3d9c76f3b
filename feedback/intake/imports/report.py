"""The downloadable error report of an import, safe to open in a spreadsheet.

A cell starting with = + - @ (or a tab or carriage return) is a formula to Excel, LibreOffice
and Google Sheets, and file contents end up in the report (the offending value, reasons that
quote it). Such cells get a leading single quote so that they show as text (OWASP, "CSV
Injection").
"""

import csv
from collections.abc import Iterable, Iterator

from feedback.models.imports import ImportRowError

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
HEADER = ("line", "field", "reason", "value")


def spreadsheet_safe(value) -> str:
    text = str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


class _Line:
    """A file-like sink for csv.writer that hands back what was written."""

    def write(self, text: str) -> str:
        return text


def error_report_lines(*, errors: Iterable[ImportRowError]) -> Iterator[str]:
    """CSV text, one row at a time (for a streaming response); starts with a BOM so Excel reads UTF-8."""
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow(HEADER)
    for error in errors:
        yield writer.writerow(
            [spreadsheet_safe(cell) for cell in (error.line, error.field, error.reason, error.value)]
        )
