"""Masking an erased customer's identifiers in free text (staff notes, titles, timelines, the admin's
history).

What staff typed is not linked to a customer, so it is searched for the customer's identifiers
(external id, email, phone; never the name, which another customer may share) and each one found
is replaced by a mask; the rest of the text stays. Used by feedback's erasure and by the erasers of
the apps above it (innerloop, outerloop, governance).
"""

import json
import re

from django.db.models import Q, TextField
from django.db.models.functions import Cast

MASK = "▒▒▒ erased"


def _pattern(identifiers) -> re.Pattern:
    return re.compile(
        "|".join(re.escape(i) for i in sorted(identifiers, key=len, reverse=True)), re.IGNORECASE
    )


def _masked(model, name: str, pattern: re.Pattern, value: str) -> str:
    # The mask may be longer than what it replaces: a bounded column keeps its limit.
    text = pattern.sub(MASK, value)
    limit = model._meta.get_field(name).max_length
    return text[:limit] if limit else text


def identifiers_mask(
    *, model, fields: tuple[str, ...], identifiers, json_fields: tuple[str, ...] = ()
) -> int:
    """Mask `identifiers` in these text (and JSON) columns of `model`; returns how many rows changed."""
    if not identifiers:
        return 0
    rows_of = model.objects.annotate(**{f"{name}_as_text": Cast(name, TextField()) for name in json_fields})
    condition = Q(pk__in=[])
    for identifier in identifiers:
        for name in fields:
            condition |= Q(**{f"{name}__icontains": identifier})
        for name in json_fields:
            condition |= Q(**{f"{name}_as_text__icontains": identifier})
    pattern, rows = _pattern(identifiers), []
    for row in rows_of.filter(condition):
        for name in fields:
            if getattr(row, name):
                setattr(row, name, _masked(model, name, pattern, getattr(row, name)))
        for name in json_fields:
            dumped = json.dumps(getattr(row, name), ensure_ascii=False)
            setattr(row, name, json.loads(pattern.sub(MASK, dumped)))
        rows.append(row)
    model.objects.bulk_update(rows, [*fields, *json_fields], batch_size=500)
    return len(rows)
