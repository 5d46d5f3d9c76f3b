"""The recovery-value comparison where its readers decide (the triage rules page), and its figures."""

from django import template
from django.utils.translation import gettext as _

from cxloop.org.scoping import scope_for
from feedback.metrics.figures import low_sample_n
from feedback.models import ValueTier
from innerloop.recovery_value.analysis import Comparison, Estimate
from innerloop.recovery_value.selectors import recovery_value_for

register = template.Library()


@register.inclusion_tag("innerloop/recovery_value/_summary.html", takes_context=True)
def recovery_value_summary(context) -> dict:
    """The comparison over what the viewer may see, for the default window (one query)."""
    user = context["request"].user
    if not scope_for(user).has_role("manager", "committee", "admin"):
        return {"result": None}
    return {"result": recovery_value_for(user=user), "low_sample_n": low_sample_n()}


@register.filter
def tier_label(comparison: Comparison) -> str:
    """The value tier's name; all tiers together for the overall row."""
    if not comparison.label:
        return _("All tiers (weighted by tier size)")
    return str(ValueTier(comparison.label).label)


@register.simple_tag
def estimate_text(estimate: Estimate, digits: int = 0, signed: bool = False) -> str:
    """ "12 (95 % interval 5 to 19)", or a dash when there is nothing to estimate."""
    if estimate.value is None:
        return "—"
    number = f"{estimate.value:+,.{digits}f}" if signed else f"{estimate.value:,.{digits}f}"
    if estimate.low is None or estimate.high is None:
        return number
    return _("%(value)s (95 %% interval %(low)s to %(high)s)") % {
        "value": number,
        "low": f"{estimate.low:,.{digits}f}",
        "high": f"{estimate.high:,.{digits}f}",
    }
