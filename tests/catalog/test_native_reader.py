"""The native reader on SQLite (comments from DDL), PostgreSQL and MariaDB demo databases."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from catalog.demo import build_airline, drop_database, server_available
from catalog.ingest.native import SourceError, read_source, sqlite_ddl_comments

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/"
MY = "mysql+pymysql://root@127.0.0.1:3306/"


def test_sqlite_ddl_comments_are_read() -> None:
    ddl = (
        "CREATE TABLE t ( -- People we fly\n  id INTEGER PRIMARY KEY, -- Surrogate key\n"
        '  "e-mail" TEXT, -- Contact address\n  note TEXT,\n  PRIMARY KEY (id) -- not a column\n)'
    )
    table, cols = sqlite_ddl_comments(ddl)
    assert table == "People we fly"
    assert cols == {"id": "Surrogate key", "e-mail": "Contact address"}


def test_sqlite_demo_snapshot(demo_sqlite: str) -> None:
    snap = read_source(demo_sqlite)
    tables = {t.name: t for s in snap.databases[0].schemas for t in s.tables}
    passengers = tables["raw_passengers"]
    assert passengers.comment.startswith("Passenger master data")
    email = next(c for c in passengers.columns if c.name == "email")
    assert "e-mail" in email.comment.lower()
    assert any(t.kind == "view" and t.view_sql for t in tables.values())
    assert passengers.row_count and passengers.row_count > 0


def test_missing_sqlite_file_is_a_clear_error(tmp_path: object) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        read_source(f"sqlite:///{tmp_path}/nope.db")


def _server(url: str) -> Iterator[str]:
    if not server_available(url + "postgres" if url.startswith("postgresql") else url):
        if os.environ.get("CUSTOS_REQUIRE_SERVERS"):
            pytest.fail(f"server required but not reachable: {url}")
        pytest.skip(f"server not reachable: {url}")
    name = f"custos_t_{uuid.uuid4().hex[:8]}"
    full = url + name
    build_airline(full, size="small", seed=3)
    try:
        yield full
    finally:
        drop_database(full)


@pytest.fixture
def pg_demo() -> Iterator[str]:
    yield from _server(PG)


@pytest.fixture
def my_demo() -> Iterator[str]:
    yield from _server(MY)


@pytest.mark.sources
def test_postgres_snapshot_has_schemas_comments_keys_and_views(pg_demo: str) -> None:
    snap = read_source(pg_demo)
    schemas = {s.name: s for s in snap.databases[0].schemas}
    assert {"raw", "staging", "marts"} <= set(schemas)
    passengers = next(t for t in schemas["raw"].tables if t.name == "passengers")
    assert passengers.comment
    assert any(c.is_primary_key for c in passengers.columns)
    bookings = next(t for t in schemas["raw"].tables if t.name == "bookings")
    assert any(fk.ref_table == "passengers" for fk in bookings.foreign_keys)
    assert any(t.kind == "view" and t.view_sql for t in schemas["staging"].tables)


@pytest.mark.sources
def test_mariadb_snapshot_uses_default_database_and_schema_per_db(my_demo: str) -> None:
    name = my_demo.rsplit("/", 1)[1]
    snap = read_source(my_demo, include=[f"{name}_raw", f"{name}_staging", f"{name}_marts"])
    assert snap.databases[0].name == "default"
    schemas = {s.name: s for s in snap.databases[0].schemas}
    assert set(schemas) == {f"{name}_raw", f"{name}_staging", f"{name}_marts"}
    passengers = next(t for t in schemas[f"{name}_raw"].tables if t.name == "passengers")
    assert passengers.comment
    assert any(c.comment for c in passengers.columns)
