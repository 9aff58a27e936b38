"""Sampling column values at the source, pushed down to its database (no Django).

One query per table reads at most ``max_rows`` rows of all wanted columns:

* ``SELECT c1, c2, ... FROM t LIMIT n`` everywhere;
* on PostgreSQL, tables estimated above ``big_table_rows`` rows are read through
  ``TABLESAMPLE SYSTEM (p)`` (block sampling: spread over the table, no full scan), with
  ``p`` chosen from the row estimate so that about ``4 x max_rows`` rows qualify, and
  still ``LIMIT n``;
* a column that came back mostly NULL gets one follow-up query over a bounded prefix:
  ``SELECT DISTINCT c FROM (SELECT c FROM t LIMIT m) s WHERE c IS NOT NULL LIMIT k``.

Every statement has a LIMIT (or TABLESAMPLE and LIMIT), so no statement reads more than
``deep_rows`` rows of a table; statements are recorded in ``Sampler.statements`` (tests
and the bench read them). Per column, at most ``max_values`` distinct non-null values
are kept; binary values are skipped.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa


@dataclass(frozen=True)
class TableRef:
    """What to sample: a table (or view) and the columns wanted."""

    name: str
    columns: tuple[str, ...]
    schema: str | None = None
    row_count: int | None = None
    is_view: bool = False


@dataclass
class TableSample:
    """Distinct non-null values per column (insertion order), and how they were read."""

    values: dict[str, list[object]]
    method: str
    rows: int
    seconds: float
    statements: list[str] = field(default_factory=list)


class Sampler:
    """Samples tables over one SQLAlchemy engine (open it with ``with Sampler(...)``)."""

    def __init__(
        self,
        engine: sa.Engine,
        *,
        max_values: int = 100,
        max_rows: int = 1000,
        big_table_rows: int = 50_000,
        deep_rows: int = 20_000,
        statement_timeout_s: int = 60,
    ) -> None:
        self.engine = engine
        self.kind = engine.dialect.name  # sqlite | postgresql | mysql | mariadb
        self.max_values = max_values
        self.max_rows = max_rows
        self.big_table_rows = big_table_rows
        self.deep_rows = deep_rows
        self.statement_timeout_s = statement_timeout_s
        self.statements: list[str] = []
        self._conn: sa.Connection | None = None

    def __enter__(self) -> Sampler:
        self._conn = self.engine.connect()
        if self.kind == "postgresql":
            ms = self.statement_timeout_s * 1000
            self._conn.execute(sa.text(f"SET statement_timeout = {ms}"))
        elif self.kind in ("mysql", "mariadb"):
            self._conn.execute(
                sa.text(f"SET SESSION max_statement_time = {self.statement_timeout_s}")
            )
        return self

    def __exit__(self, *exc: object) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # -- public ------------------------------------------------------------------------

    def sample(self, table: TableRef) -> TableSample:
        started = time.perf_counter()
        first = len(self.statements)
        if not table.columns:
            return TableSample({}, "none", 0, 0.0)
        src = sa.table(table.name, *(sa.column(c) for c in table.columns), schema=table.schema)
        method = "limit"
        rows: list[Any] = []
        if self._use_tablesample(table):
            method = "tablesample"
            rows = self._fetch(self._tablesample_query(src, table))
            if len(rows) < min(self.max_rows, (table.row_count or 0)) // 4:
                method = "tablesample+limit"  # unlucky blocks: top up with a plain LIMIT
                rows += self._fetch(sa.select(*src.c).limit(self.max_rows))
        else:
            rows = self._fetch(sa.select(*src.c).limit(self.max_rows))
        values = self._distinct(table.columns, rows)
        if len(rows) >= self.max_rows:
            for index, name in enumerate(table.columns):
                non_null = sum(1 for row in rows if row[index] is not None)
                if len(values[name]) < self.max_values and non_null < len(rows) // 2:
                    self._top_up(src, name, values)
        return TableSample(
            values=values,
            method=method,
            rows=len(rows),
            seconds=time.perf_counter() - started,
            statements=self.statements[first:],
        )

    # -- steps -------------------------------------------------------------------------

    def _use_tablesample(self, table: TableRef) -> bool:
        return (
            self.kind == "postgresql"
            and not table.is_view
            and (table.row_count or 0) >= self.big_table_rows
        )

    def _tablesample_query(self, src: sa.TableClause, table: TableRef) -> sa.Select[Any]:
        estimate = max(table.row_count or 1, 1)
        percent = min(100.0, max(0.001, 400.0 * self.max_rows / estimate))
        sampled = sa.tablesample(src, sa.func.system(round(percent, 4)), name="s")
        return sa.select(*sampled.c).limit(self.max_rows)

    def _top_up(self, src: sa.TableClause, name: str, values: dict[str, list[object]]) -> None:
        col = src.c[name]
        prefix = sa.select(col).limit(self.deep_rows).subquery("p")
        query = (
            sa.select(prefix.c[name])
            .where(prefix.c[name].is_not(None))
            .distinct()
            .limit(self.max_values)
        )
        seen = values[name]
        known = {self._key(v) for v in seen}
        for (value,) in self._fetch(query):
            key = self._key(value)
            if key is not None and key not in known and len(seen) < self.max_values:
                known.add(key)
                seen.append(value)

    def _fetch(self, query: sa.Select[Any]) -> list[Any]:
        assert self._conn is not None, "use the Sampler as a context manager"
        self.statements.append(
            str(query.compile(self.engine, compile_kwargs={"literal_binds": True}))
        )
        return list(self._conn.execute(query).all())

    @staticmethod
    def _key(value: object) -> object:
        if value is None or isinstance(value, bytes | bytearray | memoryview):
            return None
        return value if isinstance(value, str | int) else str(value)

    def _distinct(self, columns: tuple[str, ...], rows: list[Any]) -> dict[str, list[object]]:
        out: dict[str, list[object]] = {}
        for index, name in enumerate(columns):
            seen: dict[object, object] = {}
            for row in rows:
                key = self._key(row[index])
                if key is not None and key not in seen:
                    seen[key] = row[index]
                    if len(seen) >= self.max_values:
                        break
            out[name] = list(seen.values())
        return out
