"""Lineage of one parsed statement, by statement kind.

Each handler turns a statement into an ``Outcome``: the tables it reads and writes,
its raw column edges (targets may still be temporary tables; the script level resolves
through them) and what it changes in the ``Catalog`` (tables created, renamed, dropped).

UPDATE and MERGE are analysed as the SELECT they amount to (``SELECT <assigned values>
FROM target JOIN source ON ... WHERE ...``), so they get exactly the same column
resolution as queries.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect

from lineage.sql.model import IDENTITY, parallel
from lineage.sql.names import NO_TABLE, ColKey, TableKey, canonicalize_tree, table_parts
from lineage.sql.resolve import (
    AnalysisError,
    QueryLineage,
    QueryResolver,
    file_key,
)
from lineage.sql.schema import Catalog

RawEdge = tuple[ColKey, ColKey, str, float]

# USE without a kind: dialects where the named thing is a schema (two-part names).
_USE_SETS_SCHEMA = frozenset({"mysql", "hive", "spark", "databricks", "doris", "starrocks"})
_UNLOAD = re.compile(r"^\s*UNLOAD\s*\(\s*'((?:[^']|'')*)'\s*\)\s*TO\s*'([^']*)'", re.I | re.S)
_LOCAL_TEMP = re.compile(r"^(\s*CREATE\s+)(LOCAL|GLOBAL)\s+(TEMP|TEMPORARY)\b", re.I)


@dataclass
class Outcome:
    kind: str
    reads: list[TableKey] = field(default_factory=list)
    writes: list[TableKey] = field(default_factory=list)
    edges: list[RawEdge] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    created: list[tuple[TableKey, bool]] = field(default_factory=list)  # (table, temporary)
    dropped: list[TableKey] = field(default_factory=list)
    renamed: list[tuple[TableKey, TableKey]] = field(default_factory=list)


class StatementAnalyzer:
    """Analyses statements one after the other, sharing the script's ``Catalog``."""

    def __init__(self, catalog: Catalog, dialect: Dialect, dialect_name: str) -> None:
        self.catalog = catalog
        self.dialect = dialect
        self.dialect_name = dialect_name

    def analyze(self, statement: exp.Expr) -> Outcome:
        """Outcome of one statement (raises on anything it cannot analyse)."""
        canonicalize_tree(statement, self.dialect)
        handler = _HANDLERS.get(type(statement))
        if handler is not None:
            return handler(self, statement)
        if isinstance(statement, exp.Query):
            return self._select(statement)
        return Outcome(kind=type(statement).__name__.lower())

    # -- helpers ------------------------------------------------------------------------

    def _resolver(self) -> QueryResolver:
        return QueryResolver(self.catalog, self.dialect, self.dialect_name)

    def _target(self, node: exp.Expr | None) -> tuple[TableKey | None, list[str] | None]:
        """Table written by ``node`` (Table, Schema with a column list, or a path)."""
        columns = None
        if isinstance(node, exp.Schema):
            columns = [e.name for e in node.expressions if isinstance(e, exp.Identifier)]
            columns = columns or [
                e.name for e in node.expressions if isinstance(e, (exp.ColumnDef, exp.Column))
            ]
            node = node.this
        if isinstance(node, exp.Directory):
            node = node.this
        if isinstance(node, exp.Literal) and node.is_string:
            return file_key(node.name), columns
        if isinstance(node, exp.Table):
            this = node.this
            if isinstance(this, (exp.Var, exp.Literal)) and not isinstance(this, exp.Identifier):
                return file_key(this.name), columns
            parts = table_parts(node)
            if parts:
                return self.catalog.resolve(parts).key, columns or None
        return None, columns

    @staticmethod
    def _attach_with(statement: exp.Expr, query: exp.Expr) -> None:
        """Move ``WITH ... INSERT/CREATE ...``'s CTEs onto the query that uses them."""
        with_ = statement.args.get("with_")
        if with_ is not None and isinstance(query, exp.Query) and not query.args.get("with_"):
            query.set("with_", with_.copy())

    def _query_outcome(
        self,
        kind: str,
        query: exp.Expr,
        target: TableKey,
        target_columns: list[str] | None,
        *,
        by_position: bool,
    ) -> tuple[Outcome, QueryLineage]:
        """Outcome of writing ``query``'s rows into ``target``."""
        resolver = self._resolver()
        lineage = resolver.run(query)
        outcome = Outcome(kind=kind, warnings=resolver.warnings)
        targets = self._map_targets(lineage, target, target_columns, by_position, outcome)
        outcome.reads = list(resolver.tables_read)
        outcome.writes = [target] if target else []
        outcome.edges = _edges(lineage, targets, resolver)
        return outcome, lineage

    def _map_targets(
        self,
        lineage: QueryLineage,
        target: TableKey,
        columns: list[str] | None,
        by_position: bool,
        outcome: Outcome,
    ) -> list[tuple[ColKey, float] | None]:
        """Target column (and a confidence cap) of each output of the query."""
        outputs = lineage.outputs
        if not by_position:
            return [((target, "*" if o.star else o.name), 1.0) for o in outputs]
        cap = 1.0
        if columns is None:
            columns = self.catalog.resolve(target).columns
        if columns is None:
            outcome.warnings.append(
                f"columns of {'.'.join(target)} unknown: query outputs mapped to it by name"
            )
            columns = [o.name for o in outputs]
            cap = 0.6
        mapped: list[tuple[ColKey, float] | None] = []
        for position, output in enumerate(outputs):
            if output.star:
                outcome.warnings.append("SELECT * without schema: positional mapping stops there")
                mapped.append(((target, "*"), 0.5))
                break
            if position >= len(columns):
                outcome.warnings.append("query has more columns than the target")
                break
            mapped.append(((target, columns[position]), cap))
        if len(outputs) < len(columns) and not any(o.star for o in outputs):
            outcome.warnings.append("query has fewer columns than the target")
        return mapped

    # -- statement kinds -------------------------------------------------------------------

    def _select(self, query: exp.Expr) -> Outcome:
        into = query.args.get("into")
        if isinstance(query, exp.Select) and isinstance(into, exp.Into):
            return self._select_into(query, into)
        resolver = self._resolver()
        lineage = resolver.run(query)
        targets: list[tuple[ColKey, float] | None] = [
            ((NO_TABLE, o.name), 1.0) for o in lineage.outputs
        ]
        return Outcome(
            kind="select",
            reads=list(resolver.tables_read),
            edges=_edges(lineage, targets, resolver),
            warnings=resolver.warnings,
        )

    def _select_into(self, query: exp.Select, into: exp.Into) -> Outcome:
        target, _ = self._target(into.this)
        if target is None:
            raise AnalysisError("SELECT INTO without a table")
        query = query.copy()
        query.set("into", None)
        outcome, lineage = self._query_outcome(
            "select_into", query, target, None, by_position=False
        )
        temporary = bool(into.args.get("temporary")) or target[-1].startswith("#")
        self._define(outcome, target, lineage, temporary)
        return outcome

    def _define(
        self, outcome: Outcome, target: TableKey, lineage: QueryLineage | None, temporary: bool
    ) -> None:
        columns = None
        if lineage is not None and not any(o.star for o in lineage.outputs):
            columns = [o.name for o in lineage.outputs]
        self.catalog.define(target, columns)
        outcome.created.append((target, temporary))

    def _insert(self, statement: exp.Insert) -> Outcome:
        target, columns = self._target(statement.this)
        if target is None:
            raise AnalysisError("INSERT target not understood")
        query = statement.expression
        if not isinstance(query, exp.Query):
            resolver = self._resolver()
            reads: list[TableKey] = []
            if query is not None:
                for sub in query.find_all(exp.Select):
                    if not isinstance(sub.parent, exp.Select):
                        resolver.run(sub)
                reads = list(resolver.tables_read)
            return Outcome(kind="insert", reads=reads, writes=[target])
        self._attach_with(statement, query)
        by_name = bool(statement.args.get("by_name"))
        outcome, _ = self._query_outcome("insert", query, target, columns, by_position=not by_name)
        return outcome

    def _create(self, statement: exp.Create) -> Outcome:
        kind = str(statement.args.get("kind") or "").upper()
        if kind in ("FUNCTION", "PROCEDURE", "MACRO", "TRIGGER"):
            return Outcome(
                kind=f"create_{kind.lower()}",
                warnings=[f"{kind.lower()} body is not run by this statement: not analysed"],
            )
        if kind not in ("TABLE", "VIEW"):
            return Outcome(kind=f"create_{kind.lower() or 'object'}")
        target, columns = self._target(statement.this)
        if target is None:
            raise AnalysisError("CREATE target not understood")
        temporary = target[-1].startswith("#") or any(
            isinstance(p, (exp.TemporaryProperty, exp.VolatileProperty))
            for p in (statement.args.get("properties") or exp.Properties()).expressions
        )
        query = statement.expression
        if isinstance(query, exp.Query):
            self._attach_with(statement, query)
            label = "create_view" if kind == "VIEW" else "ctas"
            outcome, lineage = self._query_outcome(
                label, query, target, columns, by_position=bool(columns)
            )
            if columns:
                self.catalog.define(target, columns)
                outcome.created.append((target, temporary))
            else:
                self._define(outcome, target, lineage, temporary)
            return outcome
        outcome = Outcome(kind="create_table" if kind == "TABLE" else "create_view")
        clone = statement.args.get("clone")
        like = next(
            (
                p.this
                for p in (statement.args.get("properties") or exp.Properties()).expressions
                if isinstance(p, exp.LikeProperty)
            ),
            None,
        )
        if isinstance(clone, exp.Clone) and isinstance(clone.this, exp.Table):
            source = self.catalog.resolve(table_parts(clone.this))
            outcome.reads = [source.key]
            columns = source.columns
            if columns is not None:
                outcome.edges = [((source.key, c), (target, c), IDENTITY, 1.0) for c in columns]
            else:
                outcome.edges = [((source.key, "*"), (target, "*"), IDENTITY, 0.5)]
        elif isinstance(like, exp.Table):
            columns = self.catalog.resolve(table_parts(like)).columns
        self.catalog.define(target, columns)
        outcome.created.append((target, temporary))
        outcome.writes = [target]
        return outcome

    def _merge(self, statement: exp.Merge) -> Outcome:
        target_table = statement.this
        target, _ = self._target(target_table)
        if target is None:
            raise AnalysisError("MERGE target not understood")
        target_columns = self.catalog.resolve(target).columns
        values: list[exp.Expr] = []
        names: list[str] = []
        conditions: list[exp.Expr] = []
        warnings: list[str] = []
        whens = statement.args.get("whens")
        for when in whens.expressions if isinstance(whens, exp.Whens) else []:
            condition = when.args.get("condition")
            if condition is not None:
                conditions.append(condition.copy())
            then = when.args.get("then")
            if isinstance(then, exp.Update):
                for assignment in then.expressions:
                    if isinstance(assignment, exp.EQ):
                        names.append(assignment.this.name)
                        values.append(assignment.expression.copy())
            elif isinstance(then, exp.Insert):
                cols = then.this.expressions if isinstance(then.this, exp.Tuple) else []
                vals = then.expression.expressions if isinstance(then.expression, exp.Tuple) else []
                col_names = [c.name for c in cols] or list(target_columns or [])
                if not col_names and vals:
                    warnings.append("MERGE INSERT without a column list and no target schema")
                for name, value in zip(col_names, vals, strict=False):
                    names.append(name)
                    values.append(value.copy())
        select = exp.Select(
            expressions=[exp.alias_(value, f"_merge_{i}") for i, value in enumerate(values)]
            or [exp.Literal.number(1)]
        )
        select.set("from_", exp.From(this=target_table.copy()))
        using = statement.args.get("using")
        on = statement.args.get("on")
        if using is not None:
            select.append("joins", exp.Join(this=using.copy(), on=on.copy() if on else None))
        if conditions:
            select.set("where", exp.Where(this=exp.or_(*conditions)))
        self._attach_with(statement, select)
        outcome = self._assignments("merge", select, target, names)
        outcome.warnings.extend(warnings)
        return outcome

    def _assignments(
        self, kind: str, select: exp.Select, target: TableKey, names: list[str]
    ) -> Outcome:
        """Outcome of ``UPDATE/MERGE`` analysed as ``select`` feeding ``target``'s columns."""
        resolver = self._resolver()
        lineage = resolver.run(select)
        targets: list[tuple[ColKey, float] | None] = [((target, n), 1.0) for n in names]
        reads = [key for key in resolver.tables_read if key != target]
        if not names:
            lineage = QueryLineage([])
        edges = _edges(lineage, targets, resolver)
        return Outcome(
            kind=kind, reads=reads, writes=[target], edges=edges, warnings=resolver.warnings
        )

    def _update(self, statement: exp.Update) -> Outcome:
        target_table = statement.this
        if not isinstance(target_table, exp.Table):
            raise AnalysisError("UPDATE target not understood")
        relations: list[exp.Expr] = []
        from_ = statement.args.get("from_")
        if isinstance(from_, exp.From):
            relations.append(from_.this)
        target_node = target_table
        if not target_table.args.get("db"):
            alias_match = next(
                (
                    r
                    for r in _flatten(relations)
                    if isinstance(r, exp.Table) and r.alias == target_table.name
                ),
                None,
            )
            if alias_match is not None:  # T-SQL: UPDATE alias SET ... FROM real_table alias
                target_node = alias_match
                relations_all = relations
            else:
                relations_all = [target_table, *relations]
        else:
            relations_all = [target_table, *relations]
        target, _ = self._target(target_node)
        if target is None:
            raise AnalysisError("UPDATE target not understood")
        names: list[str] = []
        values: list[exp.Expr] = []
        for assignment in statement.expressions:
            if isinstance(assignment, exp.EQ):
                names.append(assignment.this.name)
                values.append(assignment.expression.copy())
        select = _select_over(relations_all, values)
        where = statement.args.get("where")
        if isinstance(where, exp.Where):
            select.set("where", where.copy())
        self._attach_with(statement, select)
        return self._assignments("update", select, target, names)

    def _delete(self, statement: exp.Delete) -> Outcome:
        target, _ = self._target(statement.this)
        if target is None:
            raise AnalysisError("DELETE target not understood")
        relations: list[exp.Expr] = [statement.this]
        using = statement.args.get("using")
        if isinstance(using, list):
            relations.extend(using)
        select = _select_over(relations, [])
        where = statement.args.get("where")
        if isinstance(where, exp.Where):
            select.set("where", where.copy())
        self._attach_with(statement, select)
        resolver = self._resolver()
        resolver.run(select)
        reads = [key for key in resolver.tables_read if key != target]
        return Outcome(kind="delete", reads=reads, writes=[target], warnings=resolver.warnings)

    def _copy(self, statement: exp.Copy) -> Outcome:
        loading = bool(statement.args.get("kind"))
        this = statement.this
        files = list(statement.args.get("files") or [])
        sources = files if loading else [this]
        targets = [this] if loading else files
        outcome = Outcome(kind="copy")
        written: list[TableKey] = []
        for node in targets:
            key, _ = self._target(node)
            if key is not None:
                written.append(key)
        outcome.writes = written
        for node in sources:
            query = node.this if isinstance(node, exp.Subquery) else None
            if isinstance(query, exp.Query):
                for key in written:
                    sub, _ = self._query_outcome("copy", query.copy(), key, None, by_position=False)
                    outcome.reads.extend(k for k in sub.reads if k not in outcome.reads)
                    outcome.edges.extend(sub.edges)
                    outcome.warnings.extend(sub.warnings)
                continue
            key, _ = self._target(node)
            if key is None:
                continue
            outcome.reads.append(key)
            columns = self.catalog.resolve(key).columns if not _is_file(key) else None
            for target in written:
                if _is_file(target) and columns:
                    outcome.edges.extend(((key, c), (target, c), IDENTITY, 1.0) for c in columns)
        return outcome

    def _command(self, statement: exp.Command) -> Outcome:
        rest = statement.expression
        rest_text = rest.name if isinstance(rest, exp.Literal) else str(rest or "")
        text = f"{statement.this} {rest_text}".strip()
        unload = _UNLOAD.match(text)
        if unload:
            query_sql = unload.group(1).replace("''", "'")
            path = file_key(unload.group(2))
            query = self.dialect.parse(query_sql)[0]
            if query is None:
                raise AnalysisError("UNLOAD without a query")
            canonicalize_tree(query, self.dialect)
            outcome, _ = self._query_outcome("unload", query, path, None, by_position=False)
            return outcome
        if _LOCAL_TEMP.match(text):
            fixed = _LOCAL_TEMP.sub(r"\1\3", text)
            parsed = self.dialect.parse(fixed)[0]
            if parsed is not None and not isinstance(parsed, exp.Command):
                return self.analyze(parsed)
        word = str(statement.this).split()[0].lower() if str(statement.this).split() else "command"
        return Outcome(
            kind="command",
            warnings=[f"{word.upper()} statement not understood by the parser: not analysed"],
        )

    def _alter(self, statement: exp.Alter) -> Outcome:
        table = statement.this
        if not isinstance(table, exp.Table):
            return Outcome(kind="alter")
        old = self.catalog.resolve(table_parts(table)).key
        outcome = Outcome(kind="alter")
        for action in statement.args.get("actions") or []:
            if isinstance(action, exp.AlterRename) and isinstance(action.this, exp.Table):
                parts = table_parts(action.this)
                new = old[: len(old) - len(parts)] + parts if len(parts) < len(old) else parts
                self.catalog.rename(old, new)
                outcome.kind = "rename"
                outcome.renamed.append((old, new))
            elif isinstance(action, exp.ColumnDef):
                self.catalog.add_columns(old, [action.name])
        return outcome

    def _drop(self, statement: exp.Drop) -> Outcome:
        outcome = Outcome(kind="drop")
        kind = str(statement.args.get("kind") or "").upper()
        if kind not in ("TABLE", "VIEW", "MATERIALIZED VIEW", ""):
            return outcome
        tables = statement.args.get("tables") or [statement.this]
        for table in tables:
            if isinstance(table, exp.Table):
                key = self.catalog.resolve(table_parts(table)).key
                self.catalog.drop(key)
                outcome.dropped.append(key)
        return outcome

    def _truncate(self, statement: exp.TruncateTable) -> Outcome:
        writes = []
        for table in statement.expressions:
            key, _ = self._target(table)
            if key is not None:
                writes.append(key)
        return Outcome(kind="truncate", writes=writes)

    def _use(self, statement: exp.Use) -> Outcome:
        table = statement.this
        parts = table_parts(table) if isinstance(table, exp.Table) else ()
        kind = str(statement.args.get("kind") or "").upper()
        if not parts:
            return Outcome(kind="use")
        if kind == "SCHEMA" or (not kind and self.dialect_name in _USE_SETS_SCHEMA):
            if len(parts) >= 2:
                self.catalog.default_catalog = parts[-2]
            self.catalog.default_schema = parts[-1]
        elif kind in ("DATABASE", "CATALOG", ""):
            self.catalog.default_catalog = parts[-1]
            if self.catalog.default_schema is None and self.dialect_name == "tsql":
                self.catalog.default_schema = "dbo"
        return Outcome(kind="use")

    def _set(self, statement: exp.Set) -> Outcome:
        for item in statement.expressions:
            eq = item.this if isinstance(item, exp.SetItem) else item
            if isinstance(eq, exp.EQ) and eq.this.name.lower() == "search_path":
                value = eq.expression
                first = value.expressions[0] if isinstance(value, exp.Tuple) else value
                if first is not None and first.name:
                    self.catalog.default_schema = first.name.lower()
        return Outcome(kind="set")


def _flatten(relations: list[exp.Expr]) -> list[exp.Expr]:
    result: list[exp.Expr] = []
    for relation in relations:
        result.append(relation)
        result.extend(join.this for join in relation.args.get("joins") or [])
    return result


def _select_over(relations: list[exp.Expr], values: list[exp.Expr]) -> exp.Select:
    """``SELECT values FROM relations...`` (joins hanging off a relation kept as joins)."""
    select = exp.Select(
        expressions=[exp.alias_(value, f"_set_{i}") for i, value in enumerate(values)]
        or [exp.Literal.number(1)]
    )
    first = True
    for relation in relations:
        relation = relation.copy()
        joins = relation.args.get("joins") or []
        relation.set("joins", None)
        if first:
            select.set("from_", exp.From(this=relation))
            first = False
        else:
            select.append("joins", exp.Join(this=relation))
        for join in joins:
            select.append("joins", join)
    return select


def _is_file(key: TableKey) -> bool:
    return len(key) == 1 and ("://" in key[0] or key[0].startswith(("file:", "@")))


def _edges(
    lineage: QueryLineage,
    targets: list[tuple[ColKey, float] | None],
    resolver: QueryResolver,
) -> list[RawEdge]:
    """Value edges of each mapped output, then filter/join-key edges to every target."""
    edges: dict[tuple[ColKey, ColKey], tuple[str, float]] = {}
    mapped: list[ColKey] = []
    for output, target in zip(lineage.outputs, targets, strict=False):
        if target is None:
            continue
        target_col, cap = target
        mapped.append(target_col)
        for source, (kind, conf) in output.deps.items():
            old = edges.get((source, target_col))
            value = (kind, min(conf, cap))
            if old is not None:  # several assignments to one column (MERGE branches)
                value = (parallel(old[0], kind), max(old[1], value[1]))
            edges[(source, target_col)] = value
    for source, (kind, conf) in resolver.filters.items():
        for target_col in mapped:
            edges.setdefault((source, target_col), (kind, conf))
    return [(s, t, kind, conf) for (s, t), (kind, conf) in edges.items() if s != t]


_HANDLERS: dict[type[exp.Expr], Callable[[StatementAnalyzer, Any], Outcome]] = {
    exp.Insert: StatementAnalyzer._insert,
    exp.Create: StatementAnalyzer._create,
    exp.Merge: StatementAnalyzer._merge,
    exp.Update: StatementAnalyzer._update,
    exp.Delete: StatementAnalyzer._delete,
    exp.Copy: StatementAnalyzer._copy,
    exp.Command: StatementAnalyzer._command,
    exp.Alter: StatementAnalyzer._alter,
    exp.Drop: StatementAnalyzer._drop,
    exp.TruncateTable: StatementAnalyzer._truncate,
    exp.Use: StatementAnalyzer._use,
    exp.Set: StatementAnalyzer._set,
}
