"""Masking of personal data in comments for people without the permission to see it."""

import re

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
