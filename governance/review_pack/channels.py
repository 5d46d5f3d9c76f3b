"""Section: the channels (sources) and touchpoints that did, and did not, bring feedback in the period."""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from feedback.models import Source, Touchpoint

from .period import PackPeriod
from .tables import Section, Table, number


@dataclass(frozen=True)
class ChannelRow:
    name: str
    kind: str
    active: bool
    feedback: int


def channel_counts(*, period: PackPeriod) -> dict[str, list[ChannelRow]]:
    """Every source and every touchpoint with its feedback in the period (two aggregate queries)."""
    in_period = Q(feedback__occurred_at__gte=period.start, feedback__occurred_at__lt=period.end)
    sources = [
        ChannelRow(name=s.name, kind=s.get_kind_display(), active=s.active, feedback=s.n)
        for s in Source.objects.annotate(n=Count("feedback", filter=in_period)).order_by("-n", "name")
    ]
    touch = in_period
    touchpoints = [
        ChannelRow(name=t.name, kind="", active=True, feedback=t.n)
        for t in Touchpoint.objects.annotate(n=Count("feedback", filter=touch)).order_by("-n", "name")
    ]
    return {"sources": sources, "touchpoints": touchpoints}


def section(*, period: PackPeriod) -> Section:
    counts = channel_counts(period=period)
    sources, touchpoints = counts["sources"], counts["touchpoints"]
    silent = [row for row in sources + touchpoints if row.feedback == 0]
    return Section(
        slug="channels",
        title=_("Channels and touchpoints"),
        intro=_("Feedback received in the period through each channel and about each touchpoint."),
        tables=[
            Table(
                caption=_("Channels"),
                headers=[_("Channel"), _("Kind"), _("Feedback"), _("Status")],
                rows=[
                    [
                        r.name,
                        r.kind,
                        number(r.feedback),
                        (_("active") if r.active else _("switched off")) if r.feedback else _("no feedback"),
                    ]
                    for r in sources
                ],
                empty=_("No channels are set up."),
            ),
            Table(
                caption=_("Touchpoints"),
                headers=[_("Touchpoint"), _("Feedback")],
                rows=[[r.name, number(r.feedback) if r.feedback else _("no feedback")] for r in touchpoints],
                empty=_("No touchpoints are set up."),
            ),
        ],
        notes=[
            ngettext(
                "%(n)s channel or touchpoint brought no feedback in the period.",
                "%(n)s channels and touchpoints brought no feedback in the period.",
                len(silent),
            )
            % {"n": len(silent)}
        ]
        if silent
        else [],
    )
