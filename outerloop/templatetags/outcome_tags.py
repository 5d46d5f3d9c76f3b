"""The employee feedback behind a signal, as a block of the signal's page."""

from django import template

from outerloop.models import Signal
from outerloop.outcomes.selectors import signal_staff_evidence

register = template.Library()


@register.inclusion_tag("outerloop/_signal_staff_evidence.html", takes_context=True)
def staff_evidence(context, signal: Signal) -> dict:
    """Signed staff feedback that fed `signal` (what the viewer may read) and the anonymous answers' count."""
    request = context["request"]
    return {"evidence": signal_staff_evidence(signal=signal, user=request.user), "request": request}
