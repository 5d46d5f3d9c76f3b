"""Words for codes the case page shows that have no choices of their own: a customer's segment."""

from django import template

# The segments the demo and most imports use, in the one table of code words; any other is shown
# as its words ("key_account" -> "Key account").
from cxloop.core.templatetags.cxloop_words import CODE_LABELS as SEGMENTS

register = template.Library()


@register.filter
def segment_words(value: str | None) -> str:
    if not value:
        return ""
    known = SEGMENTS.get(value)
    if known is not None:
        return str(known)
    words = value.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]
