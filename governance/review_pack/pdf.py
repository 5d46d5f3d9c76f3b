"""The pack as a PDF (fpdf2, core fonts only): the same sections and tables as the page.

Core fonts speak Latin-1 alone, so every text goes through `latin1`: typographic punctuation
becomes its plain form, accented letters outside Latin-1 lose their accent, and anything else
(emoji, other scripts) becomes "?" instead of failing.
"""

import unicodedata
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace

from .period import PackPeriod
from .tables import Section, Table, day

PLAIN = str.maketrans(
    {
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u2212": "-",  # minus sign
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2026": "...",
        "\u20ac": "EUR",
        "\u2022": "\u00b7",
        "\u0141": "L",
        "\u0142": "l",
        "\u0110": "D",
        "\u0111": "d",
        "\u0152": "OE",
        "\u0153": "oe",
    }
)
FONT = "Helvetica"


def latin1(text: str) -> str:
    """`text` in characters the core fonts can draw (see the module's docstring)."""
    text = str(text).translate(PLAIN)
    out = []
    for char in text:
        if ord(char) < 256:
            out.append(char)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        out.append(base if base and all(ord(c) < 256 for c in base) else "?")
    # No control characters but line breaks and tabs (a NUL in a name must not reach the PDF).
    return "".join(c for c in out if c in "\n\t" or unicodedata.category(c) != "Cc")


def _table(pdf: FPDF, table: Table) -> None:
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(0, 6, latin1(table.caption), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 8)
    if not table.rows or not table.headers:
        pdf.multi_cell(0, 5, latin1(table.empty), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        return
    with pdf.table(headings_style=FontFace(emphasis="BOLD"), line_height=4.5, padding=1) as grid:
        for cells in [table.headers, *table.rows]:
            row = grid.row()
            for cell in cells:
                row.cell(latin1(cell))
    pdf.ln(3)


def _section(pdf: FPDF, section: Section) -> None:
    pdf.set_font(FONT, "B", 13)
    pdf.multi_cell(0, 8, latin1(section.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(0, 5, latin1(section.intro), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for table in section.tables:
        _table(pdf, table)
    for note in section.notes:
        pdf.set_font(FONT, "I", 9)
        pdf.multi_cell(0, 5, latin1(note), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


def pack_pdf(
    *, sections: list[Section], period: PackPeriod, now: datetime | None = None, compress: bool = True
) -> bytes:
    """The PDF's bytes; `compress=False` leaves the text readable in the bytes (for tests)."""
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_compression(compress)
    pdf.set_title(latin1(_("System-review pack")))
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font(FONT, "B", 18)
    pdf.multi_cell(0, 10, latin1(_("System-review pack")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    generated = timezone.localtime(now or timezone.now()).strftime("%Y-%m-%d %H:%M")
    heading = _("Period: %(start)s to %(end)s. Generated %(at)s.") % {
        "start": day(period.date_from),
        "end": day(period.date_to),
        "at": generated,
    }
    pdf.multi_cell(0, 6, latin1(heading), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for section in sections:
        _section(pdf, section)
    return bytes(pdf.output())
