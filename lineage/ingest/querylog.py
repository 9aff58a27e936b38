"""Query logs: a JSONL or CSV file, or PostgreSQL's ``pg_stat_statements``.

File formats (the extension decides; ``.jsonl``/``.ndjson``/``.json`` or ``.csv``):

* JSONL — one object per line: ``{"query": "INSERT ...", "calls": 3, "user": "etl",
  "ts": "2026-01-31T10:00:00Z", "id": "q-17"}``. The SQL may be named ``query``, ``sql``,
  ``query_text`` or ``statement``; everything else is optional (``id`` becomes part of the
  provenance details, ``ts``/``timestamp``/``start_time`` the time seen). A malformed
  line is reported and skipped.
* CSV — a header row with one of the same SQL column names, optional ``calls``, ``user``,
  ``ts``/``timestamp``/``start_time`` columns (e.g. a Snowflake/BigQuery/Redshift
  query history export).

Only statements that write (INSERT, CTAS, MERGE, UPDATE, CREATE VIEW, COPY...) yield
lineage; plain SELECTs are counted as skipped.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.utils.dateparse import parse_datetime

SQL_FIELDS = ("query", "sql", "query_text", "statement")
TIME_FIELDS = ("ts", "timestamp", "start_time", "executed_at")
MAX_QUERY_CHARS = 1_000_000


@dataclass
class QueryEntry:
    sql: str = ""
    calls: int = 1
    details: dict[str, Any] = field(default_factory=dict)
    seen_at: datetime | None = None
    reference: str | None = None
    label: str | None = None
    error: str | None = None


def _entry(row: dict[str, Any], label: str) -> QueryEntry:
    sql = next((row[k] for k in SQL_FIELDS if isinstance(row.get(k), str) and row[k]), None)
    if sql is None:
        return QueryEntry(error=f"{label}: no SQL (expected one of {', '.join(SQL_FIELDS)})")
    if len(sql) > MAX_QUERY_CHARS:
        return QueryEntry(error=f"{label}: query longer than {MAX_QUERY_CHARS} characters")
    try:
        calls = max(1, int(row.get("calls") or 1))
    except (TypeError, ValueError):
        calls = 1
    seen = None
    for key in TIME_FIELDS:
        value = row.get(key)
        if isinstance(value, str) and value:
            try:
                seen = parse_datetime(value.replace(" ", "T", 1))
            except ValueError:
                seen = None
            if seen is not None and seen.tzinfo is None:
                from datetime import UTC

                seen = seen.replace(tzinfo=UTC)
            break
    details = {k: row[k] for k in ("id", "user", "database") if row.get(k) not in (None, "")}
    return QueryEntry(sql=sql, calls=calls, details=details, seen_at=seen, label=label)


def read_query_log(path: Path) -> Iterator[QueryEntry]:
    """Entries of a JSONL or CSV query log (``-`` reads JSONL from stdin)."""
    if str(path) == "-":
        yield from _jsonl(sys.stdin, "stdin")
        return
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8") as handle:
            csv.field_size_limit(MAX_QUERY_CHARS + 1)
            for number, row in enumerate(csv.DictReader(handle), start=2):
                yield _entry(dict(row), f"line {number}")
        return
    with path.open(encoding="utf-8") as handle:
        yield from _jsonl(handle, path.name)


def _jsonl(handle: Any, name: str) -> Iterator[QueryEntry]:
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            yield QueryEntry(error=f"{name} line {number}: not JSON ({exc})")
            continue
        if not isinstance(row, dict):
            yield QueryEntry(error=f"{name} line {number}: not a JSON object")
            continue
        yield _entry(row, f"line {number}")


class StatStatementsUnavailable(Exception):
    """pg_stat_statements cannot be read (message says why and what to do)."""


_WRITES = r"^\s*(insert|create|merge|update|copy|with|select\s.*\sinto\s|alter)"

_STAT_SQL = f"""
SELECT s.queryid::text, s.query, s.calls
FROM pg_stat_statements s
JOIN pg_database d ON d.oid = s.dbid
WHERE d.datname = current_database() AND s.query ~* '{_WRITES}'
ORDER BY s.calls DESC
LIMIT %(limit)s
"""


def read_pg_stat_statements(dsn: str, *, limit: int = 10_000) -> list[QueryEntry]:
    """Writing statements of the source's database from ``pg_stat_statements``."""
    import sqlalchemy as sa

    from catalog.ingest.native import connect, safe_error

    engine = connect(dsn)
    try:
        with engine.connect() as conn:
            installed = conn.execute(
                sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'")
            ).first()
            if not installed:
                raise StatStatementsUnavailable(
                    "pg_stat_statements is not installed in this database: add it to "
                    "shared_preload_libraries, restart PostgreSQL, then run "
                    "CREATE EXTENSION pg_stat_statements; or use --query-log with an "
                    "exported query history."
                )
            raw = conn.connection.dbapi_connection
            assert raw is not None
            cur = raw.cursor()
            try:
                cur.execute(_STAT_SQL, {"limit": limit})
                rows = cur.fetchall()
            finally:
                cur.close()
    except StatStatementsUnavailable:
        raise
    except Exception as exc:
        raise StatStatementsUnavailable(
            f"Cannot read pg_stat_statements: {safe_error(exc, dsn)}"
        ) from exc
    finally:
        engine.dispose()
    return [
        QueryEntry(
            sql=query,
            calls=int(calls or 1),
            details={"queryid": queryid},
            label=f"queryid {queryid}",
        )
        for queryid, query, calls in rows
        if query
    ]
