"""A CSV of contacts to invite to a survey: read, checked row by row, invited in chunks through
survey_invitations_create, and reported row by row (scheduled, suppressed and why, duplicate, or
refused with the field and the reason).

Columns (a header row names them, in any order; only external_id and an address are needed):
external_id, email, name, phone, segment, time_zone, language, transaction_id, touchpoint.
The file is bounded (CXLOOP_SURVEY_CONTACTS_MAX_BYTES, CXLOOP_SURVEY_CONTACTS_MAX_ROWS) before
anything is stored: a file over a bound is refused whole, with the bound named.
"""

import csv
import io
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from cxloop.core.models import audit
from feedback.models import Survey, SurveyInvitation

from .invitations import ERROR, InvitationResult, survey_invitations_create, writer_for
from .items import MAX_BATCH

COLUMNS = (
    "external_id",
    "email",
    "name",
    "phone",
    "segment",
    "time_zone",
    "language",
    "transaction_id",
    "touchpoint",
)
CUSTOMER_COLUMNS = ("external_id", "email", "name", "phone", "segment", "time_zone", "language")


class ContactsFileError(Exception):
    """The file cannot be read as a list of contacts at all (as opposed to one bad row)."""


def max_bytes() -> int:
    return getattr(settings, "CXLOOP_SURVEY_CONTACTS_MAX_BYTES", 2 * 1024 * 1024)


def max_rows() -> int:
    return getattr(settings, "CXLOOP_SURVEY_CONTACTS_MAX_ROWS", 10_000)


@dataclass
class ContactRow:
    """One data row's outcome; `row` is its line in the file (the header is row 1)."""

    row: int
    external_id: str
    status: str
    reason: str = ""
    reason_label: str = ""
    errors: list[tuple[str, str]] = field(default_factory=list)
    invitation_id: int | None = None


@dataclass
class ContactsReport:
    rows: list[ContactRow]

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(row.status for row in self.rows))


def contacts_read(data: bytes) -> list[tuple[int, dict]]:
    """(row number, invitation item) for each non-blank data row; ContactsFileError for a file that
    is too large, not UTF-8 text, or whose header is not the contacts' columns."""
    if len(data) > max_bytes():
        raise ContactsFileError(
            _("The file is larger than %(limit)s bytes, the limit.") % {"limit": f"{max_bytes():,}"}
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ContactsFileError(_("The file is not UTF-8 text: save it as CSV UTF-8.")) from error
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in next(reader)]
    except (StopIteration, csv.Error) as error:
        raise ContactsFileError(_("The file is empty: the first row names the columns.")) from error
    _check_header(header)
    rows: list[tuple[int, dict]] = []
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= max_rows():
                raise ContactsFileError(
                    _("The file has more than %(limit)s rows, the limit: split it.")
                    % {"limit": f"{max_rows():,}"}
                )
            rows.append((number, _item(header, cells)))
    except csv.Error as error:
        raise ContactsFileError(_("The file is not valid CSV: %(error)s") % {"error": error}) from error
    return rows


def _check_header(header: list[str]) -> None:
    unknown = sorted({name for name in header if name not in COLUMNS})
    if unknown:
        raise ContactsFileError(
            _("Unknown columns: %(unknown)s. The columns are: %(columns)s.")
            % {"unknown": ", ".join(name[:40] for name in unknown[:10]), "columns": ", ".join(COLUMNS)}
        )
    repeated = sorted(name for name, count in Counter(header).items() if count > 1)
    if repeated:
        raise ContactsFileError(_("Columns named twice: %(names)s.") % {"names": ", ".join(repeated)})
    if "external_id" not in header:
        raise ContactsFileError(_("The file needs an external_id column (the customer's id)."))


def _item(header: list[str], cells: list[str]) -> dict:
    values = {name: cell.strip() for name, cell in zip(header, cells, strict=False)}
    item: dict = {"customer": {name: values[name] for name in CUSTOMER_COLUMNS if values.get(name)}}
    for name in ("transaction_id", "touchpoint", "language"):
        if values.get(name):
            item[name] = values[name]
    if len(cells) > len(header):
        item[EXTRA_CELLS] = True
    return item


# Marks a row with more cells than the header has columns (a missing quote or a stray comma).
EXTRA_CELLS = "__extra_cells__"


def contacts_invite(*, survey: Survey, data: bytes, actor) -> ContactsReport:
    """Invite the file's contacts to `survey` as `actor` (a person, or their Writer), in chunks of a
    batch; the report of every row. Audited by the counts only, never the contacts."""
    writer = writer_for(actor)
    rows = contacts_read(data)
    report: dict[int, ContactRow] = {}
    for number, item in rows:
        if item.pop(EXTRA_CELLS, False):
            report[number] = ContactRow(
                row=number,
                external_id=item["customer"].get("external_id", "")[:200],
                status=ERROR,
                errors=[("row", _("has more cells than the header has columns."))],
            )
    rows = [(number, item) for number, item in rows if number not in report]
    for start in range(0, len(rows), MAX_BATCH):
        chunk = rows[start : start + MAX_BATCH]
        results = survey_invitations_create(
            survey=survey,
            items=[item for _, item in chunk],
            trigger=SurveyInvitation.Trigger.CSV,
            actor=writer,
        )
        for (number, item), result in zip(chunk, results, strict=True):
            report[number] = _row(number, item, result)
    outcome = ContactsReport(rows=[report[number] for number in sorted(report)])
    audit(actor=writer.user, verb="survey.contacts_invited", target=survey, **outcome.counts)
    return outcome


def _row(number: int, item: dict, result: InvitationResult) -> ContactRow:
    return ContactRow(
        row=number,
        external_id=item["customer"].get("external_id", "")[:200],
        status=result.status,
        reason=result.reason,
        reason_label=result.reason_label,
        errors=list(_flat_errors(result.errors)),
        invitation_id=result.invitation_id,
    )


# The file's column for a field of the invitation item.
_COLUMN_OF = {
    "customer": "external_id",
    "customer_id": "external_id",
    "team_id": "touchpoint",
    "non_field_errors": "row",
    "survey": "row",
}


def _flat_errors(errors: dict):
    for name, reasons in errors.items():
        if isinstance(reasons, dict):
            yield from _flat_errors(reasons)
            continue
        for reason in reasons:
            yield _COLUMN_OF.get(name, name), str(reason)
