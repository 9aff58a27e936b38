"""SQL against source databases through SQLAlchemy Core (parameterised; no Django).

A *predicate* is plain data, so it can be sealed into the step journal and replayed:
``[{"column": "email", "mode": "email", "values": ["ana@x.org"]}, ...]`` means
``LOWER(TRIM(email)) IN (:v...) OR ...``. Values are bound parameters, never SQL text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

IN_CHUNK = 1000
Predicate = list[dict[str, Any]]


@dataclass(frozen=True)
class TableRef:
    """Where a catalogued table lives in its source (schema may be ``main`` on SQLite)."""

    schema: str | None
    name: str

    def table(self, columns: Iterable[str] = ()) -> sa.TableClause:
        return sa.table(self.name, *(sa.column(c) for c in columns), schema=self.schema)


def chunks(values: Sequence[Any], size: int = IN_CHUNK) -> list[Sequence[Any]]:
    return [values[i : i + size] for i in range(0, len(values), size)] or [[]]


def column_expr(column: str, mode: str) -> sa.ColumnElement[Any]:
    col: sa.ColumnElement[Any] = sa.column(column)
    if mode == "email":
        return sa.func.lower(sa.func.trim(col))
    if mode == "upper":
        return sa.func.upper(sa.func.trim(col))
    if mode == "phone":
        expr: sa.ColumnElement[Any] = col
        for noise in (" ", "-", "(", ")", "."):
            expr = sa.func.replace(expr, noise, "")
        return expr
    return col


def where(predicate: Predicate) -> sa.ColumnElement[bool]:
    """OR of every column clause; an empty predicate matches nothing."""
    clauses: list[sa.ColumnElement[bool]] = []
    for clause in predicate:
        values = list(clause["values"])
        if not values:
            continue
        expr = column_expr(clause["column"], clause["mode"])
        clauses.extend(expr.in_(list(chunk)) for chunk in chunks(values))
    if not clauses:
        return sa.false()
    return sa.or_(*clauses)


def count(conn: Connection, ref: TableRef, predicate: Predicate) -> int:
    stmt = sa.select(sa.func.count()).select_from(ref.table()).where(where(predicate))
    return int(conn.execute(stmt).scalar_one())


def distinct_values(
    conn: Connection, ref: TableRef, column: str, predicate: Predicate, limit: int = 10_000
) -> list[Any]:
    stmt: Any = (
        sa.select(sa.column(column))
        .select_from(ref.table())
        .where(where(predicate))
        .where(sa.column(column).is_not(None))
        .distinct()
        .limit(limit)
    )
    return [row[0] for row in conn.execute(stmt)]


def rows(
    conn: Connection, ref: TableRef, predicate: Predicate, limit: int = 10_000
) -> tuple[list[str], list[dict[str, Any]]]:
    stmt = sa.select(sa.text("*")).select_from(ref.table()).where(where(predicate)).limit(limit)
    result = conn.execute(stmt)
    keys = list(result.keys())
    return keys, [dict(zip(keys, row, strict=True)) for row in result]


def is_integer_type(data_type: str) -> bool:
    lowered = data_type.lower()
    return any(t in lowered for t in ("int", "serial")) and "interval" not in lowered


def dialect_of(engine: Engine | Connection) -> str:
    return engine.dialect.name
