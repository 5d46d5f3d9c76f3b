"""Writing many rows in one statement, where the ORM would write them one by one or by CASE."""

from django.db import connection, models


def insert_absent(
    model: type[models.Model], *, rows: list[dict], conflict: tuple[str, ...], returning: tuple[str, ...]
) -> list[tuple]:
    """INSERT the rows (column values by attribute name; the model's defaults fill the rest) ON CONFLICT
    (`conflict`) DO NOTHING, and return `returning` of the rows inserted (not of those already there).

    Rows go in `conflict` order, so concurrent batches take the unique index's locks in the same order.
    """
    if not rows:
        return []
    fields = [f for f in model._meta.concrete_fields if not f.primary_key and not f.generated]
    rows = sorted(rows, key=lambda row: tuple(row[name] for name in conflict))
    params = []
    for row in rows:
        for field in fields:
            value = row[field.attname] if field.attname in row else field.get_default()
            params.append(field.get_db_prep_save(value, connection))
    placeholders = f"({', '.join(['%s'] * len(fields))})"
    table = model._meta.db_table
    conflict_columns = ", ".join(model._meta.get_field(name).column for name in conflict)
    returned = ", ".join(model._meta.get_field(name).column for name in returning)
    # Table and column names come from the model's own metadata; every value is a parameter.
    sql = (
        f"INSERT INTO {table} ({', '.join(f.column for f in fields)}) "  # noqa: S608
        f"VALUES {', '.join([placeholders] * len(rows))} "
        f"ON CONFLICT ({conflict_columns}) DO NOTHING RETURNING {returned}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
