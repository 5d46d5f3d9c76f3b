"""The first sheet of an XLSX workbook as rows of text, read within the import's bounds.

An XLSX file is a zip of XML parts, and openpyxl, even in read-only mode, reads the whole
shared-strings table when it opens a workbook and builds each text node (a shared string, an
inline cell) as one Python string: a 0.3 MB file with one 300 MB cell costs 0.6 GB and 13 s.
So no part reaches openpyxl before `check_archive` has streamed the whole zip once:

- the zip's directory must be small, and the sizes its parts declare must add up to no more
  than the limit;
- every part is decompressed block by block, counting the bytes that actually come out (a
  declared size can lie) against the same limit, and an XML part may not hold a run of text
  longer than the longest cell allowed, which is refused before anything has gathered it.

openpyxl then reads those very bytes again (CPython's zipfile never gives more than a part
declares, and checks each part's CRC at its end), so what it parses is bounded too.
"""

import zipfile
import zlib
from collections.abc import Iterator
from datetime import date, datetime, time
from xml.etree.ElementTree import ParseError

from django.template.defaultfilters import filesizeformat

from .limits import ImportFileError, max_cell_chars, max_columns, unpacks_too_much, xlsx_max_unpacked_bytes

SCAN_BLOCK = 1024 * 1024
# A workbook has tens of parts, a directory of a few kB. The directory is parsed whole into
# Python objects when the zip is opened: 50 MB of empty parts would take 0.5 GB and minutes.
MAX_DIRECTORY_BYTES = 1024 * 1024
# A character takes at most 10 bytes of XML ("&#1114111;"); the rest is room for the tag.
XML_BYTES_PER_CHAR = 10
XML_TAG_ROOM = 1024
XML_LEADING_BYTES = b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n"  # byte-order marks and blanks before "<"
DAMAGED = "This .xlsx file is damaged or is not a workbook."
# What openpyxl and zipfile raise on a damaged part (IndexError: a shared string that is not
# there); ParseError is what expat reports.
READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    KeyError,
    IndexError,
    OSError,
    TypeError,
    ValueError,
    ParseError,
)


def check_archive(fileobj) -> None:
    """Refuse a workbook that unpacks to too much, or holds text too long for any cell, before parsing it."""
    _check_directory_size(fileobj)
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as archive:
            if "xl/workbook.xml" not in archive.NameToInfo:
                raise ImportFileError("This is not a valid .xlsx file (no workbook inside).")
            parts = archive.infolist()
            declared = sum(part.file_size for part in parts)
            if declared > xlsx_max_unpacked_bytes():
                raise unpacks_too_much(found=filesizeformat(declared))
            unpacked = 0
            for part in parts:
                unpacked += _scan_part(archive, part, room=xlsx_max_unpacked_bytes() - unpacked)
    # An encrypted part raises RuntimeError; an unknown compression method, NotImplementedError.
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError) as exc:
        raise ImportFileError(DAMAGED) from exc


def _check_directory_size(fileobj) -> None:
    fileobj.seek(0)
    # zipfile's own reader of the end record (zip64 included), the one ZipFile itself relies on
    # (private to zipfile, hence not in its type stubs and the ignores).
    end_record = zipfile._EndRecData(fileobj)  # type: ignore[attr-defined]
    if end_record is None:
        raise ImportFileError(DAMAGED)
    if end_record[zipfile._ECD_SIZE] > MAX_DIRECTORY_BYTES:  # type: ignore[attr-defined]
        raise ImportFileError("This .xlsx file holds far more parts than a workbook has.")


def _scan_part(archive: zipfile.ZipFile, part: zipfile.ZipInfo, *, room: int) -> int:
    """Decompress one part in blocks within `room` bytes; the bytes it unpacked to."""
    text_limit = XML_BYTES_PER_CHAR * max_cell_chars() + XML_TAG_ROOM
    unpacked = run = 0
    is_xml = None
    with archive.open(part) as stream:
        while block := stream.read(SCAN_BLOCK):
            unpacked += len(block)
            if unpacked > room:
                raise unpacks_too_much(found=f"more than {filesizeformat(xlsx_max_unpacked_bytes())}")
            if unpacked > part.file_size:
                # CPython's zipfile stops at the declared size; this check does not rely on it.
                raise ImportFileError(DAMAGED)
            if is_xml is None:
                is_xml = block.lstrip(XML_LEADING_BYTES).startswith(b"<")
            if is_xml:
                run = _longest_text_run(block, run=run, limit=text_limit)
    return unpacked


def _longest_text_run(block: bytes, *, run: int, limit: int) -> int:
    """Check the runs of bytes without a "<" in `block`; the length of the run it ends in.

    Text (a cell, a shared string) cannot contain "<", so no text node is longer than such a
    run. `run` is the length of the run the previous block ended in. An XML comment or CDATA
    section may hold "<" and so pass unmeasured; what it can cost is still bounded by the
    unpacked-size limit, as is a cell spread over many runs of rich text.
    """
    first = block.find(b"<")
    if first < 0:
        longest = run = run + len(block)
    else:
        longest = max(run + first, max(map(len, block[first + 1 :].split(b"<"))))
        run = len(block) - block.rfind(b"<") - 1
    if longest > limit:
        raise ImportFileError(
            f"The spreadsheet holds more than {limit:,} bytes of text in one piece, more than any cell "
            f"may hold (limit {max_cell_chars():,} characters)."
        )
    return run


def open_workbook(fileobj):
    """The workbook, streamed (openpyxl read-only), once `check_archive` has accepted it."""
    from openpyxl import load_workbook

    check_archive(fileobj)
    fileobj.seek(0)
    try:
        # data_only=False: a formula cell is read as its text (e.g. "=1+2"), stored as data, never run.
        return load_workbook(fileobj, read_only=True, data_only=False)
    except READ_ERRORS as exc:
        raise ImportFileError("This .xlsx file could not be opened.") from exc


def sheet_rows(workbook) -> Iterator[tuple[int, list[str]]]:
    """The rows of the first sheet: sheet row number and cells as text, trailing blank cells dropped."""
    if not workbook.worksheets:
        raise ImportFileError("The workbook has no sheet.")
    sheet = workbook.worksheets[0]
    # The stored sheet dimensions can be stale; without this, read-only mode may stop early.
    sheet.reset_dimensions()
    # One column past the limit, so that a sheet wider than the limit is refused rather than cut.
    values_by_row = sheet.iter_rows(values_only=True, max_col=max_columns() + 1)
    try:
        for number, values in enumerate(values_by_row, start=1):
            cells = [xlsx_cell_text(value) for value in values]
            while cells and cells[-1] == "":
                cells.pop()
            _check_cell_lengths(cells, row=number)
            yield number, cells
    except READ_ERRORS as exc:
        raise ImportFileError(f"The sheet could not be read: {str(exc)[:200]}") from exc


def _check_cell_lengths(cells: list[str], *, row: int) -> None:
    limit = max_cell_chars()
    for index, cell in enumerate(cells):
        if len(cell) > limit:
            from openpyxl.utils import get_column_letter

            raise ImportFileError(
                f"Row {row}, column {get_column_letter(index + 1)} holds {len(cell):,} characters "
                f"(limit {limit:,} for one cell)."
            )


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
