"""Row-filter predicates: parse and validate once, bind user attributes as literals.

A predicate is a boolean SQL expression over the columns of its table, e.g.
``region = {user.region} OR {user.username} = 'dpo'``. ``{user.<key>}`` placeholders are
replaced *in the syntax tree* by string literals (sqlglot quotes them), never formatted
into SQL text. Built-in keys: ``username``, ``id``, ``email``; others come from
``UserAttribute`` rows. A placeholder with no value makes the whole predicate FALSE
(no rows), so a missing attribute never widens access. No subqueries, no other tables,
only allow-listed functions.
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from access.gateway.parse import QueryRejected, check_function

PLACEHOLDER = re.compile(r"\{\s*user\.([A-Za-z_][A-Za-z0-9_]{0,63})\s*\}")
_MARK = "custos_attr__"
MAX_PREDICATE = 2000

_ALLOWED: tuple[type[exp.Expr], ...] = (
    exp.Column,
    exp.Identifier,
    exp.Literal,
    exp.Boolean,
    exp.Null,
    exp.Paren,
    exp.Not,
    exp.Connector,
    exp.Binary,
    exp.Unary,
    exp.Predicate,
    exp.In,
    exp.Between,
    exp.Is,
    exp.Tuple,
    exp.Cast,
    exp.DataType,
    exp.DataTypeParam,
    exp.Func,
    exp.Interval,
    exp.Var,
    exp.If,
)


class InvalidPredicate(ValueError):
    pass


def placeholders(text: str) -> list[str]:
    return sorted(set(PLACEHOLDER.findall(text or "")))


def parse_predicate(text: str, dialect: str, columns: set[str] | None = None) -> exp.Expr | None:
    """The validated predicate (None for "all rows"); ``InvalidPredicate`` if unacceptable."""
    text = (text or "").strip()
    if not text or text.upper() == "TRUE":
        return None
    if len(text) > MAX_PREDICATE:
        raise InvalidPredicate(f"A row filter may have at most {MAX_PREDICATE} characters.")
    if ";" in PLACEHOLDER.sub("", text).replace("';'", ""):
        raise InvalidPredicate("A row filter is one expression (no ';').")
    marked = PLACEHOLDER.sub(lambda m: f"{_MARK}{m.group(1)}", text)
    try:
        tree = sqlglot.parse_one(marked, read=dialect, into=exp.Condition)
    except (ParseError, TokenError, ValueError) as exc:
        raise InvalidPredicate(
            f"Not a valid SQL condition: {str(exc).splitlines()[0][:160]}"
        ) from exc
    if tree is None or isinstance(tree, exp.Query):
        raise InvalidPredicate("A row filter must be a condition, e.g. region = {user.region}.")
    lower_cols = {c.lower() for c in columns} if columns is not None else None
    for node in tree.walk():
        if isinstance(node, exp.Query | exp.Subquery | exp.Star | exp.Placeholder | exp.Parameter):
            raise InvalidPredicate("Row filters may not contain subqueries, * or parameters.")
        if not isinstance(node, _ALLOWED):
            raise InvalidPredicate(f"{node.key.upper()} is not allowed in a row filter.")
        if isinstance(node, exp.Func):
            try:
                check_function(node)
            except QueryRejected as exc:
                raise InvalidPredicate(str(exc)) from exc
        if isinstance(node, exp.Column):
            if node.table:
                raise InvalidPredicate("Use bare column names of the table (no table prefix).")
            name = node.name
            if name.startswith(_MARK):
                continue
            if lower_cols is not None and name.lower() not in lower_cols:
                raise InvalidPredicate(f"Unknown column {name!r} in the row filter.")
    return tree


def bind(
    tree: exp.Expr,
    attributes: dict[str, str] | None,
    *,
    unknown: exp.Expr | None = None,
) -> exp.Expr:
    """Replace placeholders by literals. Missing value -> FALSE (or ``unknown`` if given).

    ``attributes=None`` means "no user" (masked views): ``{user.username}`` becomes
    ``CURRENT_USER`` and any other placeholder makes the predicate FALSE.
    """
    missing = False

    def swap(node: exp.Expr) -> exp.Expr:
        nonlocal missing
        if isinstance(node, exp.Column) and not node.table and node.name.startswith(_MARK):
            key = node.name[len(_MARK) :]
            if attributes is None:
                if key == "username":
                    return exp.CurrentUser()
                missing = True
                return exp.Null()
            value = attributes.get(key)
            if value is None:
                missing = True
                return exp.Null()
            return exp.Literal.string(str(value))
        return node

    bound = tree.copy().transform(swap)
    if missing:
        return unknown.copy() if unknown is not None else exp.false()
    return bound


def qualify_columns(tree: exp.Expr, table_alias: str) -> exp.Expr:
    """Prefix every column of ``tree`` with ``table_alias`` (inside a derived table)."""

    def prefix(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Column) and not node.table:
            return exp.column(node.this.copy(), table=exp.to_identifier(table_alias, quoted=True))
        return node

    return tree.copy().transform(prefix)
