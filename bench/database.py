"""Create the benchmark database beside the configured one."""

import os

import psycopg2
from psycopg2 import sql


def _admin_connection():
    import environ

    config = environ.Env.db_url_config(os.environ["DATABASE_URL"])
    params = {
        "dbname": "postgres",
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "host": config.get("HOST") or config.get("OPTIONS", {}).get("host") or None,
        "port": config.get("PORT") or None,
    }
    conn = psycopg2.connect(**{k: v for k, v in params.items() if v})
    conn.autocommit = True
    return conn


def ensure_database(name: str) -> None:
    # Not `with conn`: psycopg2 opens a transaction block there, and CREATE DATABASE refuses one.
    conn = _admin_connection()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cur.fetchone() is None:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        conn.close()


def recreate_database(name: str) -> None:
    conn = _admin_connection()
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        conn.close()
