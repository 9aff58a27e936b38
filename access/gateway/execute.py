"""Step 4: run the rewritten SQL on a read-only connection with a timeout and a row limit.

* PostgreSQL: ``SET TRANSACTION READ ONLY`` + ``SET LOCAL statement_timeout``, rolled back.
* MariaDB/MySQL: ``SET SESSION TRANSACTION READ ONLY`` + ``max_statement_time`` (MariaDB)
  / ``max_execution_time`` (MySQL), ``START TRANSACTION READ ONLY``, rolled back.
* SQLite: opened with a ``mode=ro`` URI and ``PRAGMA query_only``; a progress handler
  interrupts the statement at the deadline.

Connections are pooled per source (read-only sessions only; nothing else uses them).
The driver's error text is kept for administrators only: it can quote row values of
rows a row filter excludes (the database may evaluate outer predicates first).
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa

from access.masking_bridge import prepare_sqlite
from catalog.ingest.native import kind_of, normalise_url, safe_error

_ENGINES: dict[str, sa.Engine] = {}
_LOCK = threading.Lock()


class ExecutionFailed(Exception):
    def __init__(self, message: str, *, timeout: bool = False, detail: str = "") -> None:
        super().__init__(message)
        self.timeout = timeout
        self.detail = detail


@dataclass
class Result:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    truncated: bool
    duration_ms: float


def _sqlite_creator(path: str) -> Any:
    def connect() -> sqlite3.Connection:
        uri = f"file:{quote(str(Path(path).resolve()))}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=5)
        conn.execute("PRAGMA query_only = ON")
        prepare_sqlite(conn)  # masking UDFs (pseudonym, tokenise); user SQL cannot call them
        return conn

    return connect


def engine_for(dsn: str) -> sa.Engine:
    """A pooled engine for ``dsn`` (one per DSN; the key is a hash, never the DSN)."""
    key = hashlib.sha256(dsn.encode()).hexdigest()
    with _LOCK:
        engine = _ENGINES.get(key)
        if engine is not None:
            return engine
        url = normalise_url(dsn)
        kind = kind_of(url)
        if kind == "sqlite":
            engine = sa.create_engine(
                "sqlite://", creator=_sqlite_creator(url.database or ""), poolclass=sa.pool.NullPool
            )
        else:
            args: dict[str, Any] = {"connect_timeout": 10}
            engine = sa.create_engine(
                url,
                connect_args=args,
                pool_size=4,
                max_overflow=4,
                pool_pre_ping=True,
                pool_recycle=600,
            )
        _ENGINES[key] = engine
        return engine


def dispose_all() -> None:
    with _LOCK:
        for engine in _ENGINES.values():
            engine.dispose()
        _ENGINES.clear()


_MARIADB: dict[int, bool] = {}


def _is_mariadb(engine: sa.Engine, cur: Any) -> bool:
    if id(engine) not in _MARIADB:
        cur.execute("SELECT VERSION()")
        row = cur.fetchone()
        _MARIADB[id(engine)] = bool(row and "mariadb" in str(row[0]).lower())
    return _MARIADB[id(engine)]


def run(dsn: str, sql: str, *, limit: int, timeout_s: float) -> Result:
    """Execute ``sql`` read-only; at most ``limit`` rows (``truncated`` if there were more)."""
    kind = kind_of(normalise_url(dsn))
    engine = engine_for(dsn)
    started = time.perf_counter()
    try:
        raw = engine.raw_connection()
    except Exception as exc:
        raise ExecutionFailed("Cannot connect to the source.", detail=safe_error(exc, dsn)) from exc
    try:
        cur = raw.cursor()
        if kind == "postgresql":
            cur.execute("SET TRANSACTION READ ONLY")
            cur.execute(f"SET LOCAL statement_timeout = {int(timeout_s * 1000)}")
        elif kind == "mysql":
            mariadb = _is_mariadb(engine, cur)
            cur.execute("SET SESSION TRANSACTION READ ONLY")
            if mariadb:
                cur.execute(f"SET SESSION max_statement_time = {float(timeout_s):.3f}")
            else:
                cur.execute(f"SET SESSION max_execution_time = {int(timeout_s * 1000)}")
            cur.execute("START TRANSACTION READ ONLY")
        else:
            deadline = time.monotonic() + timeout_s
            dbapi = raw.driver_connection
            dbapi.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 1000)  # type: ignore[union-attr]
        try:
            cur.execute(sql)
            columns = [d[0] for d in (cur.description or [])]
            rows = [tuple(r) for r in cur.fetchmany(limit + 1)]
        except Exception as exc:
            text = safe_error(exc, dsn)
            timeout = any(
                s in text.lower()
                for s in (
                    "statement timeout",
                    "canceling statement",
                    "interrupted",
                    "max_statement_time",
                    "maximum statement execution time",
                )
            )
            if timeout:
                raise ExecutionFailed(
                    f"The query ran longer than {timeout_s:g} s and was cancelled.",
                    timeout=True,
                    detail=text,
                ) from exc
            raise ExecutionFailed(
                f"The source rejected the query ({type(exc).__name__}).", detail=text
            ) from exc
        finally:
            with contextlib.suppress(Exception):  # connection already broken
                raw.rollback()
            if kind == "sqlite":
                raw.driver_connection.set_progress_handler(None, 0)  # type: ignore[union-attr]
    finally:
        raw.close()
    truncated = len(rows) > limit
    return Result(columns, rows[:limit], truncated, (time.perf_counter() - started) * 1000)
