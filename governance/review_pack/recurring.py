"""Section: resolved but recurring (outerloop.recurring), as the committee page and the pack show it."""

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from outerloop.recurring import RecurringCause, resolved_but_recurring

from .tables import Section, Table, number, share_text


def _rise_text(cause: RecurringCause) -> str:
    ratio = _("%(ratio)s times the expected rate") % {"ratio": number(cause.rate_ratio, 1)}
    window = _("%(start)s to %(end)s") % {
        "start": date_format(cause.window_start, "j M Y"),
        "end": date_format(cause.window_end, "j M Y"),
    }
    return f"{ratio}, {window}"


def recurring_section(*, user) -> Section:
    """One row per rising root cause (all its departments), then one per department that touches it."""
    causes = resolved_but_recurring(user=user)
    rows = []
    for cause in causes:
        rows.append([cause.category, _("All departments"), _rise_text(cause), share_text(cause.overall)])
        rows.extend(["", row.department, "", share_text(row.share)] for row in cause.departments)
    return Section(
        slug="recurring",
        title=_("Resolved but recurring"),
        intro=_(
            "Root causes still rising in the last signal detection, and the share of their cases opened in "
            "the detection window that were closed as resolved, by the departments that handled them. A "
            "high share beside a rising rate is the false comfort of closing cases one by one while the "
            "cause grows."
        ),
        tables=[
            Table(
                caption=_("Rising root causes and their resolved cases"),
                headers=[_("Root cause"), _("Department"), _("Rising"), _("Cases closed as resolved")],
                rows=rows,
                empty=_("No root cause with cases is rising in the last signal detection."),
            )
        ],
    )
