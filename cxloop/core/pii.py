"""Personal data shown to people: the one masking rule, and who may see through it.

`mask_personal_data` replaces emails, card numbers (Luhn-checked) and phone numbers with a
visible mask. Every place a comment or a customer's contact details reach a person goes through
`shown_to`: pages, huddle summaries, notifications and their emails, exports and API answers.
People with the `feedback.view_personal_data` permission (frontline staff who call customers
back, administrators) see the text as it is; everyone else sees it masked. Copies kept for later
(huddle summaries, notifications) are stored masked. Full-text search indexes a stricter version
(feedback.enrichment.pii.searchable_comment), so it cannot confirm a masked value either.
"""

import re

from django.db import connection

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# 13 to 19 digits, optionally grouped by spaces or dashes: card numbers (checked with Luhn).
CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
# A phone number: optional +, then at least 7 digits with common separators.
PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d ()./-]{5,}\d(?!\w)")

MASK = "▒▒▒"


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _mask_card(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group())
    return f"{MASK} card" if luhn_valid(digits) else match.group()


DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}")


def _mask_phone(match: re.Match) -> str:
    text = match.group()
    digits = re.sub(r"\D", "", text)
    # E.164 numbers have at most 15 digits; dates and longer digit runs are not phone numbers.
    if not 7 <= len(digits) <= 15 or DATE.fullmatch(text.strip()):
        return text
    return f"{MASK} phone"


def mask_personal_data(text: str) -> str:
    """Replace emails, card numbers and phone numbers with a visible mask."""
    text = EMAIL.sub(f"{MASK} email", text)
    text = CARD.sub(_mask_card, text)
    return PHONE.sub(_mask_phone, text)


PERSONAL_DATA_CODENAME = "view_personal_data"
# Granted directly or through a group: two EXISTS that indexes answer. Plain SQL, as the ORM
# took longer to compile this than PostgreSQL to answer it, on every list page.
_PERSONAL_DATA_SQL = """
    SELECT EXISTS (
        SELECT 1 FROM auth_permission p
        JOIN django_content_type t ON t.id = p.content_type_id AND t.app_label = 'feedback'
        WHERE p.codename = %(codename)s AND (
            EXISTS (SELECT 1 FROM auth_user_user_permissions up
                    WHERE up.permission_id = p.id AND up.user_id = %(user)s)
            OR EXISTS (SELECT 1 FROM auth_user_groups ug
                       JOIN auth_group_permissions gp ON gp.group_id = ug.group_id
                       WHERE gp.permission_id = p.id AND ug.user_id = %(user)s)
        )
    )
"""


def can_see_personal_data(user) -> bool:
    """Whether `user` holds feedback.view_personal_data, directly or through a group.

    One query, cached on the user object for the request (Django's has_perm would load every
    permission of the user and of their groups: two queries on each list page).
    """
    if user is None or not user.is_active or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_cxloop_personal_data", None)
    if cached is None:
        with connection.cursor() as cursor:
            cursor.execute(_PERSONAL_DATA_SQL, {"user": user.pk, "codename": PERSONAL_DATA_CODENAME})
            (cached,) = cursor.fetchone()
        user._cxloop_personal_data = cached
    return cached


def shown_to(user, text: str) -> str:
    """`text` as `user` may see it: as it is with the permission, masked without."""
    if not text or can_see_personal_data(user):
        return text or ""
    return mask_personal_data(text)
