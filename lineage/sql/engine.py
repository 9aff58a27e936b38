"""``analyze``: lineage of a SQL script, statement by statement and as a whole.

Script-level conventions (what ``LineageResult`` promises):

* ``tables_read`` are the real sources: a table created earlier in the same script
  (``CREATE TABLE``, CTAS, ``SELECT INTO``, a rename target) is not a source when read
  later — the data came from the script.
* Temporary tables (``CREATE TEMP``, ``#tmp``, ``SELECT ... INTO TEMP``, Teradata
  VOLATILE) and tables the script creates and later drops are *intermediate*: they are
  in no script-level list, and every edge through them is composed into edges from
  their real sources (kinds chained, confidence the minimum along the way).
* ``ALTER TABLE a RENAME TO b`` moves what the script wrote into ``a`` onto ``b``.
* Edges with the same source and target are merged: the weakest kind wins across
  parallel paths, and a value edge hides a filter/join-key edge.
* Statement-level results are the raw view of each statement (temporary tables included).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Mapping

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect

from lineage.sql.model import ColumnEdge, LineageResult, StatementResult, chain, parallel
from lineage.sql.names import ColKey, TableKey, get_dialect, render_column, render_table
from lineage.sql.schema import Catalog, SchemaIndex
from lineage.sql.split import Chunk, split_script
from lineage.sql.statements import Outcome, StatementAnalyzer


class _DropCommandFallbackWarnings(logging.Filter):
    """sqlglot logs a warning for each statement it keeps as a raw Command; the engine
    reports those statements itself (as warnings of the statement), so the log line is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Falling back to parsing as a 'Command'" not in record.getMessage()


logging.getLogger("sqlglot").addFilter(_DropCommandFallbackWarnings())

_CACHE_SIZE = 4096
_cache: OrderedDict[tuple[str, str, str, str, str], LineageResult] = OrderedDict()
_cache_lock = threading.Lock()


def analyze(
    sql: str,
    dialect: str | None = None,
    schema: Mapping[str, Mapping[str, str]] | SchemaIndex | None = None,
    *,
    default_catalog: str | None = None,
    default_schema: str | None = None,
) -> LineageResult:
    """Table- and column-level lineage of ``sql`` (one statement or a whole script).

    Never raises: a statement that cannot be parsed or analysed gets an ``error`` (and
    the script-level ``errors`` a line), and the other statements are still analysed.
    Results are cached (LRU) by SQL text, dialect, schema fingerprint and defaults;
    each call returns a fresh copy the caller may modify.
    """
    try:
        index = schema if isinstance(schema, SchemaIndex) else SchemaIndex(schema)
        key = (
            sql.strip(),
            dialect or "",
            index.fingerprint,
            default_catalog or "",
            default_schema or "",
        )
    except Exception as error:
        return LineageResult(errors=[f"invalid schema: {error}"])
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
    if cached is None:
        try:
            cached = _analyze(
                sql,
                dialect,
                index,
                default_catalog=default_catalog,
                default_schema=default_schema,
            )
        except Exception as error:
            cached = LineageResult(errors=[f"internal error: {type(error).__name__}: {error}"])
        with _cache_lock:
            _cache[key] = cached
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    return _clone(cached)


def clear_cache() -> None:
    """Forget all cached results (the benchmark uses it to measure cold runs)."""
    with _cache_lock:
        _cache.clear()


def _clone(result: LineageResult) -> LineageResult:
    return LineageResult(
        tables_read=list(result.tables_read),
        tables_written=list(result.tables_written),
        edges=list(result.edges),
        statements=[
            StatementResult(
                index=s.index,
                kind=s.kind,
                tables_read=list(s.tables_read),
                tables_written=list(s.tables_written),
                edges=list(s.edges),
                error=s.error,
                warnings=list(s.warnings),
            )
            for s in result.statements
        ],
        errors=list(result.errors),
        warnings=list(result.warnings),
    )


def _analyze(
    sql: str,
    dialect_name: str | None,
    index: SchemaIndex,
    *,
    default_catalog: str | None,
    default_schema: str | None,
) -> LineageResult:
    try:
        dialect = get_dialect(dialect_name)
    except Exception as error:
        return LineageResult(errors=[f"unknown dialect {dialect_name!r}: {error}"])
    name = (dialect_name or "").strip().lower()
    catalog = Catalog(
        index.for_dialect(dialect),
        default_catalog=default_catalog,
        default_schema=default_schema,
        dialect=dialect,
    )
    analyzer = StatementAnalyzer(catalog, dialect, name)
    statements: list[StatementResult] = []
    outcomes: list[Outcome | None] = []
    for chunk in split_script(sql, dialect):
        for parsed, parse_error in _parse(chunk, sql, dialect):
            position = len(statements)
            if parsed is None:
                statements.append(StatementResult(position, _guess_kind(chunk), error=parse_error))
                outcomes.append(None)
                continue
            try:
                outcome = analyzer.analyze(parsed)
            except Exception as failure:
                statements.append(
                    StatementResult(
                        position,
                        _guess_kind(chunk),
                        error=f"cannot analyse: {type(failure).__name__}: {failure}",
                    )
                )
                outcomes.append(None)
                continue
            statements.append(_render_statement(position, outcome))
            outcomes.append(outcome)
    result = _compose(outcomes)
    result.statements = statements
    for statement in statements:
        if statement.error:
            result.errors.append(f"statement {statement.index + 1}: {statement.error}")
        result.warnings.extend(f"statement {statement.index + 1}: {w}" for w in statement.warnings)
    return result


def _parse(chunk: Chunk, sql: str, dialect: Dialect) -> list[tuple[exp.Expr | None, str | None]]:
    """Statements of one chunk, or ``[(None, error)]`` when it does not parse."""
    try:
        # reuse the splitter's tokens: tokenizing again would cost as much as parsing
        tokens = chunk.tokens if chunk.tokens is not None else dialect.tokenize(chunk.text)
        parsed = dialect.parser().parse(tokens, sql if chunk.tokens is not None else chunk.text)
    except Exception as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        return [(None, f"parse error: {message[:300]}")]
    expressions = [e for e in parsed if e is not None]
    if not expressions:
        return []
    if any(isinstance(e, _NOT_STATEMENTS) for e in expressions):
        # e.g. "SELEC x" parses as the expression "SELEC AS x": a typo, not a statement
        return [(None, "parse error: not a SQL statement")]
    # A routine body that the parser split further belongs to its CREATE statement.
    first = expressions[0]
    if isinstance(first, exp.Create) and str(first.args.get("kind") or "").upper() in (
        "FUNCTION",
        "PROCEDURE",
        "TRIGGER",
    ):
        return [(first, None)]
    return [(e, None) for e in expressions]


_NOT_STATEMENTS = (exp.Alias, exp.Condition, exp.Identifier, exp.Star, exp.Tuple, exp.Var)


def _guess_kind(chunk: Chunk) -> str:
    words = chunk.text.split()
    return words[0].lower() if words and words[0].isalpha() else "unknown"


def _render_statement(position: int, outcome: Outcome) -> StatementResult:
    return StatementResult(
        index=position,
        kind=outcome.kind,
        tables_read=_unique(render_table(k) for k in outcome.reads),
        tables_written=_unique(render_table(k) for k in outcome.writes),
        edges=[
            ColumnEdge(render_column(s), render_column(t), kind, round(conf, 3))
            for s, t, kind, conf in outcome.edges
        ],
        warnings=list(outcome.warnings),
    )


def _unique(items: object) -> list[str]:
    return list(dict.fromkeys(items))  # type: ignore[call-overload]


def _compose(outcomes: list[Outcome | None]) -> LineageResult:
    """Script-level lineage: real sources, final targets, edges through temporaries."""
    created_at: dict[TableKey, int] = {}
    passthrough: set[TableKey] = set()
    for position, outcome in enumerate(outcomes):
        if outcome is None:
            continue
        for key, temporary in outcome.created:
            created_at.setdefault(key, position)
            if temporary:
                passthrough.add(key)
        for key in outcome.dropped:
            if key in created_at:
                passthrough.add(key)

    upstream: dict[ColKey, dict[ColKey, tuple[str, float]]] = {}
    edges: dict[tuple[ColKey, ColKey], tuple[str, float]] = {}
    reads: dict[TableKey, None] = {}
    writes: dict[TableKey, None] = {}
    created: set[TableKey] = set()

    def sources_of(col: ColKey, kind: str, conf: float) -> list[tuple[ColKey, str, float]]:
        table, name = col
        if table not in passthrough:
            return [(col, kind, conf)]
        found = upstream.get(col)
        if found is None and name != "*":
            star = upstream.get((table, "*"), {})
            found = {
                ((src[0], name) if src[1] == "*" else src): value for src, value in star.items()
            }
        return [(src, chain(k, kind), min(c, conf)) for src, (k, c) in (found or {}).items()]

    def add(target: dict[ColKey, tuple[str, float]], col: ColKey, kind: str, conf: float) -> None:
        old = target.get(col)
        target[col] = (kind, conf) if old is None else (parallel(old[0], kind), max(old[1], conf))

    for outcome in outcomes:
        if outcome is None:
            continue
        for key in outcome.reads:
            if key not in created and key not in passthrough:
                reads[key] = None
        for source, target, kind, conf in outcome.edges:
            for src, k, c in sources_of(source, kind, conf):
                if src == target:
                    continue
                if target[0] in passthrough:
                    add(upstream.setdefault(target, {}), src, k, c)
                else:
                    old = edges.get((src, target))
                    edges[(src, target)] = (
                        (k, c) if old is None else (parallel(old[0], k), max(old[1], c))
                    )
        for key in outcome.writes:
            if key not in passthrough:
                writes[key] = None
        for key, _ in outcome.created:
            created.add(key)
        for old_key, new_key in outcome.renamed:
            _rename(old_key, new_key, edges, upstream, writes, passthrough)
            created.add(new_key)

    return LineageResult(
        tables_read=[render_table(k) for k in reads],
        tables_written=[render_table(k) for k in writes],
        edges=[
            ColumnEdge(render_column(s), render_column(t), kind, round(conf, 3))
            for (s, t), (kind, conf) in edges.items()
        ],
    )


def _rename(
    old: TableKey,
    new: TableKey,
    edges: dict[tuple[ColKey, ColKey], tuple[str, float]],
    upstream: dict[ColKey, dict[ColKey, tuple[str, float]]],
    writes: dict[TableKey, None],
    passthrough: set[TableKey],
) -> None:
    """What the script wrote into ``old`` now lives in ``new``."""

    def renamed(col: ColKey) -> ColKey:
        return (new, col[1]) if col[0] == old else col

    moved = {(renamed(s), renamed(t)): v for (s, t), v in edges.items()}
    edges.clear()
    edges.update(moved)
    if old in passthrough:  # a renamed temporary table is still temporary
        passthrough.discard(old)
        passthrough.add(new)
        for col in [c for c in upstream if c[0] == old]:
            upstream[(new, col[1])] = upstream.pop(col)
    if old in writes:
        del writes[old]
        writes[new] = None
