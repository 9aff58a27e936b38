"""Result types of the lineage engine and the algebra of transform kinds.

Everything here is plain data: the Django layer, the CLI and the bench read these
dataclasses and never see a sqlglot object.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Transform kinds, from "the value is copied" to "the value never reaches the target".
IDENTITY = "identity"  # copied unchanged (aliases, parentheses and casts included)
EXPRESSION = "expression"  # computed from the value; the value may still be recoverable
CASE = "case"  # flows through a CASE/IF/IIF (as a branch value or as a condition)
WINDOW = "window"  # argument, PARTITION BY or ORDER BY of a window function
HASH = "hash"  # passed through a hash function (md5, sha*, hash, farm_fingerprint...)
AGGREGATE = "aggregate"  # passed through sum/avg/min/max/stddev/... (not COUNT)
COUNT = "count"  # only counted: COUNT(x), COUNT(DISTINCT x), APPROX_COUNT_DISTINCT(x)
JOIN_KEY = "join_key"  # decides which rows meet (JOIN ON/USING, MERGE ON); no value flows
FILTER = "filter"  # decides which rows reach the target (WHERE/HAVING/QUALIFY); no value flows

VALUE_KINDS = (IDENTITY, EXPRESSION, CASE, WINDOW, HASH, AGGREGATE, COUNT)
INDIRECT_KINDS = (JOIN_KEY, FILTER)
ALL_KINDS = VALUE_KINDS + INDIRECT_KINDS

# Rank used to compose kinds. Along a chain of steps the highest rank wins (a hashed
# value stays hashed whatever is done to it later; a filter column stays a filter).
# Across parallel paths into the same target the lowest rank wins (``email || md5(email)``
# still exposes the email), so PII propagation is never stopped by a weaker path.
_RANK = {kind: rank for rank, kind in enumerate(ALL_KINDS)}


def chain(first: str, then: str) -> str:
    """Kind of a value that went through ``first`` and then through ``then``."""
    return first if _RANK[first] >= _RANK[then] else then


def parallel(one: str, other: str) -> str:
    """Kind of a target fed by two paths of the given kinds."""
    return one if _RANK[one] <= _RANK[other] else other


@dataclass(frozen=True)
class ColumnEdge:
    """One column-level lineage edge.

    ``source`` and ``target`` are column FQNs ``[db.][schema.]table.column`` (as
    qualified as the SQL, the defaults and the schema allow), lowercased per the
    dialect's case rules; a part containing a dot is wrapped in double quotes.
    ``transform`` is one of ``ALL_KINDS``; ``confidence`` is in ``(0, 1]``.
    """

    source: str
    target: str
    transform: str
    confidence: float


@dataclass
class StatementResult:
    """What one statement of a script reads, writes and derives.

    ``kind`` is select / insert / ctas / select_into / create_view / create_table /
    merge / update / delete / copy / unload / alter / rename / drop / truncate / use /
    create_function / create_procedure / command / ... ; ``error`` is set when the
    statement could not be parsed or analysed (its lists are then empty or partial).
    """

    index: int
    kind: str
    tables_read: list[str] = field(default_factory=list)
    tables_written: list[str] = field(default_factory=list)
    edges: list[ColumnEdge] = field(default_factory=list)
    error: str | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class LineageResult:
    """Lineage of a whole script, plus the per-statement view it was built from."""

    tables_read: list[str] = field(default_factory=list)
    tables_written: list[str] = field(default_factory=list)
    edges: list[ColumnEdge] = field(default_factory=list)
    statements: list[StatementResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
