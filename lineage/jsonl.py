"""The ``manage.py lineage_parse`` JSON Lines contract (DESIGN.md, section 5). No Django.

In, one object per line: ``{"id", "sql", "dialect"?, "schema"?}`` (``schema`` is
``{"db.schema.table": {"col": "type"}}``). Out, one object per input line, in order:
``{"id", "tables": {"read", "write"}, "columns": [{"source", "target", "transform",
"confidence"}], "error"?}`` (``lineage.sql.to_contract``). A line that is not JSON, not an
object, or lacks a string ``sql`` yields ``{"id": <id or null>, "error": "..."}`` and the
batch goes on; blank lines are skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from lineage.sql import analyze, to_contract

MAX_SQL_CHARS = 1_000_000


def _error(id_: Any, message: str) -> dict[str, Any]:
    return {"id": id_, "error": message}


def parse_line(line: str, number: int) -> dict[str, Any]:
    try:
        row = json.loads(line)
    except ValueError as exc:
        return _error(None, f"line {number}: not JSON ({exc})")
    if not isinstance(row, dict):
        return _error(None, f"line {number}: not a JSON object")
    id_ = row.get("id")
    if isinstance(id_, dict | list):
        id_ = None
    sql = row.get("sql")
    if not isinstance(sql, str) or not sql.strip():
        return _error(id_, "sql must be a non-empty string")
    if len(sql) > MAX_SQL_CHARS:
        return _error(id_, f"sql is longer than {MAX_SQL_CHARS} characters")
    dialect = row.get("dialect")
    if dialect is not None and not isinstance(dialect, str):
        return _error(id_, "dialect must be a string")
    schema = row.get("schema")
    if schema is not None and (
        not isinstance(schema, dict) or not all(isinstance(v, dict) for v in schema.values())
    ):
        return _error(id_, 'schema must be {"db.schema.table": {"column": "type"}}')
    return to_contract(analyze(sql, dialect or None, schema), id_)


def process(lines: Iterable[str]) -> Iterator[str]:
    """Output lines (JSON, no newline) for input lines; never raises on bad input."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            out = parse_line(line, number)
        except Exception as exc:  # the engine never raises; belt and braces for the batch
            out = _error(None, f"line {number}: internal error: {type(exc).__name__}")
        yield json.dumps(out, ensure_ascii=False)
