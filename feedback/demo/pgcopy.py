"""Bulk loading through PostgreSQL COPY, streamed in chunks so memory stays flat at any scale."""

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Field, Model

# Written for None, so that an unquoted empty field stays an empty string (NOT NULL text columns).
NULL = r"\N"


def copy_rows(
    *, model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[str]], chunk_size: int = 20_000
) -> int:
    """COPY rows (strings in `fields` order, NULL for None) into the model's table; returns the count."""
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(_column(model, name)) for name in fields)
    sql = f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '{NULL}')"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    total = pending = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg2's own cursor: Django's wrapper has no copy_expert
        for row in rows:
            writer.writerow(row)
            pending += 1
            if pending == chunk_size:
                _flush(raw, sql, buffer)
                total += pending
                pending = 0
        if pending:
            _flush(raw, sql, buffer)
            total += pending
    return total


def _column(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    if not isinstance(field, Field) or not field.column:
        raise ValueError(f"{model.__name__}.{name} is not a column.")
    return field.column


def _flush(raw: Any, sql: str, buffer: io.StringIO) -> None:
    buffer.seek(0)
    raw.copy_expert(sql, buffer)
    buffer.seek(0)
    buffer.truncate()
