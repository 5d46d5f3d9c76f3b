"""What an imported file may hold, each bound a setting, and the error that refuses a file.

Every bound is checked while the file streams through a worker, never after loading it whole:
`readers` counts rows, columns and cell lengths as it goes, and `xlsx` checks a workbook's zip
before openpyxl reads any of it.
"""

from django.conf import settings
from django.template.defaultfilters import filesizeformat


class ImportFileError(Exception):
    """The file cannot be imported at all (as opposed to one bad row)."""


def max_rows() -> int:
    """Data rows one file may hold (settings.CXLOOP_IMPORT_MAX_ROWS, 100,000 by default)."""
    return getattr(settings, "CXLOOP_IMPORT_MAX_ROWS", 100_000)


def max_columns() -> int:
    """Columns the header row may have (settings.CXLOOP_IMPORT_MAX_COLUMNS, 200 by default)."""
    return getattr(settings, "CXLOOP_IMPORT_MAX_COLUMNS", 200)


def max_cell_chars() -> int:
    """Characters one cell may hold (settings.CXLOOP_IMPORT_MAX_CELL_CHARS, 32,767 by default).

    32,767 is Excel's own limit, so no cell Excel writes is refused; a longer CSV cell is nearly
    always a missing closing quote that swallowed the lines after it.
    """
    return getattr(settings, "CXLOOP_IMPORT_MAX_CELL_CHARS", 32_767)


def xlsx_max_unpacked_bytes() -> int:
    """What a workbook may unpack to (settings.CXLOOP_IMPORT_XLSX_MAX_UNPACKED_BYTES, 100 MiB).

    A spreadsheet unpacks to 5-20 times its size (100,000 rows of 10 columns: about 60 MB), while
    a zip bomb of 1 MB unpacks to hundreds of MB that openpyxl would parse for minutes.
    """
    return getattr(settings, "CXLOOP_IMPORT_XLSX_MAX_UNPACKED_BYTES", 100 * 1024 * 1024)


def too_many_rows() -> ImportFileError:
    return ImportFileError(
        f"The file has more than {max_rows():,} rows, the limit: split it into smaller files."
    )


def unpacks_too_much(*, found: str) -> ImportFileError:
    limit = filesizeformat(xlsx_max_unpacked_bytes())
    return ImportFileError(
        f"The spreadsheet unpacks to {found} (limit {limit}): split it into smaller files or save it as CSV."
    )
