"""Bulk loading of generated batches: COPY on PostgreSQL, multi-row INSERT elsewhere."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.engine import Engine

from catalog.demo.generate import Batch
from catalog.demo.layout import Layout
from catalog.demo.schema import TABLES_BY_NAME, ddl

RowsLoaded = Callable[[str, int], None]


def recreate_raw(engine: Engine, layout: Layout) -> list[str]:
    """Drop every demo object and create the empty raw tables; returns post-load statements."""
    plan = ddl(layout)
    with engine.begin() as connection:
        if layout.dialect == "sqlite":
            _drop_sqlite_objects(connection)
        for statement in plan.reset + plan.create:
            connection.exec_driver_sql(statement)
    return plan.finish


def _drop_sqlite_objects(connection: Connection) -> None:
    objects = connection.execute(
        text(
            "SELECT type, name FROM sqlite_master WHERE type IN ('view', 'table') "
            "AND (name LIKE 'raw\\_%' ESCAPE '\\' OR name LIKE 'stg\\_%' ESCAPE '\\' "
            "OR name LIKE 'mart\\_%' ESCAPE '\\') ORDER BY type = 'table', name"
        )
    ).all()
    for kind, name in objects:
        connection.exec_driver_sql(f'DROP {kind.upper()} IF EXISTS "{name}"')


def finish_raw(engine: Engine, statements: list[str]) -> None:
    """Add foreign keys and indexes once the data is in (much faster than maintaining them)."""
    with engine.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)


def load(engine: Engine, layout: Layout, batches: Iterable[Batch], on_rows: RowsLoaded) -> None:
    """Write every batch into its raw table, in one transaction per target."""
    raw = engine.raw_connection()
    try:
        dbapi: Any = raw.driver_connection
        if layout.dialect == "postgres":
            _load_postgres(dbapi, layout, batches, on_rows)
        elif layout.dialect == "mysql":
            _load_mysql(dbapi, layout, batches, on_rows)
        else:
            _load_sqlite(dbapi, layout, batches, on_rows)
        raw.commit()
    finally:
        raw.close()


def _columns(table: str) -> str:
    return ", ".join(TABLES_BY_NAME[table].column_names)


def _load_postgres(
    conn: Any, layout: Layout, batches: Iterable[Batch], on_rows: RowsLoaded
) -> None:
    with conn.cursor() as cursor:
        for table, rows in batches:
            target = layout.qualified("raw", table)
            with cursor.copy(f"COPY {target} ({_columns(table)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            on_rows(table, len(rows))


def _insert_sql(layout: Layout, table: str, marker: str) -> str:
    width = len(TABLES_BY_NAME[table].columns)
    values = ", ".join([marker] * width)
    return f"INSERT INTO {layout.qualified('raw', table)} ({_columns(table)}) VALUES ({values})"


def _load_mysql(conn: Any, layout: Layout, batches: Iterable[Batch], on_rows: RowsLoaded) -> None:
    with conn.cursor() as cursor:
        # constraints were declared with the tables; the generator guarantees them
        cursor.execute("SET SESSION foreign_key_checks = 0, unique_checks = 0")
        for table, rows in batches:
            # PyMySQL turns executemany on INSERT ... VALUES into multi-row INSERTs
            cursor.executemany(_insert_sql(layout, table, "%s"), rows)
            conn.commit()
            on_rows(table, len(rows))
        cursor.execute("SET SESSION foreign_key_checks = 1, unique_checks = 1")


def _load_sqlite(conn: Any, layout: Layout, batches: Iterable[Batch], on_rows: RowsLoaded) -> None:
    cursor = conn.cursor()
    try:
        cursor.execute("PRAGMA synchronous = OFF")
        for table, rows in batches:
            cursor.executemany(_insert_sql(layout, table, "?"), rows)
            on_rows(table, len(rows))
        conn.commit()
        cursor.execute("PRAGMA synchronous = FULL")
    finally:
        cursor.close()
