"""A scan of every text-like column of every table in the public schema, for the erasure canary."""

from django.db import connection

# text, varchar, char, json, jsonb, tsvector and arrays are read as text; bytea as bytes.
TEXT_TYPES = ("text", "character varying", "character", "json", "jsonb", "tsvector", "ARRAY")


def text_columns() -> list[tuple[str, str, str]]:
    """(table, column, data type) of every text-like column of every base table in the public schema."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.table_name, c.column_name, c.data_type
            FROM information_schema.columns c
            JOIN information_schema.tables t
              ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
              AND (c.data_type = ANY(%s) OR c.data_type = 'bytea')
            ORDER BY 1, 2
            """,
            [list(TEXT_TYPES)],
        )
        return cursor.fetchall()


def where_found(needle: str) -> list[str]:
    """ "table.column" of every column holding `needle` (case-insensitive; bytea byte for byte)."""
    found = []
    with connection.cursor() as cursor:
        for table, column, data_type in text_columns():
            if data_type == "bytea":
                condition = f"position(convert_to(%s, 'UTF8') in \"{column}\") > 0"
                value = needle
            else:
                condition = f'"{column}"::text ILIKE %s'
                value = f"%{needle}%"
            cursor.execute(f'SELECT count(*) FROM "{table}" WHERE {condition}', [value])  # noqa: S608
            if cursor.fetchone()[0]:
                found.append(f"{table}.{column}")
    return found
