"""Reading an uploaded CSV or XLSX file as rows of text cells, whatever its encoding.

The upload request only sniffs the format (`sniff_format`: extension and first bytes); a worker
reads the file whole once (`survey_file`) and every chunk of the import reads it again
(`data_rows`). Each read checks the bounds in `limits` as the rows stream by.

CSV encodings: a byte-order mark decides UTF-8 or UTF-16; without one, UTF-16 is recognised
by its NUL bytes, then the whole file is tried as strict UTF-8 and, failing that, read as
Windows-1252 (what Excel on Windows writes), with Latin-1 as the last resort because it
decodes any byte. XLSX is read by `xlsx` with openpyxl in read-only (streaming) mode.
"""

import codecs
import csv
import io
import re
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import PurePath

from .limits import ImportFileError, max_cell_chars, max_columns, max_rows, too_many_rows
from .mapping import guess_date_order
from .xlsx import open_workbook, sheet_rows

CSV_EXTENSIONS = frozenset({".csv", ".txt", ".tsv"})
XLSX_EXTENSIONS = frozenset({".xlsx"})
DELIMITERS = (",", ";", "\t", "|")
SNIFF_BYTES = 64 * 1024
DECODE_BLOCK = 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls (and .doc) container
PREVIEW_ROWS = 5
DATE_SAMPLE_ROWS = 200
DATE_CELL_CHARS = 40  # "24/02/2015 11:35:52 AM" and its like; longer cells are no such date


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


@dataclass(frozen=True)
class FileSurvey:
    """What one read of a whole file found: how to read it, its first rows and how many there are."""

    info: FileInfo
    preview: list[Row]
    date_order: str | None  # day-first or month-first, when the first rows settle it
    total_rows: int


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


def _encoding_from_head(head: bytes) -> str | None:
    """The encoding the first bytes settle (a BOM, UTF-16's NUL bytes); None for 8-bit text."""
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise ImportFileError("UTF-32 files are not supported: save the file as UTF-8 or UTF-16.")
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" not in head:
        return None
    # UTF-16 without a BOM: text in Latin script has a NUL in every other byte.
    nul_odd = head[1::2].count(0)
    nul_even = head[0::2].count(0)
    if nul_odd > len(head) // 4 and nul_even * 10 < nul_odd:
        return "utf-16-le"
    if nul_even > len(head) // 4 and nul_odd * 10 < nul_even:
        return "utf-16-be"
    raise ImportFileError("This does not look like a text (CSV) file.")


def detect_encoding(fileobj) -> str:
    """The encoding of a text file, checked over the whole file (a stray é may sit on the last line)."""
    fileobj.seek(0)
    encoding = _encoding_from_head(fileobj.read(SNIFF_BYTES))
    if encoding is None:
        for candidate in ("utf-8", "cp1252"):
            if _decodes_as(fileobj, candidate):
                return candidate
        return "latin-1"
    if not _decodes_as(fileobj, encoding):
        raise ImportFileError(f"The file starts like {encoding.upper()} but is not valid {encoding.upper()}.")
    return encoding


# --- sniffing on upload, surveying in the worker -------------------------------------------


def sniff_format(*, fileobj, name: str) -> str:
    """ "csv" or "xlsx", from the extension and the first bytes only: nothing is decoded or unpacked."""
    suffix = PurePath(name).suffix.lower()
    fileobj.seek(0)
    head = fileobj.read(SNIFF_BYTES)
    if suffix == ".xls" or head.startswith(OLE_MAGIC):
        raise ImportFileError("Old Excel (.xls) files are not supported: save the sheet as .xlsx or CSV.")
    if suffix in XLSX_EXTENSIONS:
        if not head.startswith(ZIP_MAGIC):
            raise ImportFileError("This is not a valid .xlsx file.")
        return "xlsx"
    if suffix in CSV_EXTENSIONS:
        if head.startswith(ZIP_MAGIC):
            raise ImportFileError("This file is a zip archive or a workbook, not CSV text.")
        _encoding_from_head(head)  # refuses binary files and UTF-32 from their first bytes
        return "csv"
    raise ImportFileError("Only CSV (.csv, .txt, .tsv) and Excel (.xlsx) files can be imported.")


def survey_file(*, fileobj, file_format: str) -> FileSurvey:
    """Read a whole file once, within the bounds: its header, first rows, date order and row count."""
    info = FileInfo(format=file_format)
    if file_format == "csv":
        encoding = detect_encoding(fileobj)
        info = FileInfo(format="csv", encoding=encoding, delimiter=_sniff_delimiter(fileobj, encoding))
    with open_rows(fileobj=fileobj, info=info) as rows:
        header = next(rows, None)
        if header is None or header.problem:
            raise ImportFileError("The file has no header row." if header is None else header.problem)
        if len(header.cells) > max_columns():
            # An XLSX row is read one column past the limit only, so its count is a lower bound.
            found = len(header.cells) if file_format == "csv" else f"more than {max_columns()}"
            raise ImportFileError(f"The header row has {found} columns (limit {max_columns()}).")
        info = FileInfo(
            format=info.format,
            encoding=info.encoding,
            delimiter=info.delimiter,
            headers=[cell.strip() for cell in header.cells],
        )
        preview: list[Row] = []
        date_sample: list[list[str]] = []
        total = 0
        for row in _data_rows_after_header(rows, info=info):
            total += 1
            if len(preview) < PREVIEW_ROWS:
                preview.append(row)
            if len(date_sample) < DATE_SAMPLE_ROWS:
                date_sample.append([cell for cell in row.cells if len(cell) <= DATE_CELL_CHARS])
    return FileSurvey(info=info, preview=preview, date_order=guess_date_order(date_sample), total_rows=total)


def _sniff_delimiter(fileobj, encoding: str) -> str:
    """The most frequent candidate delimiter on the header line (headers rarely contain one)."""
    fileobj.seek(0)
    text = io.TextIOWrapper(fileobj, encoding=encoding, newline="")
    try:
        # Bounded: a header line is a few hundred characters; a file with no line breaks is not.
        first_line = text.readline(SNIFF_BYTES)
    finally:
        text.detach()
    unquoted = re.sub(r'"[^"]*"', "", first_line)
    counts = {delimiter: unquoted.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


# --- rows --------------------------------------------------------------------------------


@contextmanager
def open_rows(*, fileobj, info: FileInfo) -> Iterator[Iterator[Row]]:
    """Every non-blank row of the file, header first, as text cells."""
    fileobj.seek(0)
    if info.format == "xlsx":
        workbook = open_workbook(fileobj)
        try:
            yield (Row(number, cells) for number, cells in sheet_rows(workbook) if not _blank(cells))
        finally:
            workbook.close()
    else:
        text = io.TextIOWrapper(fileobj, encoding=info.encoding, newline="")
        # csv's cell limit is process-wide: set for this read and put back after it (a worker
        # runs one task at a time, and the web processes no longer read files).
        previous_limit = csv.field_size_limit(max_cell_chars())
        try:
            yield _csv_rows(text, delimiter=info.delimiter or ",")
        finally:
            csv.field_size_limit(previous_limit)
            text.detach()  # leave the underlying file open for its owner


def data_rows(*, fileobj, info: FileInfo, offset: int = 0) -> Generator[Row, None, None]:
    """The data rows after the header, skipping the first `offset` of them."""
    with open_rows(fileobj=fileobj, info=info) as rows:
        next(rows, None)
        yield from _data_rows_after_header(rows, info=info, offset=offset)


def _data_rows_after_header(rows: Iterator[Row], *, info: FileInfo, offset: int = 0) -> Iterator[Row]:
    """Rows fitted to the header's width; a file with more rows than the limit is refused."""
    width = len(info.headers)
    limit = max_rows()
    for index, row in enumerate(rows):
        if index >= limit:
            raise too_many_rows()
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
    if len(cells) > max_columns():
        return Row(row.line, cells, f"the row has more than {max_columns()} cells (limit {max_columns()}).")
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
            line, previous_line = previous_line + 1, reader.line_num
            if "field larger than field limit" in str(exc):
                # The cell swallowed what follows it (usually a missing closing quote): the rows
                # after it cannot be trusted, so the file is refused rather than this row.
                raise ImportFileError(
                    f"Line {line} has a cell longer than {max_cell_chars():,} characters (limit "
                    f"{max_cell_chars():,} for one cell): a closing quote may be missing."
                ) from exc
            # The reader resumes with the next line, so one malformed row does not end the import.
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
