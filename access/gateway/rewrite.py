"""Step 3: rewrite the query so it can only ever see masked, row-filtered data.

Every base-table reference ``FROM passengers AS p`` becomes a derived table
``FROM (SELECT <mask>(p.email) AS email, p.id AS id FROM main.passengers AS p
WHERE <row filter>) AS p``, projecting only the columns the query uses. Everything else
in the query - functions, casts, WHERE probes, joins, subqueries, CTEs, ``*``, windows,
set operations - reads the derived table, so it sees masked values and filtered rows only.

Before that, sqlglot's ``qualify`` resolves every column against a schema holding only
the columns the user may read (so ``*`` expands to those, and a denied or unknown column
is an error). A final pass re-checks that no base table is left outside a derived table.

Operators with no SQL form for the dialect are applied in Python on the result, but only
when the column is projected directly by the outermost SELECT (no ORDER BY / GROUP BY /
DISTINCT / HAVING there); anywhere else the column is nullified in SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp
from sqlglot.errors import OptimizeError
from sqlglot.optimizer.qualify import qualify
from sqlglot.schema import MappingSchema

from access import rowfilters
from access.gateway.parse import QueryRejected
from access.gateway.resolve import BaseTable, base_table_nodes
from access.masking_bridge import CLEAR, get_operator, keys_for
from access.policies import TableAccess

_MARK = "custos_base"
ROW_MARKER = "custos_row"


class ColumnDenied(Exception):
    def __init__(self, table: str, column: str) -> None:
        super().__init__(column)
        self.table = table
        self.column = column


@dataclass
class PythonMask:
    output_index: int
    column_fqn: str
    operator: str
    params: dict[str, Any]


@dataclass
class Rewritten:
    query: exp.Query
    sql: str
    masks: list[dict[str, Any]] = field(default_factory=list)
    python_masks: list[PythonMask] = field(default_factory=list)
    row_filters: list[dict[str, Any]] = field(default_factory=list)


def _ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def _type(data_type: str) -> str:
    try:
        exp.DataType.build(data_type or "text")
    except Exception:
        return "text"
    return data_type or "text"


def _schema(tables: list[BaseTable], access: dict[int, TableAccess], dialect: str) -> MappingSchema:
    mapping: dict[str, Any] = {}
    for base in tables:
        _, db, name = base.physical
        cols = {c.name: _type(c.data_type) for c in access[base.asset.id].readable_columns}
        if not cols:
            cols = {ROW_MARKER: "int"}  # a table whose readable columns are none
        mapping.setdefault(db or "", {})[name] = cols
    return MappingSchema(mapping, dialect=dialect, normalize=False)


def _set_physical(base: BaseTable) -> None:
    _, db, name = base.physical
    node = base.node
    if node.args.get("alias") is not None and node.args["alias"].columns:
        raise QueryRejected(
            "Column aliases on table references are not supported.", "not_supported"
        )
    node.set("this", _ident(name))
    node.set("db", _ident(db) if db else None)
    node.set("catalog", None)
    node.set("alias", exp.TableAlias(this=_ident(base.alias)))
    node.meta[_MARK] = True


def _qualify(
    query: exp.Query,
    schema: MappingSchema,
    dialect: str,
    tables: list[BaseTable],
    access: dict[int, TableAccess],
) -> exp.Query:
    try:
        out = qualify(
            query,
            dialect=dialect,
            schema=schema,
            validate_qualify_columns=True,
            quote_identifiers=True,
            identify=True,
        )
    except OptimizeError as exc:
        message = str(exc)
        names = {n.lower() for n in re.findall(r"Column '([^']+)'", message)}
        for base in tables:
            for col in access[base.asset.id].columns:
                if not col.readable and col.name.lower() in names:
                    raise ColumnDenied(base.asset.fqn, col.name) from exc
        raise QueryRejected(
            f"Cannot resolve the query against the catalog: {message.splitlines()[0][:200]}",
            "unknown_column",
        ) from exc
    except Exception as exc:
        raise QueryRejected(f"Cannot analyse the query: {str(exc)[:200]}", "not_supported") from exc
    if not isinstance(out, exp.Query):
        raise QueryRejected("Cannot analyse the query.", "not_supported")
    _check_unresolved(out)
    return out


def _check_unresolved(query: exp.Query) -> None:
    """After qualify every column has a table, except references to output aliases."""
    for column in query.find_all(exp.Column):
        if column.table:
            continue
        holder = column.find_ancestor(exp.Select, exp.SetOperation)
        aliases = set(holder.named_selects) if isinstance(holder, exp.Query) else set()
        if column.name not in aliases:
            raise QueryRejected(f"Column {column.name!r} could not be resolved.", "unknown_column")


def _used_columns(query: exp.Query) -> dict[str, set[str]]:
    used: dict[str, set[str]] = {}
    for column in query.find_all(exp.Column):
        if column.table:
            used.setdefault(column.table, set()).add(column.name)
    return used


def _python_mask_slots(query: exp.Query, alias: str, column: str) -> list[int] | None:
    """Output positions when ``alias.column`` is only ever projected directly; else None."""
    if not isinstance(query, exp.Select):
        return None
    if any(query.args.get(k) for k in ("order", "group", "having", "distinct", "qualify")):
        return None
    slots: list[int] = []
    for ref in query.find_all(exp.Column):
        if ref.table != alias or ref.name != column:
            continue
        parent = ref.parent
        holder = parent if isinstance(parent, exp.Alias) else ref
        if holder.parent is not query or holder not in query.expressions:
            return None
        slots.append(query.expressions.index(holder))
    return slots or None


def _derived(
    base: BaseTable,
    used: set[str],
    ta: TableAccess,
    dialect: str,
    query: exp.Query,
    out: Rewritten,
    sql_only: bool = False,
) -> exp.Subquery:
    alias = base.alias
    projections: list[exp.Expr] = []
    for col in ta.readable_columns:
        if col.name not in used:
            continue
        ref = exp.column(_ident(col.name), table=_ident(alias))
        expr: exp.Expr = ref
        if col.operator != CLEAR:
            op = get_operator(col.operator)
            params = dict(col.params)
            if op.sql_capable(dialect):
                expr = op.sql(ref, dialect, params, keys_for(op))
                out.masks.append({"column": col.fqn, "operator": col.operator, "applied": "sql"})
            else:
                slots = None if sql_only else _python_mask_slots(query, alias, col.name)
                if slots is None:
                    expr = exp.Null()
                    out.masks.append(
                        {
                            "column": col.fqn,
                            "operator": "nullify",
                            "applied": "sql",
                            "note": f"{col.operator} has no SQL form; column not projected directly",
                        }
                    )
                else:
                    for slot in slots:
                        out.python_masks.append(PythonMask(slot, col.fqn, col.operator, params))
                    out.masks.append(
                        {"column": col.fqn, "operator": col.operator, "applied": "python"}
                    )
        projections.append(exp.alias_(expr, _ident(col.name)))
    if not projections:
        projections.append(exp.alias_(exp.Literal.number(1), _ident(ROW_MARKER)))
    inner = base.node.copy()
    inner.meta[_MARK] = True
    select = exp.Select(expressions=projections).from_(inner)
    rf = ta.row_filter
    if rf.bound is not None:
        select = select.where(rowfilters.qualify_columns(rf.bound, alias))
    if rf.policy_ids:
        out.row_filters.append(
            {"table": base.asset.fqn, "policies": rf.names, "predicates": rf.predicates}
        )
    return exp.Subquery(this=select, alias=exp.TableAlias(this=_ident(alias)))


def _cap_limit(query: exp.Query, limit: int) -> None:
    current = query.args.get("limit")
    value = None
    if (
        isinstance(current, exp.Limit)
        and isinstance(current.expression, exp.Literal)
        and current.expression.is_int
    ):
        value = int(current.expression.name)
    if current is not None and value is None:
        raise QueryRejected("LIMIT must be a plain number.", "not_supported")
    if value is None or value > limit:
        query.set("limit", exp.Limit(expression=exp.Literal.number(limit)))


def rewrite(
    query: exp.Query,
    tables: list[BaseTable],
    access: dict[int, TableAccess],
    *,
    dialect: str,
    limit: int | None,
    sql_only: bool = False,
) -> Rewritten:
    """The governed form of ``query`` (see module docstring). ``access`` is keyed by asset id."""
    for base in tables:
        _set_physical(base)
    qualified = _qualify(query, _schema(tables, access, dialect), dialect, tables, access)
    used = _used_columns(qualified)
    out = Rewritten(query=qualified, sql="")
    for node in base_table_nodes(qualified):
        if not node.meta.get(_MARK):
            raise QueryRejected("A table reference escaped the rewrite.", "not_supported")
        alias = node.alias or node.name
        base = next(
            b
            for b in tables
            if b.alias == alias and b.physical[2] == node.name and (b.physical[1] or "") == node.db
        )
        base_view = BaseTable(node=node, asset=base.asset, alias=alias, physical=base.physical)
        derived = _derived(
            base_view,
            used.get(alias, set()),
            access[base.asset.id],
            dialect,
            qualified,
            out,
            sql_only,
        )
        node.replace(derived)
    _verify(qualified)
    if limit is not None:
        _cap_limit(qualified, limit)
    out.query = qualified
    out.sql = qualified.sql(dialect=dialect)
    return out


def _verify(query: exp.Query) -> None:
    """Fail closed: every base table must now sit directly inside one of our derived tables."""
    for node in base_table_nodes(query):
        select = node.parent.parent if node.parent is not None else None
        if (
            not node.meta.get(_MARK)
            or not isinstance(select, exp.Select)
            or not isinstance(select.parent, exp.Subquery)
        ):
            raise QueryRejected("A table reference escaped the rewrite.", "not_supported")
