"""The governed query engine: one entry point for queries, previews and exports.

``run_query`` parses, resolves, checks access, rewrites, executes and audits
(``access.query``: who, the SQL as submitted, masks, row filters, row count, duration -
never result values). Rejections are audited too (``access.query.rejected``).
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction

import audit.services as audit
from access import policies, policy_cache
from access.gateway import execute, parse, resolve, rewrite
from access.masking_bridge import get_operator, keys_for
from catalog import selectors
from catalog.models import Asset, Source
from catalog.services import source_dsn
from custos.errors import DomainError, NotFound, PermissionDenied

DEFAULT_LIMIT = 1000


def max_rows() -> int:
    return int(getattr(settings, "CUSTOS_QUERY_MAX_ROWS", 10_000))


def timeout_seconds() -> float:
    return float(getattr(settings, "CUSTOS_QUERY_TIMEOUT_SECONDS", 30))


class GatewayError(DomainError):
    """A rejected or failed query, with a specific code (rendered as 4xx JSON)."""

    def __init__(
        self, message: str, *, code: str, status: int = 400, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message, details=details)
        self.code = code
        self.status = status


@dataclass
class QueryOutcome:
    columns: list[str]
    rows: list[list[Any]]
    row_count: int
    truncated: bool
    masks: list[dict[str, Any]] = field(default_factory=list)
    row_filters: list[dict[str, Any]] = field(default_factory=list)
    sql_executed: str = ""
    duration_ms: float = 0.0
    tables: list[str] = field(default_factory=list)

    def as_json(self, *, include_sql: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "columns": self.columns,
            "rows": self.rows,
            "row_count": self.row_count,
            "truncated": self.truncated,
            "masks": [{"column": m["column"], "operator": m["operator"]} for m in self.masks],
            "row_filters": self.row_filters,
            "tables": self.tables,
            "duration_ms": round(self.duration_ms, 2),
        }
        if include_sql:
            body["sql_executed"] = self.sql_executed
        return body


def json_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return "base64:" + base64.b64encode(bytes(value)).decode()
    if isinstance(value, uuid.UUID):
        return str(value)
    return str(value)


def _dialect(source: Source) -> str:
    return parse.DIALECTS.get(source.kind, source.kind)


def _audit(action: str, user: Any, source: Source | None, changes: dict[str, Any]) -> None:
    with transaction.atomic():
        audit.record(
            action=action,
            obj=source,
            changes=changes,
            actor=user if getattr(user, "pk", None) else None,
        )


def _limit(limit: int | None) -> int:
    if limit is None:
        return min(DEFAULT_LIMIT, max_rows())
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise GatewayError("limit must be a positive integer.", code="validation_error")
    return min(limit, max_rows())


def plan(
    user: Any, source: Source, sql: str, *, limit: int | None
) -> tuple[rewrite.Rewritten, list[resolve.BaseTable]]:
    """Parse, resolve, check access and rewrite (no execution). Raises GatewayError / 404 / 403."""
    dialect = _dialect(source)
    try:
        parsed = parse.parse_readonly(sql, dialect)
        dsn = source_dsn(source)
        visible = resolve.visible_tables_of(user, source, resolve.table_names(parsed.query))
        try:
            tables = resolve.resolve(
                parsed.query, source=source, kind=source.kind, visible_tables=visible, dsn=dsn
            )
        except resolve.TableNotFound as exc:
            raise NotFound(
                f"No table {exc.name!r} in source {source.name!r} (or you may not see it).",
                details={"table": exc.name, "source": source.name},
            ) from exc
        subject = policies.subject_for_user(user)
        access: dict[int, policies.TableAccess] = {}
        for base in tables:
            if base.asset.id in access:
                continue
            ta = policies.evaluate(subject, policies.load_facts(base.asset), dialect=dialect)
            if not ta.allowed:
                raise PermissionDenied(
                    f"You may not query {base.asset.fqn}: {ta.reason}. Request access from the table page.",
                    details={
                        "table": base.asset.fqn,
                        "reason": ta.reason,
                        "request": "/api/v1/access-requests/",
                    },
                )
            access[base.asset.id] = ta
        try:
            rewritten = rewrite.rewrite(
                parsed.query, tables, access, dialect=dialect, limit=limit + 1 if limit else None
            )
        except rewrite.ColumnDenied as exc:
            raise PermissionDenied(
                f"You may not read column {exc.column!r} of {exc.table}.",
                details={"table": exc.table, "column": exc.column},
            ) from exc
    except parse.QueryRejected as exc:
        raise GatewayError(str(exc), code=exc.code) from exc
    return rewritten, tables


def _apply_python_masks(rows: list[list[Any]], masks: list[rewrite.PythonMask]) -> None:
    for mask in masks:
        op = get_operator(mask.operator)
        keys = keys_for(op)
        for row in rows:
            row[mask.output_index] = op.apply(row[mask.output_index], mask.params, keys)


def _source_by_name(user: Any, name: str) -> Source:
    if not getattr(user, "pk", None):
        return selectors.source_by_name(user, name)
    return policy_cache.lookup_cache.get_current(
        ("source", user.pk, name), lambda: (selectors.source_by_name(user, name), None)
    )


def _rejected(user: Any, source: Source, sql: str, purpose: str, exc: DomainError) -> None:
    _audit(
        "access.query.rejected",
        user,
        source,
        {
            "purpose": purpose,
            "source": source.name,
            "sql": sql[:20_000],
            "error": exc.code,
            "message": exc.message[:300],
        },
    )


def run_query(
    *, user: Any, source: Source | str, sql: str, limit: int | None = None, purpose: str = "query"
) -> QueryOutcome:
    """Run ``sql`` for ``user`` under every policy; audited whatever the outcome."""
    started = time.perf_counter()
    cap = _limit(limit)
    with policy_cache.pinned():  # one epoch read for the source, visibility and policies
        if isinstance(source, str):
            source = _source_by_name(user, source)
        try:
            rewritten, tables = plan(user, source, sql, limit=cap)
        except DomainError as exc:
            _rejected(user, source, sql, purpose, exc)
            raise
    try:
        result = execute.run(
            source_dsn(source), rewritten.sql, limit=cap, timeout_s=timeout_seconds()
        )
    except execute.ExecutionFailed as exc:
        error = GatewayError(
            str(exc),
            code="query_timeout" if exc.timeout else "query_failed",
            status=422,
            details={"detail": exc.detail} if user.is_superuser else {},
        )
        _rejected(user, source, sql, purpose, error)
        raise error from exc
    rows = [list(r) for r in result.rows]
    _apply_python_masks(rows, rewritten.python_masks)
    outcome = QueryOutcome(
        columns=result.columns,
        rows=[[json_value(v) for v in r] for r in rows],
        row_count=len(rows),
        truncated=result.truncated,
        masks=rewritten.masks,
        row_filters=rewritten.row_filters,
        sql_executed=rewritten.sql,
        duration_ms=(time.perf_counter() - started) * 1000,
        tables=sorted({t.asset.fqn for t in tables}),
    )
    _audit(
        "access.query",
        user,
        source,
        {
            "purpose": purpose,
            "source": source.name,
            "sql": sql[:20_000],
            "tables": outcome.tables,
            "masks": [{"column": m["column"], "operator": m["operator"]} for m in outcome.masks],
            "row_filters": outcome.row_filters,
            "row_count": outcome.row_count,
            "truncated": outcome.truncated,
            "duration_ms": round(outcome.duration_ms, 2),
        },
    )
    return outcome


def preview_sql(table: Asset) -> str:
    """``SELECT * FROM <table>`` in the table's source dialect."""
    from sqlglot import exp

    _, db, name = resolve.physical_parts(table, table.source.kind)
    node = exp.Table(
        this=exp.to_identifier(name, quoted=True),
        db=exp.to_identifier(db, quoted=True) if db else None,
    )
    return exp.select("*").from_(node).sql(dialect=_dialect(table.source))


def preview(*, user: Any, table_fqn: str, limit: int = 20) -> QueryOutcome:
    """Sample rows of a table through the same engine (audited as purpose=preview)."""
    table = selectors.table_by_fqn(user, table_fqn)
    return run_query(
        user=user, source=table.source, sql=preview_sql(table), limit=limit, purpose="preview"
    )
