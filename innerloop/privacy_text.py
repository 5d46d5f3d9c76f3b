"""Masking an erased customer's identifiers in staff free text (huddle notes, obstacles, timelines).

What staff typed is not linked to a customer, so it is searched for the customer's identifiers
(external id, email, phone; never the name, which another customer may share) and each one found
is replaced by a mask; the rest of the text stays. Used by innerloop's and outerloop's erasers.
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


def identifiers_mask(
    *, model, fields: tuple[str, ...], identifiers, json_fields: tuple[str, ...] = ()
) -> int:
    """Mask `identifiers` in these text (and JSON) columns of `model`; returns how many rows changed."""
    if not identifiers:
        return 0
    queryset = model.objects.annotate(**{f"{name}_as_text": Cast(name, TextField()) for name in json_fields})
    condition = Q(pk__in=[])
    for identifier in identifiers:
        for name in fields:
            condition |= Q(**{f"{name}__icontains": identifier})
        for name in json_fields:
            condition |= Q(**{f"{name}_as_text__icontains": identifier})
    pattern, rows = _pattern(identifiers), []
    for row in queryset.filter(condition):
        for name in fields:
            setattr(row, name, pattern.sub(MASK, getattr(row, name)))
        for name in json_fields:
            setattr(row, name, json.loads(pattern.sub(MASK, json.dumps(getattr(row, name)))))
        rows.append(row)
    model.objects.bulk_update(rows, [*fields, *json_fields], batch_size=500)
    return len(rows)
