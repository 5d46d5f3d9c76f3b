"""Writing many rows in one statement, where the ORM would write them one by one or by CASE."""

import json

from django.db import connection, models


def insert_absent(
    model: type[models.Model], *, rows: list[dict], conflict: tuple[str, ...], returning: tuple[str, ...]
) -> list[tuple]:
    """INSERT the rows ON CONFLICT (`conflict`) DO NOTHING, and return `returning` of the rows
    inserted (not of those already there).

    Each row holds column values by attribute name, as the columns take them: numbers, strings,
    datetimes, decimals, lists, and for JSON columns the JSON itself; the model's defaults fill the
    rest. The rows travel as one JSON parameter read by json_to_recordset: a VALUES list of a
    thousand rows is a statement of 20,000 literals that PostgreSQL parses for longer than it
    inserts. Rows go in `conflict` order, so concurrent batches take the unique index's locks in
    the same order.
    """
    if not rows:
        return []
    fields = [f for f in model._meta.concrete_fields if not f.primary_key and not f.generated]
    rows = sorted(rows, key=lambda row: tuple(row[name] for name in conflict))
    defaults = {field.attname: field.get_default() for field in fields}
    # Datetimes and decimals travel as their text (str), which the columns' input functions read.
    batch = json.dumps([{**defaults, **row} for row in rows], default=str)
    # Table, column names and types come from the model's own metadata; the rows are one parameter,
    # read (and inserted) in the order of the array. The JSON's keys are attribute names.
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    declared = ", ".join(f"{quote(field.attname)} {field.db_type(connection)}" for field in fields)
    selected = ", ".join(quote(field.attname) for field in fields)
    conflict_columns = ", ".join(quote(_column(model, name)) for name in conflict)
    returned = ", ".join(quote(_column(model, name)) for name in returning)
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "  # noqa: S608
        f"SELECT {selected} FROM json_to_recordset(%s::json) AS incoming({declared}) "
        f"ON CONFLICT ({conflict_columns}) DO NOTHING RETURNING {returned}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [batch])
        return cursor.fetchall()


def _column(model: type[models.Model], name: str) -> str:
    """The column of the model's concrete field `name`."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or field.column is None:
        raise ValueError(f"{model.__name__}.{name} is not a column")
    return field.column


def typed_values(rows: list[tuple], types: tuple[str, ...]) -> tuple[str, list]:
    """A VALUES list for `rows` (each value cast to its SQL type, so PostgreSQL need not guess it
    from text) and its parameters: for an UPDATE ... FROM (VALUES ...) of a whole batch, where the
    ORM's bulk_update writes a CASE per column that PostgreSQL evaluates row after row."""
    row = "(" + ", ".join(f"%s::{sql_type}" for sql_type in types) + ")"
    return ", ".join([row] * len(rows)), [value for values in rows for value in values]
