"""Words for codes the case page shows that have no choices of their own: a customer's segment."""

from django import template
from django.utils.translation import gettext_lazy

register = template.Library()

# The segments the demo and most imports use; any other is shown as its words ("key_account" ->
# "Key account").
SEGMENTS = {
    "consumer": gettext_lazy("Consumer"),
    "small_business": gettext_lazy("Small business"),
    "trade": gettext_lazy("Trade"),
    "enterprise": gettext_lazy("Enterprise"),
    "public_sector": gettext_lazy("Public sector"),
}


@register.filter
def segment_words(value: str | None) -> str:
    if not value:
        return ""
    known = SEGMENTS.get(value)
    if known is not None:
        return str(known)
    words = value.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]
