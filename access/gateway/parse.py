"""Step 1: parse the user's SQL and accept only one read-only query (no Django).

Accepted: a single SELECT, WITH ... SELECT, VALUES, or a set operation (UNION / INTERSECT /
EXCEPT) of those. Rejected: any DML/DDL anywhere in the tree (including data-modifying
CTEs), SELECT INTO, locking clauses, several statements, commands, table-valued functions,
and functions with side effects or access outside the catalog (``pg_sleep``,
``query_to_xml``, ``load_extension``, ``SLEEP``, ``LOAD_FILE``...). Unrecognised functions
must be on a small allow-list: a source's own user-defined functions may write.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

MAX_SQL_CHARS = 100_000

# Dialect names of sqlglot per source kind.
DIALECTS = {"sqlite": "sqlite", "postgresql": "postgres", "mysql": "mysql"}

_WRITE_NODES: tuple[type[exp.Expression], ...] = (
    exp.Insert,
    exp.Update,
    exp.Delete,
    exp.Merge,
    exp.Create,
    exp.Drop,
    exp.Alter,
    exp.Command,
    exp.Into,
    exp.Lock,
    exp.Set,
    exp.Pragma,
    exp.Transaction,
    exp.Commit,
    exp.Rollback,
    exp.Copy,
    exp.TruncateTable,
    exp.LoadData,
    exp.Use,
    exp.Grant,
    exp.Describe,
)

# Functions sqlglot does not model (exp.Anonymous) that are known to be pure.
SAFE_ANONYMOUS = frozenset(
    {
        "abs",
        "acos",
        "asin",
        "atan",
        "atan2",
        "ascii",
        "age",
        "bit_length",
        "btrim",
        "cbrt",
        "ceil",
        "ceiling",
        "char_length",
        "character_length",
        "chr",
        "concat_ws",
        "cos",
        "cot",
        "date",
        "datetime",
        "date_part",
        "degrees",
        "div",
        "exp",
        "factorial",
        "float8",
        "format",
        "glob",
        "iif",
        "ifnull",
        "instr",
        "isfinite",
        "julianday",
        "justify_days",
        "justify_hours",
        "justify_interval",
        "lcase",
        "left",
        "length",
        "ln",
        "log",
        "log10",
        "lower",
        "lpad",
        "ltrim",
        "md5",
        "mod",
        "nullif",
        "octet_length",
        "pi",
        "position",
        "power",
        "printf",
        "quote_ident",
        "radians",
        "regexp_like",
        "regexp_match",
        "regexp_matches",
        "regexp_replace",
        "regexp_substr",
        "repeat",
        "replace",
        "reverse",
        "right",
        "round",
        "rpad",
        "rtrim",
        "sign",
        "sin",
        "soundex",
        "sqrt",
        "strftime",
        "string_to_array",
        "strpos",
        "substr",
        "substring",
        "tan",
        "time",
        "to_ascii",
        "to_char",
        "to_date",
        "to_hex",
        "to_number",
        "to_timestamp",
        "translate",
        "trim",
        "trunc",
        "typeof",
        "ucase",
        "unicode",
        "unixepoch",
        "upper",
        "width_bucket",
    }
)

# Functions refused even when sqlglot models them, and name prefixes refused everywhere.
DENIED_FUNCTIONS = frozenset(
    {
        "sleep",
        "pg_sleep",
        "pg_sleep_for",
        "pg_sleep_until",
        "benchmark",
        "get_lock",
        "release_lock",
        "release_all_locks",
        "is_free_lock",
        "is_used_lock",
        "load_file",
        "load_extension",
        "readfile",
        "writefile",
        "edit",
        "fts3_tokenizer",
        "zeroblob",
        "randomblob",
        "set_config",
        "current_setting",
        "nextval",
        "setval",
        "currval",
        "lastval",
        "txid_current",
        "query_to_xml",
        "query_to_xml_and_xmlschema",
        "table_to_xml",
        "cursor_to_xml",
        "schema_to_xml",
        "database_to_xml",
        "master_pos_wait",
        "source_pos_wait",
        "sys_exec",
        "sys_eval",
        "read_csv",
        "read_parquet",
        "read_json",
    }
)
DENIED_PREFIXES = ("pg_", "lo_", "dblink", "xp_", "sys_", "txid_", "read_")


class QueryRejected(Exception):
    """The SQL is not an acceptable read-only query; ``code`` says why."""

    def __init__(self, message: str, code: str = "query_rejected") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Parsed:
    query: exp.Query
    dialect: str


def function_name(node: exp.Func) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    return node.sql_name().lower()


def check_function(node: exp.Func) -> None:
    name = function_name(node)
    if name in DENIED_FUNCTIONS or name.startswith(DENIED_PREFIXES):
        raise QueryRejected(
            f"Function {name}() is not allowed through the gateway.", "function_denied"
        )
    if isinstance(node, exp.Anonymous) and name not in SAFE_ANONYMOUS:
        raise QueryRejected(
            f"Function {name}() is not on the gateway's allow-list of known read-only functions.",
            "function_denied",
        )


def parse_readonly(sql: str, dialect: str) -> Parsed:
    """The single read-only query in ``sql`` (``QueryRejected`` otherwise)."""
    if not isinstance(sql, str) or not sql.strip():
        raise QueryRejected("The query is empty.", "invalid_sql")
    if len(sql) > MAX_SQL_CHARS:
        raise QueryRejected(f"The query is longer than {MAX_SQL_CHARS} characters.", "invalid_sql")
    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.ERROR)  # "falling back to Command" warnings: we reject those anyway
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except (ParseError, TokenError) as exc:
        raise QueryRejected(
            f"Cannot parse the query: {str(exc).splitlines()[0][:200]}", "invalid_sql"
        ) from exc
    except Exception as exc:  # sqlglot may raise other errors on odd input
        raise QueryRejected("Cannot parse the query.", "invalid_sql") from exc
    finally:
        logger.setLevel(level)
    if len(statements) != 1:
        raise QueryRejected(
            "Send exactly one statement (no ';'-separated scripts).", "multiple_statements"
        )
    root = statements[0]
    if not isinstance(root, exp.Query | exp.Values):
        raise QueryRejected(
            f"Only read-only queries (SELECT, WITH ... SELECT, UNION) are accepted, not {root.key.upper()}.",
            "not_read_only",
        )
    for node in root.walk():
        if isinstance(node, _WRITE_NODES):
            raise QueryRejected(
                f"{node.key.upper()} is not allowed: the gateway only runs read-only queries.",
                "not_read_only",
            )
        if isinstance(node, exp.Func):
            check_function(node)
        if isinstance(node, exp.Table) and not isinstance(node.this, exp.Identifier):
            raise QueryRejected(
                "Table-valued functions are not supported by the gateway.", "not_supported"
            )
        if isinstance(node, exp.Parameter | exp.Placeholder):
            raise QueryRejected("Parameters and placeholders are not supported.", "not_supported")
    if isinstance(root, exp.Values):
        root = exp.select("*").from_(root.as_("v"))
    return Parsed(query=root, dialect=dialect)
