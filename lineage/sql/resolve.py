"""Column lineage of one query: from its output columns back to base-table columns.

Works on sqlglot's scope tree (CTEs, derived tables, subqueries, set operations,
UNNEST/LATERAL) of a query whose identifiers were canonicalized, and resolves every
column reference itself instead of running sqlglot's ``qualify`` (slower, and it hides
how sure a resolution is). Confidence of a resolution:

* 1.0 — qualified reference, or unqualified and found in exactly one source's known
  columns (schema, script-created table, CTE or subquery outputs);
* 0.9 — unqualified, no schema, but only one source could hold it;
* 0.8 — unqualified, the other sources' known columns exclude it;
* 0.7 — a name passed through an unexpanded ``*`` of a table without schema;
* 1/n (at most 0.5) — n sources without schema could hold it: an edge to each;
* 0.5 — the ``*`` edges of a ``SELECT *`` over a table without schema.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.optimizer.scope import Scope, build_scope

from lineage.sql.model import FILTER, IDENTITY, JOIN_KEY, chain, parallel
from lineage.sql.names import ColKey, TableKey, table_parts
from lineage.sql.schema import Catalog
from lineage.sql.transforms import path_kind

Deps = dict[ColKey, tuple[str, float]]

# Dialects where a projection may use an alias defined earlier in the same SELECT.
LATERAL_ALIAS_DIALECTS = frozenset(
    {"snowflake", "redshift", "databricks", "spark", "duckdb", "teradata", "clickhouse"}
)

# Table functions reading files (compared without underscores: sqlglot's node keys
# are ``readparquet``/``readcsv``).
_FILE_FUNCTIONS = frozenset(
    {
        "readcsv",
        "readcsvauto",
        "readparquet",
        "readjson",
        "readjsonauto",
        "readndjson",
        "parquetscan",
        "icebergscan",
        "deltascan",
    }
)
_FILE_NAME = re.compile(r"(://|\.(csv|tsv|parquet|json|ndjson|jsonl|avro|orc)(\.gz|\.zst)?$)", re.I)


class AnalysisError(Exception):
    """A statement the engine understands syntactically but cannot analyse."""


def merge(deps: Deps, col: ColKey, kind: str, confidence: float) -> None:
    """Add one dependency, merging parallel paths (weakest kind, best confidence)."""
    old = deps.get(col)
    if old is None:
        deps[col] = (kind, confidence)
    else:
        deps[col] = (parallel(old[0], kind), max(old[1], confidence))


@dataclass
class Output:
    """One output column of a query and the base columns its value comes from."""

    name: str
    deps: Deps
    star: bool = False  # an unexpanded ``*`` standing for unknown columns


@dataclass
class QueryLineage:
    outputs: list[Output]
    # tables whose unknown columns pass through an unexpanded ``*`` by name
    star_tables: list[TableKey] = field(default_factory=list)
    # a table function without named outputs: any column name comes from these
    any_name: Deps | None = None

    def find(self, name: str) -> Output | None:
        for output in self.outputs:
            if output.name == name:
                return output
        lowered = name.lower()
        for output in self.outputs:
            if output.name.lower() == lowered:
                return output
        return None


@dataclass
class TableSource:
    key: TableKey
    columns: list[str] | None


Source = TableSource | Scope | None  # None: an opaque table function


def file_key(path: str) -> TableKey:
    """Pseudo-table for a file location: URIs kept, bare paths get ``file:``."""
    path = path.strip()
    if "://" in path or path.startswith(("file:", "@")):
        return (path,)
    return ("file:" + path,)


class QueryResolver:
    """Resolves one statement's queries; collects tables read, filters and warnings."""

    def __init__(self, catalog: Catalog, dialect: Dialect, dialect_name: str) -> None:
        self.catalog = catalog
        self.dialect = dialect
        self.lateral_aliases = dialect_name in LATERAL_ALIAS_DIALECTS
        self.tables_read: dict[TableKey, None] = {}
        self.filters: Deps = {}
        self.warnings: list[str] = []
        self._memo: dict[int, QueryLineage] = {}
        self._sources: dict[int, dict[str, Source]] = {}
        self._scope_by_expr: dict[int, Scope] = {}
        self._in_progress: set[int] = set()

    # -- entry point -----------------------------------------------------------------

    def run(self, query: exp.Expr) -> QueryLineage:
        """Lineage of ``query``'s outputs; fills ``tables_read`` and ``filters``."""
        root = build_scope(query)
        if root is None:
            raise AnalysisError(f"cannot analyse {type(query).__name__}")
        scopes = list(root.traverse())
        for scope in scopes:
            self._scope_by_expr[id(scope.expression)] = scope
        for scope in scopes:
            for source in self.sources(scope).values():
                if isinstance(source, TableSource):
                    self.tables_read[source.key] = None
        lineage = self.lineage(root)
        for scope in scopes:
            self._collect_filters(scope)
        return lineage

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    # -- sources ---------------------------------------------------------------------

    def sources(self, scope: Scope) -> dict[str, Source]:
        known = self._sources.get(id(scope))
        if known is not None:
            return known
        result: dict[str, Source] = {}
        for name, source in scope.sources.items():
            if isinstance(source, exp.Table):
                result[name] = self.table_source(source)
            else:
                result[name] = source
        self._sources[id(scope)] = result
        return result

    def table_source(self, table: exp.Table) -> Source:
        this = table.this
        if isinstance(this, exp.Literal) and this.is_string:
            return TableSource(file_key(this.name), None)
        if isinstance(this, exp.Var) and this.name.startswith("@"):
            return TableSource(file_key(this.name), None)
        if isinstance(this, exp.Func):
            name = this.name.lower() if isinstance(this, exp.Anonymous) else this.key
            first = this.expressions[0] if this.expressions else this.this
            if (
                name.replace("_", "") in _FILE_FUNCTIONS
                and isinstance(first, exp.Literal)
                and first.is_string
            ):
                return TableSource(file_key(first.name), None)
            return None
        parts = table_parts(table)
        if not parts:
            return None
        if len(parts) == 1 and _FILE_NAME.search(parts[0]):
            return TableSource(file_key(parts[0]), None)  # DuckDB: FROM 'events.csv'

        resolved = self.catalog.resolve(parts)
        if resolved.ambiguous:
            self.warn(f"table {'.'.join(parts)} matches several schema tables")
        return TableSource(resolved.key, resolved.columns)

    def _find_source(self, scope: Scope, name: str) -> tuple[Source, bool]:
        """Source named ``name`` visible from ``scope`` (and whether it was found)."""
        current: Scope | None = scope
        while current is not None:
            sources = self.sources(current)
            if name in sources:
                return sources[name], True
            lateral = current.lateral_sources
            if name in lateral:
                source = lateral[name]
                if isinstance(source, exp.Table):
                    return self.table_source(source), True
                return source, True
            current = current.parent
        return None, False

    # -- lineage of a scope ------------------------------------------------------------

    def lineage(self, scope: Scope) -> QueryLineage:
        key = id(scope)
        known = self._memo.get(key)
        if known is not None:
            return known
        if key in self._in_progress:  # recursive CTE: its own rows add no new sources
            return QueryLineage([])
        self._in_progress.add(key)
        try:
            result = self._compute(scope)
        finally:
            self._in_progress.discard(key)
        names = _alias_columns(scope.expression)
        if names:
            for output, name in zip(result.outputs, names, strict=False):
                if not output.star:
                    output.name = name
        self._memo[key] = result
        return result

    def _compute(self, scope: Scope) -> QueryLineage:
        expression = scope.expression
        if isinstance(expression, exp.Select):
            return self._select(scope)
        if isinstance(expression, exp.SetOperation):
            return self._set_operation(scope)
        if isinstance(expression, exp.Subquery):
            inner = scope.subquery_scopes or scope.derived_table_scopes
            if inner:
                return _copy(self.lineage(inner[-1]))
            return QueryLineage([])
        if isinstance(expression, (exp.UDTF, exp.Lateral)):
            return self._udtf(scope)
        return QueryLineage([])

    def _set_operation(self, scope: Scope) -> QueryLineage:
        branches = [self.lineage(s) for s in scope.set_operation_scopes]
        if not branches:
            return QueryLineage([])
        first = branches[0]
        outputs = [Output(o.name, dict(o.deps), o.star) for o in first.outputs]
        star_tables = list(first.star_tables)
        for branch in branches[1:]:
            if len(branch.outputs) != len(outputs) and not any(o.star for o in outputs):
                self.warn("set operation branches have different column counts")
            if isinstance(scope.expression, exp.Except):
                # EXCEPT's right side only removes rows: it filters, it gives no values
                for other in branch.outputs:
                    for col, (kind, conf) in other.deps.items():
                        merge(self.filters, col, chain(kind, FILTER), conf)
                continue
            for output, other in zip(outputs, branch.outputs, strict=False):
                for col, (kind, conf) in other.deps.items():
                    merge(output.deps, col, kind, conf)
            star_tables.extend(branch.star_tables)
        return QueryLineage(outputs, star_tables)

    def _udtf(self, scope: Scope) -> QueryLineage:
        expression = scope.expression
        deps: Deps = {}
        for child in expression.iter_expressions():
            if isinstance(child, exp.TableAlias):
                continue
            for col, (kind, conf) in self.expr_deps(child, scope, root=None).items():
                merge(deps, col, chain(kind, "expression"), conf)
        names = _alias_columns(expression)
        if not names and isinstance(expression, exp.Unnest) and expression.alias:
            names = [expression.alias]  # BigQuery: UNNEST(x) AS v names the value column
        if names:
            return QueryLineage([Output(name, dict(deps)) for name in names])
        return QueryLineage([], any_name=deps)

    def _select(self, scope: Scope) -> QueryLineage:
        select = scope.expression
        outputs: list[Output] = []
        star_tables: list[TableKey] = []
        for position, projection in enumerate(select.expressions):
            if isinstance(projection, exp.Star):
                for name in self._ordered_source_names(scope):
                    self._expand(scope, name, projection, outputs, star_tables)
                continue
            if isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star):
                self._expand(scope, projection.table, projection.this, outputs, star_tables)
                continue
            name = projection.alias_or_name or f"_col_{position}"
            deps = self.expr_deps(projection, scope, root=projection, lateral=outputs)
            outputs.append(Output(name, deps))
        return QueryLineage(outputs, star_tables)

    def _ordered_source_names(self, scope: Scope) -> list[str]:
        try:
            names = list(scope.selected_sources)
        except Exception:
            names = list(scope.sources)
        # tables of a semi/anti join never reach the output
        return [name for name in names if name in scope.sources]

    def _expand(
        self,
        scope: Scope,
        name: str,
        star: exp.Expr,
        outputs: list[Output],
        star_tables: list[TableKey],
    ) -> None:
        excluded = {e.name for e in (star.args.get("except_") or star.args.get("exclude") or [])}
        source, found = self._find_source(scope, name)
        if not found:
            self.warn(f"unknown table {name} in {name}.*")
            return
        if isinstance(source, TableSource):
            if source.columns is None:
                self.warn(f"SELECT * over {'.'.join(source.key)} without schema: columns unknown")
                outputs.append(Output("*", {(source.key, "*"): (IDENTITY, 0.5)}, star=True))
                star_tables.append(source.key)
                return
            for column in source.columns:
                if column not in excluded:
                    outputs.append(Output(column, {(source.key, column): (IDENTITY, 1.0)}))
            return
        if isinstance(source, Scope):
            child = self.lineage(source)
            for output in child.outputs:
                if output.name not in excluded:
                    outputs.append(Output(output.name, dict(output.deps), output.star))
            star_tables.extend(child.star_tables)
            if child.any_name is not None:
                self.warn(f"SELECT * over table function {name}: columns unknown")

    # -- expressions and columns ---------------------------------------------------------

    def expr_deps(
        self,
        expression: exp.Expr,
        scope: Scope,
        *,
        root: exp.Expr | None,
        lateral: list[Output] | None = None,
    ) -> Deps:
        """Base columns that ``expression`` (evaluated in ``scope``) is computed from."""
        deps: Deps = {}
        top = root if root is not None else expression
        stack: list[tuple[exp.Expr, frozenset[str]]] = [(expression, frozenset())]
        while stack:
            node, bound = stack.pop()
            if isinstance(node, exp.Column):
                if isinstance(node.this, exp.Star) or (not node.table and node.name in bound):
                    continue
                kind = path_kind(node, top)
                for col, (k, conf) in self.resolve_column(node, scope, lateral).items():
                    merge(deps, col, chain(k, kind), conf)
                continue
            if isinstance(node, (exp.Select, exp.SetOperation)) and node is not expression:
                sub = self._scope_by_expr.get(id(node))
                if sub is not None:
                    kind = path_kind(node, top)
                    for output in self.lineage(sub).outputs:
                        for col, (k, conf) in output.deps.items():
                            merge(deps, col, chain(k, kind), conf)
                continue
            if isinstance(node, exp.Lambda):
                bound = bound | {e.name for e in node.expressions}
            stack.extend((child, bound) for child in node.iter_expressions())
        return deps

    def resolve_column(
        self, column: exp.Column, scope: Scope, lateral: list[Output] | None = None
    ) -> Deps:
        """Base columns a column reference stands for, with kind and confidence."""
        name = column.name
        qualifier = column.table
        if qualifier:
            source, found = self._find_source(scope, qualifier)
            if found:
                return self._source_column(source, name, 1.0)
            # ``x.field``: a struct field of column x rather than a table-qualified column
            deps = self._unqualified(qualifier, scope, lateral, warn=False)
            if deps:
                return {
                    col: (chain(kind, "expression"), conf) for col, (kind, conf) in deps.items()
                }
            self.warn(f"cannot resolve column {qualifier}.{name}")
            return {}
        return self._unqualified(name, scope, lateral, warn=True)

    def _unqualified(
        self, name: str, scope: Scope, lateral: list[Output] | None, *, warn: bool
    ) -> Deps:
        current: Scope | None = scope
        correlated = False
        while current is not None:
            definite: list[Source] = []
            unknown: list[Source] = []
            for source in self.sources(current).values():
                holds = self._holds(source, name)
                if holds is True:
                    definite.append(source)
                elif holds is None:
                    unknown.append(source)
            if len(definite) == 1:
                return self._source_column(definite[0], name, 0.9 if correlated else 1.0)
            if len(definite) > 1:
                self.warn(f"column {name} is ambiguous")
                return self._split(definite, name)
            if current is scope and lateral:
                alias = next((o for o in lateral if o.name == name and not o.star), None)
                if alias is not None and (self.lateral_aliases or not unknown):
                    return dict(alias.deps)
            if len(unknown) == 1:
                only = len(self.sources(current)) == 1
                return self._source_column(unknown[0], name, 0.9 if only else 0.8)
            if unknown:
                if warn:
                    self.warn(f"column {name} could come from {len(unknown)} tables without schema")
                return self._split(unknown, name)
            if not (current.is_subquery or current.is_udtf or current.is_derived_table):
                break
            current = current.parent
            correlated = True
        if warn:
            self.warn(f"cannot resolve column {name}")
        return {}

    def _split(self, sources: list[Source], name: str) -> Deps:
        share = min(0.5, 1.0 / len(sources))
        deps: Deps = {}
        for source in sources:
            for col, (kind, conf) in self._source_column(source, name, share).items():
                merge(deps, col, kind, conf)
        return deps

    def _holds(self, source: Source, name: str) -> bool | None:
        """Whether ``source`` has a column ``name`` (None: cannot tell)."""
        if source is None:
            return False
        if isinstance(source, TableSource):
            if source.columns is None:
                return None
            return name in source.columns or name.lower() in (c.lower() for c in source.columns)
        lineage = self.lineage(source)
        if lineage.find(name) is not None:
            return True
        if lineage.star_tables or lineage.any_name is not None:
            return None
        return False

    def _source_column(self, source: Source, name: str, confidence: float) -> Deps:
        if source is None:
            return {}
        if isinstance(source, TableSource):
            if source.columns is not None and name not in source.columns:
                match = next((c for c in source.columns if c.lower() == name.lower()), None)
                if match is None:
                    self.warn(f"column {name} is not in the schema of {'.'.join(source.key)}")
                    confidence = min(confidence, 0.7)
                else:
                    name = match
            return {(source.key, name): (IDENTITY, confidence)}
        lineage = self.lineage(source)
        output = lineage.find(name)
        if output is not None:
            return {col: (kind, min(conf, confidence)) for col, (kind, conf) in output.deps.items()}
        if lineage.any_name is not None:
            return {
                col: (kind, min(conf, confidence, 0.8))
                for col, (kind, conf) in lineage.any_name.items()
            }
        if lineage.star_tables:
            share = min(0.7, 1.0 / len(lineage.star_tables))
            return {
                (table, name): (IDENTITY, min(confidence, share)) for table in lineage.star_tables
            }
        self.warn(f"column {name} is not an output of a subquery or CTE")
        return {}

    # -- rows: filters and join keys ----------------------------------------------------

    def _collect_filters(self, scope: Scope) -> None:
        select = scope.expression
        if not isinstance(select, exp.Select):
            return
        for clause in ("where", "having", "qualify"):
            node = select.args.get(clause)
            if node is not None:
                self._add_filter(node, scope, FILTER)
        for join in select.args.get("joins") or []:
            on = join.args.get("on")
            if on is not None:
                self._add_filter(on, scope, JOIN_KEY)
            for ident in join.args.get("using") or []:
                for source in self.sources(scope).values():
                    if self._holds(source, ident.name) is not False:
                        for col, (_, conf) in self._source_column(source, ident.name, 1.0).items():
                            merge(self.filters, col, JOIN_KEY, conf)

    def _add_filter(self, node: exp.Expr, scope: Scope, kind: str) -> None:
        for col, (k, conf) in self.expr_deps(node, scope, root=node).items():
            merge(self.filters, col, chain(k, kind), conf)


def _alias_columns(expression: exp.Expr) -> list[str]:
    """Column names given by ``AS t(a, b)`` on a derived table or ``WITH c(a, b)``."""
    holder = expression
    if isinstance(expression.parent, (exp.CTE, exp.Subquery)):
        holder = expression.parent
    alias = holder.args.get("alias")
    if isinstance(alias, exp.TableAlias):
        return [c.name for c in alias.columns]
    return []


def _copy(lineage: QueryLineage) -> QueryLineage:
    return QueryLineage(
        [Output(o.name, dict(o.deps), o.star) for o in lineage.outputs],
        list(lineage.star_tables),
        lineage.any_name,
    )
