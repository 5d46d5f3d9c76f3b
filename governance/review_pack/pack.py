"""The whole pack: its sections in the order the review meeting reads them."""

from governance.selectors import committee_current

from . import channels, closure, huddles, initiatives, rules, taxonomy
from .period import PackPeriod
from .recurring import recurring_section
from .tables import Section


def review_pack(*, user, period: PackPeriod) -> list[Section]:
    """Every section for `period`, scoped to what `user` may see (the committee sees everything)."""
    committee = committee_current()
    stall_days = committee.stall_days if committee is not None else initiatives.DEFAULT_STALL_DAYS
    return [
        channels.section(period=period),
        closure.closure_section(user=user, period=period),
        huddles.huddles_section(user=user, period=period),
        huddles.obstacles_section(user=user, period=period),
        initiatives.throughput_section(period=period, stall_days=stall_days),
        initiatives.forecast_section(period=period),
        taxonomy.section(period=period),
        rules.section(period=period),
        closure.sla_section(user=user, period=period),
        recurring_section(user=user),
    ]
