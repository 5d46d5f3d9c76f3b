"""Languages shown by name: `{{ item.language|language_label }}` gives "Portuguese" (or "Português"
in a Portuguese page) for "pt" or "pt-PT", and the tag itself for a language Django does not know."""

from django import template
from django.utils import translation
from django.utils.translation import gettext_lazy

register = template.Library()


# Not "language_name": Django's i18n library has a filter of that name (the English name, and an
# error for a language it does not know).
@register.filter
def language_label(code: str | None) -> str:
    """The language's name in the language of the page; "" for none."""
    if not code:
        return ""
    for candidate in (code, code.lower(), code.lower().replace("_", "-").split("-")[0]):
        try:
            return str(translation.get_language_info(candidate)["name_translated"])
        except KeyError:
            continue
    return code


NPS_BUCKETS = {
    "promoter": gettext_lazy("promoter"),
    "passive": gettext_lazy("passive"),
    "detractor": gettext_lazy("detractor"),
}


@register.filter
def nps_bucket_label(bucket: str | None) -> str:
    """ "detractor" as the page's language says it; "" for none."""
    return str(NPS_BUCKETS.get(bucket or "", bucket or ""))
