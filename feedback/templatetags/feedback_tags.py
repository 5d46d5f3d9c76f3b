from django import template

from cxloop.core.pii import shown_to
from feedback.models.record import Scale

register = template.Library()


@register.simple_tag(takes_context=True)
def customer_words(context, text: str) -> str:
    """The comment (or a contact detail) as the viewer may see it: masked without the permission.

    Returns plain text; Django's autoescaping still applies where it is output.
    """
    request = context.get("request")
    return shown_to(getattr(request, "user", None), text)


@register.filter
def scale_label(value: str | None) -> str:
    """A scale's code as its label ("nps" -> "NPS (0-10)"); an unknown code as it was written."""
    if not value:
        return ""
    return str(Scale(value).label) if value in Scale.values else str(value)
