"""Native reader: a live database's schema through SQLAlchemy's inspector (no Django).

SQLite: database = file stem, schema ``main``. PostgreSQL: database from the URL, every
non-system schema. MySQL/MariaDB: database ``default`` and one schema per MySQL database
(OpenMetadata's convention, so both ingestion paths give the same FQNs).
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url

from catalog.ingest.snapshot import (
    ColumnSnap,
    DatabaseSnap,
    ForeignKeyRef,
    SchemaSnap,
    SourceSnap,
    TableSnap,
)

SYSTEM_SCHEMAS = {
    "information_schema",
    "pg_catalog",
    "pg_toast",
    "mysql",
    "performance_schema",
    "sys",
}

Progress = Callable[[int, int, str], None]


class SourceError(Exception):
    """The source could not be read: message is safe to show (no credentials)."""


def kind_of(url: str | URL) -> str:
    backend = make_url(url).get_backend_name()
    if backend in ("mysql", "mariadb"):
        return "mysql"
    if backend in ("postgresql", "postgres"):
        return "postgresql"
    if backend == "sqlite":
        return "sqlite"
    raise SourceError(f"Unsupported source kind {backend!r} (sqlite, postgresql, mysql).")


def normalise_url(url: str) -> URL:
    """Pick our drivers (psycopg 3, PyMySQL) for bare postgresql:// / mysql:// URLs."""
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise SourceError("Not a valid database URL.") from exc
    drivers = {
        "postgresql": "postgresql+psycopg",
        "postgres": "postgresql+psycopg",
        "mysql": "mysql+pymysql",
        "mariadb": "mysql+pymysql",
    }
    if parsed.drivername in drivers:
        parsed = parsed.set(drivername=drivers[parsed.drivername])
    return parsed


def connect(url: str, *, timeout: int = 10) -> Engine:
    parsed = normalise_url(url)
    kind = kind_of(parsed)
    args: dict[str, Any] = {}
    if kind == "postgresql":
        args = {"connect_timeout": timeout}
    elif kind == "mysql":
        args = {"connect_timeout": timeout, "read_timeout": 600}
    elif kind == "sqlite":
        path = parsed.database or ""
        if path and path != ":memory:" and not Path(path).exists():
            raise SourceError(f"SQLite file does not exist: {Path(path).name}")
    return sa.create_engine(parsed, connect_args=args, poolclass=sa.pool.NullPool)


def safe_error(exc: BaseException, url: str | URL) -> str:
    """An error message with the password removed."""
    message = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:300]
    password = make_url(url).password
    if password:
        message = message.replace(str(password), "***")
    return message


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause CPython's cyclic garbage collector for one large read or apply.

    A million-column import allocates millions of objects that all stay alive; each full
    collection rescans them, which took a third of an ingest's time. Nothing here builds
    reference cycles that need collecting before the job ends.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_source(
    url: str,
    *,
    include: list[str] | None = None,
    exclude: list[str] | None = None,
    progress: Progress | None = None,
) -> SourceSnap:
    """Read every database/schema/table/column of ``url`` into a :class:`SourceSnap`."""
    engine = connect(url)
    try:
        with gc_paused(), engine.connect() as conn:
            return _read(conn, normalise_url(url), include or [], exclude or [], progress)
    except SourceError:
        raise
    except Exception as exc:
        raise SourceError(f"Cannot read source: {safe_error(exc, url)}") from exc
    finally:
        engine.dispose()


def _wanted(schema: str, include: list[str], exclude: list[str]) -> bool:
    if (
        schema.lower() in SYSTEM_SCHEMAS
        or schema.startswith("pg_temp")
        or schema.startswith("pg_toast")
    ):
        return False
    if include and schema not in include:
        return False
    return schema not in exclude


def _read(
    conn: sa.Connection, url: URL, include: list[str], exclude: list[str], progress: Progress | None
) -> SourceSnap:
    kind = kind_of(url)
    if kind == "sqlite":
        _preload_sqlite_table_sql(conn)
    insp = sa.inspect(conn)
    if kind == "sqlite":
        db_name = Path(url.database or "memory").stem
        schemas = ["main"]
    elif kind == "postgresql":
        db_name = url.database or "postgres"
        schemas = [s for s in insp.get_schema_names() if _wanted(s, include, exclude)]
    else:
        db_name = "default"
        schemas = [s for s in insp.get_schema_names() if _wanted(s, include, exclude)]
    rows = _row_estimates(conn, kind, schemas)
    database = DatabaseSnap(name=db_name)
    total = 0
    plans: list[tuple[str, list[str], list[str]]] = []
    for schema in schemas:
        query_schema = None if kind == "sqlite" else schema
        tables = insp.get_table_names(schema=query_schema)
        views = insp.get_view_names(schema=query_schema)
        plans.append((schema, tables, views))
        total += len(tables) + len(views)
    done = 0
    for schema, tables, views in plans:
        query_schema = None if kind == "sqlite" else schema
        snap = SchemaSnap(name=schema)
        comments = _bulk_comments(conn, kind, schema)
        columns_by_table = _bulk_columns(insp, query_schema, tables + views)
        column_comments = (
            {name: cols for name, (_, cols) in _sqlite_comments(conn).items()}
            if kind == "sqlite"
            else {}
        )
        pks = _bulk_pks(insp, query_schema, tables)
        fks = _bulk_fks(insp, query_schema, tables)
        for name, is_view in [(t, False) for t in tables] + [(v, True) for v in views]:
            table = TableSnap(
                name=name,
                kind="view" if is_view else "table",
                comment=comments.get(name, ""),
                row_count=None if is_view else rows.get((schema, name)),
            )
            if is_view:
                try:
                    table.view_sql = insp.get_view_definition(name, schema=query_schema) or ""
                except Exception:
                    table.view_sql = ""
            pk_cols = set(pks.get(name, []))
            for pos, col in enumerate(columns_by_table.get(name, []), start=1):
                table.columns.append(
                    ColumnSnap(
                        name=col["name"],
                        data_type=_type_name(col["type"]),
                        nullable=bool(col.get("nullable", True)),
                        position=pos,
                        comment=col.get("comment")
                        or column_comments.get(name, {}).get(col["name"], ""),
                        is_primary_key=col["name"] in pk_cols,
                    )
                )
            for fk in fks.get(name, []):
                if not fk.get("referred_table"):
                    continue
                table.foreign_keys.append(
                    ForeignKeyRef(
                        columns=list(fk["constrained_columns"]),
                        ref_database=db_name,
                        ref_schema=fk.get("referred_schema") or schema,
                        ref_table=fk["referred_table"],
                        ref_columns=list(fk["referred_columns"]),
                    )
                )
            snap.tables.append(table)
            done += 1
            if progress and (done % 50 == 0 or done == total):
                progress(done, total, f"{schema}.{name}")
        database.schemas.append(snap)
    return SourceSnap(databases=[database])


# ``TypeEngine.compile()`` without a dialect builds a new StrCompileDialect on every call
# (~25 us, a third of reading a large SQLite schema); one shared instance gives the same text.
_TYPE_DIALECT = sa.engine.default.StrCompileDialect()


def _type_name(type_: Any) -> str:
    try:
        return str(type_.compile(dialect=_TYPE_DIALECT)).lower()
    except Exception:
        return type(type_).__name__.lower()


def _preload_sqlite_table_sql(conn: sa.Connection) -> None:
    """Answer the SQLite dialect's per-table ``CREATE`` lookups from one read of sqlite_master.

    SQLAlchemy reads a table's SQL (for its primary key and foreign keys) with a full scan
    of sqlite_master per table and per call: quadratic in the number of tables (2,000 tables:
    20 s; 10,000: most of an hour). The override lives on this engine's own dialect instance
    and falls back to SQLAlchemy for anything it does not hold (other schemas, unknown names).
    """
    dialect: Any = conn.dialect
    original = getattr(dialect, "_get_table_sql", None)
    if original is None:
        return
    by_name: dict[str, str] = {}
    for master in ("sqlite_master", "sqlite_temp_master"):  # main first, like SQLAlchemy
        rows = conn.exec_driver_sql(
            f"SELECT name, sql FROM {master} WHERE type IN ('table', 'view')"
        )
        for name, table_sql in rows:
            by_name.setdefault(name, table_sql)

    def lookup(connection: Any, table_name: str, schema: str | None = None, **kw: Any) -> Any:
        if schema is None and by_name.get(table_name) is not None:
            return by_name[table_name]
        return original(connection, table_name, schema=schema, **kw)

    dialect._get_table_sql = lookup


def _bulk_columns(
    insp: Any, schema: str | None, names: list[str]
) -> dict[str, list[dict[str, Any]]]:
    if not names:
        return {}
    try:
        multi = insp.get_multi_columns(
            schema=schema, filter_names=names, kind=sa.engine.ObjectKind.ANY
        )
        return {key[1]: value for key, value in multi.items()}
    except Exception:
        return {n: insp.get_columns(n, schema=schema) for n in names}


def _bulk_pks(insp: Any, schema: str | None, names: list[str]) -> dict[str, list[str]]:
    if not names:
        return {}
    try:
        multi = insp.get_multi_pk_constraint(schema=schema, filter_names=names)
        return {
            key[1]: (value or {}).get("constrained_columns") or [] for key, value in multi.items()
        }
    except Exception:
        return {
            n: insp.get_pk_constraint(n, schema=schema).get("constrained_columns") or []
            for n in names
        }


def _bulk_fks(insp: Any, schema: str | None, names: list[str]) -> dict[str, list[dict[str, Any]]]:
    if not names:
        return {}
    try:
        multi = insp.get_multi_foreign_keys(schema=schema, filter_names=names)
        return {key[1]: value for key, value in multi.items()}
    except Exception:
        return {n: insp.get_foreign_keys(n, schema=schema) for n in names}


_SQLITE_LINE_COMMENT = re.compile(r"^\s*(?P<code>.*?)\s*--\s*(?P<comment>.*?)\s*$")
_IDENT = re.compile(r'^\s*(?:"((?:[^"]|"")+)"|`([^`]+)`|\[([^\]]+)\]|([A-Za-z_][\w$]*))')


def sqlite_ddl_comments(ddl: str) -> tuple[str, dict[str, str]]:
    """SQLite keeps no comment catalog: read ``-- comments`` from the stored DDL.

    The comment on the ``CREATE TABLE ... (`` line describes the table; a comment at
    the end of a column definition line describes that column.
    """
    table_comment = ""
    columns: dict[str, str] = {}
    for i, line in enumerate(ddl.splitlines()):
        match = _SQLITE_LINE_COMMENT.match(line)
        if not match or not match.group("comment"):
            continue
        code, comment = match.group("code"), match.group("comment")
        if i == 0 or code.upper().startswith("CREATE "):
            table_comment = comment
            continue
        ident = _IDENT.match(code)
        if ident is None:
            continue
        name = next(g for g in ident.groups() if g is not None).replace('""', '"')
        if name.upper() in {"PRIMARY", "FOREIGN", "UNIQUE", "CHECK", "CONSTRAINT"}:
            continue
        columns[name] = comment
    return table_comment, columns


def _sqlite_comments(conn: sa.Connection) -> dict[str, tuple[str, dict[str, str]]]:
    rows = conn.execute(
        sa.text("SELECT name, sql FROM sqlite_master WHERE type IN ('table', 'view')")
    )
    return {name: sqlite_ddl_comments(sql or "") for name, sql in rows}


def _bulk_comments(conn: sa.Connection, kind: str, schema: str) -> dict[str, str]:
    if kind == "sqlite":
        return {name: table for name, (table, _) in _sqlite_comments(conn).items() if table}
    if kind == "postgresql":
        sql = sa.text(
            "SELECT c.relname, obj_description(c.oid, 'pg_class') FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = :s AND c.relkind IN ('r','v','m','p','f')"
        )
    elif kind == "mysql":
        sql = sa.text(
            "SELECT table_name, table_comment FROM information_schema.tables WHERE table_schema = :s"
        )
    else:
        return {}
    return {name: comment or "" for name, comment in conn.execute(sql, {"s": schema})}


def _row_estimates(
    conn: sa.Connection, kind: str, schemas: list[str]
) -> dict[tuple[str, str], int]:
    """Cheap row counts: planner statistics, never a full scan of a large table."""
    out: dict[tuple[str, str], int] = {}
    try:
        if kind == "postgresql":
            result = conn.execute(
                sa.text(
                    "SELECT n.nspname, c.relname, c.reltuples::bigint FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r','p')"
                )
            )
            for schema, name, est in result:
                out[(schema, name)] = max(int(est), 0) if est is not None else 0
            small = [k for k, v in out.items() if v <= 0 and k[0] in schemas]
            for schema, name in small[:200]:  # never analysed: count small tables exactly
                q = sa.text(
                    f'SELECT count(*) FROM (SELECT 1 FROM "{schema}"."{name}" LIMIT 100001) s'
                )
                out[(schema, name)] = int(conn.execute(q).scalar() or 0)
        elif kind == "mysql":
            result = conn.execute(
                sa.text(
                    "SELECT table_schema, table_name, table_rows FROM information_schema.tables "
                    "WHERE table_type = 'BASE TABLE'"
                )
            )
            for schema, name, est in result:
                out[(schema, name)] = int(est or 0)
        else:
            names = [
                r[0]
                for r in conn.execute(
                    sa.text(
                        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                    )
                )
            ]
            for name in names:
                quoted = name.replace('"', '""')
                try:
                    value = conn.execute(sa.text(f'SELECT max(rowid) FROM "{quoted}"')).scalar()
                except Exception:
                    value = conn.execute(sa.text(f'SELECT count(*) FROM "{quoted}"')).scalar()
                out[("main", name)] = int(value or 0)
    except Exception:
        return out
    return out
