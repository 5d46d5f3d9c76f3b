"""Reading an uploaded CSV or XLSX file as rows of text cells, whatever its encoding.

CSV encodings: a byte-order mark decides UTF-8 or UTF-16; without one, UTF-16 is recognised
by its NUL bytes, then the whole file is tried as strict UTF-8 and, failing that, read as
Windows-1252 (what Excel on Windows writes), with Latin-1 as the last resort because it
decodes any byte. XLSX is read with openpyxl in read-only (streaming) mode; formulas are kept
as their text, never evaluated.
"""

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import PurePath

from django.conf import settings

CSV_EXTENSIONS = frozenset({".csv", ".txt", ".tsv"})
XLSX_EXTENSIONS = frozenset({".xlsx"})
DELIMITERS = (",", ";", "\t", "|")
SNIFF_BYTES = 64 * 1024
DECODE_BLOCK = 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls (and .doc) container


def max_columns() -> int:
    return getattr(settings, "CXLOOP_IMPORT_MAX_COLUMNS", 200)


def max_rows() -> int:
    return getattr(settings, "CXLOOP_IMPORT_MAX_ROWS", 100_000)


def xlsx_max_unpacked_bytes() -> int:
    # A zip bomb check: an XLSX expands about 5-10 times; far more than that is not a spreadsheet.
    return getattr(settings, "CXLOOP_IMPORT_XLSX_MAX_UNPACKED_BYTES", 500 * 1024 * 1024)


class ImportFileError(Exception):
    """The file cannot be imported at all (as opposed to one bad row)."""


@dataclass(frozen=True)
class FileInfo:
    format: str  # "csv" or "xlsx"
    headers: list[str] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""


@dataclass(frozen=True)
class Row:
    line: int  # where the row starts: file line (CSV) or sheet row (XLSX)
    cells: list[str]
    problem: str = ""  # set when the row could not be parsed at all


def binary_file(fileobj):
    """The binary file object inside Django's File wrappers (uploads, storage files)."""
    while not isinstance(fileobj, io.IOBase) and hasattr(fileobj, "file"):
        fileobj = fileobj.file
    return fileobj


# --- encodings ---------------------------------------------------------------------------


def _decodes_as(fileobj, encoding: str) -> bool:
    fileobj.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        while block := fileobj.read(DECODE_BLOCK):
            decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(fileobj) -> str:
    """The encoding of a text file, checked over the whole file (a stray é may sit on the last line)."""
    fileobj.seek(0)
    head = fileobj.read(SNIFF_BYTES)
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise ImportFileError("UTF-32 files are not supported: save the file as UTF-8 or UTF-16.")
    if head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif b"\x00" in head:
        # UTF-16 without a BOM: text in Latin script has a NUL in every other byte.
        nul_odd = head[1::2].count(0)
        nul_even = head[0::2].count(0)
        if nul_odd > len(head) // 4 and nul_even * 10 < nul_odd:
            encoding = "utf-16-le"
        elif nul_even > len(head) // 4 and nul_odd * 10 < nul_even:
            encoding = "utf-16-be"
        else:
            raise ImportFileError("This does not look like a text (CSV) file.")
    else:
        for candidate in ("utf-8", "cp1252"):
            if _decodes_as(fileobj, candidate):
                return candidate
        return "latin-1"
    if not _decodes_as(fileobj, encoding):
        raise ImportFileError(f"The file starts like {encoding.upper()} but is not valid {encoding.upper()}.")
    return encoding


# --- inspection on upload ----------------------------------------------------------------


def inspect_file(*, fileobj, name: str) -> FileInfo:
    """Check that an upload is a CSV or XLSX we can read and return its format and header row."""
    suffix = PurePath(name).suffix.lower()
    fileobj.seek(0)
    magic = fileobj.read(4)
    if suffix == ".xls" or magic == OLE_MAGIC:
        raise ImportFileError("Old Excel (.xls) files are not supported: save the sheet as .xlsx or CSV.")
    if suffix in XLSX_EXTENSIONS:
        if magic != ZIP_MAGIC:
            raise ImportFileError("This is not a valid .xlsx file.")
        info = FileInfo(format="xlsx")
    elif suffix in CSV_EXTENSIONS:
        if magic == ZIP_MAGIC:
            raise ImportFileError("This file is a zip archive or a workbook, not CSV text.")
        encoding = detect_encoding(fileobj)
        info = FileInfo(format="csv", encoding=encoding, delimiter=_sniff_delimiter(fileobj, encoding))
    else:
        raise ImportFileError("Only CSV (.csv, .txt, .tsv) and Excel (.xlsx) files can be imported.")

    with open_rows(fileobj=fileobj, info=info) as rows:
        header = next(rows, None)
    if header is None or header.problem:
        raise ImportFileError("The file has no header row." if header is None else header.problem)
    if len(header.cells) > max_columns():
        raise ImportFileError(f"The file has more than {max_columns()} columns.")
    return FileInfo(
        format=info.format,
        encoding=info.encoding,
        delimiter=info.delimiter,
        headers=[cell.strip() for cell in header.cells],
    )


def _sniff_delimiter(fileobj, encoding: str) -> str:
    """The most frequent candidate delimiter on the header line (headers rarely contain one)."""
    fileobj.seek(0)
    text = io.TextIOWrapper(fileobj, encoding=encoding, newline="")
    try:
        first_line = text.readline()
    finally:
        text.detach()
    unquoted = re.sub(r'"[^"]*"', "", first_line)
    counts = {delimiter: unquoted.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _check_xlsx_archive(fileobj) -> None:
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as archive:
            names = set(archive.namelist())
            unpacked = sum(entry.file_size for entry in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise ImportFileError("This is not a valid .xlsx file.") from exc
    if "xl/workbook.xml" not in names:
        raise ImportFileError("This is not a valid .xlsx file (no workbook inside).")
    if unpacked > xlsx_max_unpacked_bytes():
        raise ImportFileError("This workbook unpacks to too much data to import.")


# --- rows --------------------------------------------------------------------------------


@contextmanager
def open_rows(*, fileobj, info: FileInfo) -> Iterator[Iterator[Row]]:
    """Every non-blank row of the file, header first, as text cells."""
    fileobj.seek(0)
    if info.format == "xlsx":
        _check_xlsx_archive(fileobj)
        workbook = _open_workbook(fileobj)
        try:
            yield _xlsx_rows(workbook)
        finally:
            workbook.close()
    else:
        text = io.TextIOWrapper(fileobj, encoding=info.encoding, newline="")
        try:
            yield _csv_rows(text, delimiter=info.delimiter or ",")
        finally:
            text.detach()  # leave the underlying file open for its owner


def data_rows(*, fileobj, info: FileInfo, offset: int = 0) -> Iterator[Row]:
    """The data rows after the header, skipping the first `offset` of them."""
    width = len(info.headers)
    with open_rows(fileobj=fileobj, info=info) as rows:
        next(rows, None)
        for index, row in enumerate(rows):
            if index < offset:
                continue
            yield _fit(row, width=width, strict=info.format == "csv")


def _fit(row: Row, *, width: int, strict: bool) -> Row:
    """Drop blank cells past the header's width; a CSV row with cells missing is a problem."""
    if row.problem:
        return row
    cells = row.cells
    while len(cells) > width and not cells[-1].strip():
        cells = cells[:-1]
    if len(cells) > width:
        return Row(row.line, cells, f"the row has {len(cells)} cells but the header has {width}.")
    if len(cells) < width:
        if strict:
            return Row(
                row.line,
                cells,
                f"the row has only {len(cells)} of {width} cells: the file may be cut short "
                "or a quote may be missing.",
            )
        cells = cells + [""] * (width - len(cells))
    return Row(row.line, cells)


def _blank(cells: list[str]) -> bool:
    return not any(cell.strip() for cell in cells)


def _csv_rows(text, *, delimiter: str) -> Iterator[Row]:
    # strict: a file that ends inside a quoted cell (a truncated download) is an error rather
    # than a last row whose final cell silently lost its end.
    reader = csv.reader(text, delimiter=delimiter, strict=True)
    previous_line = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # The reader resumes with the next line, so one malformed row does not end the import.
            line, previous_line = previous_line + 1, reader.line_num
            reason = (
                "the file ends inside a quoted cell: it may be cut short."
                if "unexpected end of data" in str(exc)
                else f"the row could not be read as CSV: {exc}."
            )
            yield Row(line, [], reason)
            continue
        # reader.line_num counts physical lines, so a quoted multi-line cell is reported where it starts.
        line, previous_line = previous_line + 1, reader.line_num
        if not _blank(cells):
            yield Row(line, cells)


def _open_workbook(fileobj):
    from openpyxl import load_workbook

    fileobj.seek(0)
    try:
        # data_only=False: a formula cell is read as its text (e.g. "=1+2"), stored as data, never run.
        return load_workbook(fileobj, read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportFileError("This .xlsx file could not be opened.") from exc


def _xlsx_rows(workbook) -> Iterator[Row]:
    sheet = workbook.worksheets[0]
    # The stored sheet dimensions can be stale; without this, read-only mode may stop early.
    sheet.reset_dimensions()
    for number, values in enumerate(sheet.iter_rows(values_only=True, max_col=max_columns()), start=1):
        cells = [xlsx_cell_text(value) for value in values]
        while cells and cells[-1] == "":
            cells.pop()
        if not _blank(cells):
            yield Row(number, cells)


def xlsx_cell_text(value) -> str:
    """A spreadsheet value as the text a CSV export would hold (5.0 -> "5", dates in ISO 8601)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)
