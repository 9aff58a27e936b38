"""Identifier case rules, canonical names and FQN rendering.

Internally a table is a ``TableKey`` (a tuple of canonical name parts, e.g.
``("shop", "public", "orders")``) and a column a ``ColKey`` ``(TableKey, name)``.
Canonical parts are already in output form:

* unquoted identifiers are lowercased in every dialect (PostgreSQL folds them to
  lower case, Snowflake/Oracle to upper case: both mean the same table);
* quoted identifiers keep their case where the dialect is case-sensitive for them
  (PostgreSQL ``"Orders"`` is not ``orders``), except an all-upper-case quoted name in
  an upper-case-folding dialect (Snowflake ``"ORDERS"`` *is* ``orders``);
* case-insensitive dialects (BigQuery, DuckDB, Hive/Spark, Redshift, SQLite, T-SQL,
  Presto/Trino) and MySQL (whose column names are case-insensitive and whose table
  names are on most installations) lowercase everything;
* T-SQL temporary tables keep their sigil: ``#tmp``, ``##global``.
"""

from __future__ import annotations

from functools import lru_cache

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect, NormalizationStrategy

TableKey = tuple[str, ...]
ColKey = tuple[TableKey, str]

NO_TABLE: TableKey = ()  # the "table" of a plain SELECT's output columns

# sqlglot treats MySQL identifiers as case-sensitive; we follow MySQL's documented
# behaviour for columns (always case-insensitive) and its common table setting.
_DIALECT_OVERRIDES = {"mysql": "mysql, normalization_strategy = case_insensitive"}

_INSENSITIVE = (
    NormalizationStrategy.CASE_INSENSITIVE,
    NormalizationStrategy.CASE_INSENSITIVE_UPPERCASE,
)


@lru_cache(maxsize=64)
def get_dialect(name: str | None) -> Dialect:
    """The sqlglot dialect for ``name`` (None means sqlglot's generic dialect).

    Raises ValueError for an unknown dialect name.
    """
    if not name:
        return Dialect.get_or_raise(None)
    key = name.strip().lower()
    return Dialect.get_or_raise(_DIALECT_OVERRIDES.get(key, key))


def canonical(name: str, *, quoted: bool, dialect: Dialect) -> str:
    """Canonical (output) form of one identifier as written in SQL."""
    strategy = dialect.normalization_strategy
    if strategy is NormalizationStrategy.CASE_SENSITIVE:
        return name
    if not quoted or strategy in _INSENSITIVE:
        return name.lower()
    if strategy is NormalizationStrategy.UPPERCASE and name == name.upper():
        return name.lower()
    return name


def stored_canonical(name: str, dialect: Dialect) -> str:
    """Canonical form of a name as a catalog stores it (schema keys, column names).

    Catalogs report stored names: ``ORDERS`` in Snowflake, ``orders`` in PostgreSQL,
    so a stored name is treated as a quoted identifier.
    """
    return canonical(name, quoted=True, dialect=dialect)


def canonicalize_tree(tree: exp.Expr, dialect: Dialect) -> None:
    """Rewrite every identifier of ``tree`` in place to its canonical form.

    Done once per statement so that sqlglot's scope keys, table aliases and column
    qualifiers all compare equal exactly when the database would consider them equal.
    """
    for ident in tree.find_all(exp.Identifier):
        name = ident.this
        if not isinstance(name, str):
            continue
        new = canonical(name, quoted=bool(ident.args.get("quoted")), dialect=dialect)
        if ident.args.get("global_"):
            new = "##" + new
        elif ident.args.get("temporary"):
            new = "#" + new
        if new != name:
            ident.set("this", new)


def split_dotted(text: str) -> list[str]:
    """Split ``a."b.c".d`` into ``["a", '"b.c"', "d"]`` (quotes kept on quoted parts)."""
    parts: list[str] = []
    current: list[str] = []
    in_quotes = False
    for char in text:
        if char == '"':
            in_quotes = not in_quotes
            current.append(char)
        elif char == "." and not in_quotes:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def parse_stored_name(text: str, dialect: Dialect) -> TableKey:
    """Canonical parts of a dotted catalog name such as a schema key ``db.sch.tbl``."""
    parts = []
    for raw in split_dotted(text.strip()):
        part = raw.strip()
        if len(part) >= 2 and part[0] == part[-1] == '"':
            part = part[1:-1].replace('""', '"')
        if part:
            parts.append(stored_canonical(part, dialect))
    return tuple(parts)


def quote_part(part: str) -> str:
    """One FQN part, double-quoted when it contains a dot (the contract's rule)."""
    if "." in part:
        return '"' + part.replace('"', '""') + '"'
    return part


def render_table(key: TableKey) -> str:
    """FQN of a table key."""
    return ".".join(quote_part(part) for part in key)


def render_column(col: ColKey) -> str:
    """FQN of a column key (just the column name for a plain SELECT's outputs)."""
    table, name = col
    if not table:
        return quote_part(name)
    return render_table(table) + "." + quote_part(name)


def table_parts(table: exp.Table) -> TableKey:
    """Canonical parts of a table reference whose identifiers were canonicalized."""
    return tuple(part.name for part in table.parts if part.name)
