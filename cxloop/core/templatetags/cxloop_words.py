"""Words, not codes (issue #16, item 6): filters that show a value the way a person reads it.

`{% load cxloop_words %}` then `{{ case.assignee|person }}`, `{{ value|money }}`,
`{{ p_value|p_in_words }}`, `{{ customer.segment|code_label }}`.
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.conf import settings
from django.utils import formats
from django.utils.translation import get_language, gettext, gettext_lazy

from cxloop.org.names import person_name

register = template.Library()

# Symbols of the currencies an organisation is likely to run in; any other shows its ISO code.
SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$", "CHF": "CHF", "PLN": "zł", "BRL": "R$"}
# Languages that write the symbol after the amount ("1 234 €"); the others before it ("€1,234").
SYMBOL_AFTER = {"pt", "fr", "de", "es", "it", "pl", "nl"}

# Free-form codes that arrive from integrations (a customer's segment) and the words for them;
# an unknown code is shown with its underscores and hyphens as spaces ("key_accounts" -> "Key accounts").
CODE_LABELS = {
    "consumer": gettext_lazy("Consumer"),
    "small_business": gettext_lazy("Small business"),
    "trade": gettext_lazy("Trade"),
    "enterprise": gettext_lazy("Enterprise"),
    "public_sector": gettext_lazy("Public sector"),
}

# p-value thresholds, smallest first, with what they mean for a person deciding on the change.
P_WORDS = (
    (0.001, gettext_lazy("very unlikely to be chance")),
    (0.01, gettext_lazy("unlikely to be chance")),
    (0.05, gettext_lazy("probably not chance")),
)


@register.filter
def person(user: Any) -> str:
    """A person by full name (their username only when they have no name); "" for nobody."""
    return person_name(user) if user is not None else ""


@register.filter
def money(value: Any, decimals: int = 0) -> str:
    """An amount in the organisation's currency, grouped and placed as the reader's language does."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    code = settings.CXLOOP_CURRENCY
    number = formats.number_format(amount, decimal_pos=int(decimals), use_l10n=True, force_grouping=True)
    symbol = SYMBOLS.get(code, code)
    if (get_language() or "en").split("-")[0] in SYMBOL_AFTER or len(symbol) > 1:
        return f"{number}\xa0{symbol}"
    return f"{symbol}{number}"


def _p_number(p: float) -> str:
    digits = 3 if p < 0.01 else 2
    return formats.number_format(round(p, digits), decimal_pos=digits, use_l10n=True)


@register.filter
def p_in_words(value: Any) -> str:
    """A p-value as a person reads it: "very unlikely to be chance (p < 0.001)", never 1.1e-22."""
    if value is None or value == "":
        return ""
    p = float(value)
    if p < 0.001:
        floor = formats.number_format(Decimal("0.001"), decimal_pos=3, use_l10n=True)
        return gettext("%(words)s (p < %(p)s)") % {"words": P_WORDS[0][1], "p": floor}
    words = next((said for limit, said in P_WORDS if p < limit), gettext("could well be chance"))
    return gettext("%(words)s (p = %(p)s)") % {"words": words, "p": _p_number(p)}


@register.filter
def code_label(value: Any) -> str:
    """The word for a free-form code ("small_business" -> "Small business")."""
    if value is None:
        return ""
    code = str(value)
    if code in CODE_LABELS:
        return str(CODE_LABELS[code])
    return code.replace("_", " ").replace("-", " ").strip().capitalize()
