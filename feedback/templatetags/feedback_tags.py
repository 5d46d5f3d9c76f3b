from django import template

from feedback.enrichment.pii import mask_personal_data

register = template.Library()

PERSONAL_DATA_PERMISSION = "feedback.view_personal_data"


@register.simple_tag(takes_context=True)
def customer_words(context, text: str) -> str:
    """The comment as the viewer may see it: personal data masked without the permission.

    Returns plain text; Django's autoescaping still applies where it is output.
    """
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is not None and user.has_perm(PERSONAL_DATA_PERMISSION):
        return text
    return mask_personal_data(text or "")
