"""What full-text search indexes of a comment: never what masking hides.

Search indexes `searchable_comment()`, the comment with every email and every run of digits that
could be a phone or card number taken out, in SQL: a superset of what cxloop.core.pii's mask
hides (dates and long order numbers go too), so a search can never match, and so confirm, a
value the mask hides (tests/feedback/test_pii.py holds the two together).
"""

from django.db.models import F, Func, TextField, Value

# Anything with an @ inside it, and runs of 7 or more characters of digits (ASCII, Arabic-Indic,
# Persian, Devanagari and full-width) and the separators phone and card numbers are written with.
SEARCH_STRIP_EMAIL = r"[^[:space:]]+@[^[:space:]]+"
_DIGIT = "0-9\u0660-\u0669\u06f0-\u06f9\u0966-\u096f\uff10-\uff19"
SEARCH_STRIP_DIGITS = f"[{_DIGIT}][{_DIGIT} ()./+-]{{5,}}[{_DIGIT}]"


def searchable_comment() -> Func:
    """The comment as full-text search indexes it (a stored generated column's expression)."""

    def strip(text, pattern: str) -> Func:
        return Func(
            text, Value(pattern), Value(" "), Value("g"), function="regexp_replace", output_field=TextField()
        )

    return strip(strip(F("comment"), SEARCH_STRIP_EMAIL), SEARCH_STRIP_DIGITS)
