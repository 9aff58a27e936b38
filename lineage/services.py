"""All lineage writes: one transaction and one audit event per ingest batch.

``record_edges`` is the single write path for already-resolved edges (other apps, the
OpenMetadata-compatible API, manual edges). The ``ingest_*`` functions turn each source
of lineage into edges through the SQL engine and the catalog resolver, then call the
same writer:

* ``ingest_views`` — every view of a source (``view_sql`` as ingested), with the catalog
  as the engine's schema; runs after each successful catalog ingestion.
* ``ingest_sql`` — SQL texts (scripts or logged queries) executed on a source.
* ``ingest_query_log`` / ``ingest_pg_stat_statements`` — query logs.
* ``ingest_dbt_manifest`` — a dbt ``manifest.json``.
* ``ingest_openlineage_event`` — an OpenLineage RunEvent.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

import audit.services as audit
from catalog.ingest.snapshot import make_fqn, split_fqn
from catalog.models import IngestionRun, Source
from custos.errors import PermissionDenied, ValidationFailed
from lineage import store
from lineage.ingest import dbt, openlineage, querylog
from lineage.models import LineageProvenance, ProvenanceKind
from lineage.resolve import SourceCatalog
from lineage.specs import EdgeSpec, ProvenanceSpec
from lineage.sql import LineageResult, analyze
from lineage.sql.model import ColumnEdge

__all__ = [
    "EdgeSpec",
    "IngestReport",
    "ProvenanceSpec",
    "edges_from_result",
    "ingest_dbt_manifest",
    "ingest_openlineage_event",
    "ingest_pg_stat_statements",
    "ingest_query_log",
    "ingest_sql",
    "ingest_views",
    "record_edges",
]

logger = logging.getLogger("custos.lineage")

BATCH_PROVENANCES = 200  # provenances per transaction (and per audit event) in big ingests
INGEST_PERMS = ("lineage.add_columnlineage", "catalog.add_ingestionrun")


@dataclass
class IngestReport:
    """What one ingestion did (returned by every ``ingest_*`` and ``record_edges``)."""

    kind: str
    source: str | None = None
    statements: int = 0
    statements_failed: int = 0
    skipped: int = 0
    write: store.WriteStats = field(default_factory=store.WriteStats)
    errors: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)

    def error(self, message: str) -> None:
        if len(self.errors) < 50:
            self.errors.append(message[:500])

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "source": self.source,
            "statements": self.statements,
            "statements_failed": self.statements_failed,
            "skipped": self.skipped,
            **self.write.as_dict(),
            "errors": self.errors[:20],
            "messages": self.messages,
        }

    def summary(self) -> str:
        w = self.write
        return (
            f"{self.kind} lineage of {self.source or '(no source)'}: "
            f"{w.provenances} provenance(s), {self.statements} statement(s) "
            f"({self.statements_failed} failed, {self.skipped} without lineage), "
            f"{w.column_edges} column edge(s) ({w.column_edges_created} new), "
            f"{w.table_edges} table edge(s) ({w.table_edges_created} new), "
            f"{w.edges_removed} removed, {w.externals_created} new external node(s)"
        )


def may_ingest(user: Any) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and (user.is_superuser or any(user.has_perm(p) for p in INGEST_PERMS))
    )


def require_ingest(actor: Any) -> None:
    if actor is not None and not may_ingest(actor):
        raise PermissionDenied("You may not record lineage (needs the ingestion permission).")


def _write(
    items: Sequence[tuple[ProvenanceSpec, Sequence[EdgeSpec]]],
    *,
    report: IngestReport,
    source: Source | None,
    retire: Sequence[int] = (),
) -> None:
    """One transaction + one audit event per chunk of provenances."""
    chunks = list(store.chunks(items, BATCH_PROVENANCES)) or ([[]] if retire else [])
    for index, chunk in enumerate(chunks):
        with transaction.atomic():
            stats = store.write_batch(chunk, source=source)
            if index == 0 and retire:
                stats.edges_removed += store.retire_provenances(list(retire))
            report.write.add(stats)
            audit.record(
                action=f"lineage.ingest.{report.kind}",
                object_type="source" if source else "lineage",
                object_id=str(source.pk) if source else "",
                object_repr=source.name if source else "lineage",
                changes={"batch": index + 1, "of": len(chunks), **stats.as_dict()},
            )


def record_edges(
    *,
    edges: Sequence[EdgeSpec],
    provenance: ProvenanceSpec,
    actor: Any = None,
) -> IngestReport:
    """Record ``edges`` as what ``provenance`` says (replacing its previous edges).

    Endpoints are catalog FQNs; unknown names become external nodes. Invalid edges are
    reported in ``report.write.rejected`` and skipped. One transaction, one audit event.
    ``actor`` (optional) must hold the ingestion permission.
    """
    require_ingest(actor)
    if provenance.kind not in ProvenanceKind.values:
        raise ValidationFailed(
            f"Unknown provenance kind {provenance.kind!r}.", details={"kind": provenance.kind}
        )
    if not provenance.reference:
        raise ValidationFailed("A provenance needs a reference.")
    report = IngestReport(kind=provenance.kind, source=_name(provenance.source))
    _write([(provenance, list(edges))], report=report, source=provenance.source)
    return report


def _name(source: Source | None) -> str | None:
    return source.name if source else None


# -- engine results -> edges ---------------------------------------------------------------


def edges_from_result(result: LineageResult, catalog: SourceCatalog | None) -> list[EdgeSpec]:
    """Column and table edges of an engine result, with names mapped to the catalog.

    Plain SELECT outputs (bare target names) are skipped; ``t.*`` edges (columns unknown)
    become table edges. Table edges come from each statement's reads x writes, restricted
    to the script's own reads and writes (temporary tables are resolved through).
    """
    col = catalog.column_endpoint if catalog else (lambda n: n)
    tab = catalog.table_endpoint if catalog else (lambda n: n)
    edges: dict[tuple[str, str, str | None], float] = {}

    def put(key: tuple[str, str, str | None], confidence: float) -> None:
        edges[key] = max(edges.get(key, 0.0), confidence)

    for edge in result.edges:
        source_table, target_table = _table_of(edge.source), _table_of(edge.target)
        if target_table is None or source_table is None:
            continue  # plain SELECT output, or a bare name
        if _is_star(edge):
            put((tab(source_table), tab(target_table), None), edge.confidence)
            continue
        put((col(edge.source), col(edge.target), edge.transform), edge.confidence)
    reads, writes = set(result.tables_read), set(result.tables_written)
    for statement in result.statements:
        for target in statement.tables_written:
            if target not in writes:
                continue
            for source in statement.tables_read:
                if source in reads and source != target:
                    put((tab(source), tab(target), None), 1.0)
    return [EdgeSpec(s, t, kind, conf) for (s, t, kind), conf in edges.items()]


def _table_of(name: str) -> str | None:
    parts = split_fqn(name)
    return make_fqn(*parts[:-1]) if len(parts) >= 2 else None


def _is_star(edge: ColumnEdge) -> bool:
    return edge.source.endswith(".*") or edge.target.endswith(".*")


def normalised_sql(sql: str) -> str:
    return re.sub(r"\s+", " ", sql).strip().rstrip(";").strip()


def query_reference(sql: str) -> str:
    return "sha256:" + hashlib.sha256(normalised_sql(sql).lower().encode()).hexdigest()


def _analyze_on(catalog: SourceCatalog, sql: str, schema: Any) -> LineageResult:
    return analyze(
        sql,
        catalog.dialect,
        schema,
        default_catalog=catalog.default_catalog,
        default_schema=catalog.default_schema,
    )


def _count(report: IngestReport, result: LineageResult, label: str) -> None:
    report.statements += len(result.statements)
    failed = [s for s in result.statements if s.error]
    report.statements_failed += len(failed) + (0 if result.statements else len(result.errors))
    for message in result.errors:
        report.error(f"{label}: {message}")


# -- views ---------------------------------------------------------------------------------


def view_statement(view_sql: str, target: str, dialect: str) -> str:
    """``view_sql`` as a CREATE VIEW statement (PostgreSQL/MySQL store only the query).

    ``target`` is the view's ``database.schema.view``; the statement names it
    ``schema.view`` (on MySQL the catalog schema is the MySQL database).
    """
    text = view_sql.strip().rstrip(";").strip()
    if re.match(r"(?is)^create\b", text):
        return text
    from sqlglot import exp

    parts = split_fqn(target)
    table = exp.table_(parts[-1], db=parts[-2] if len(parts) > 1 else None)
    return f"CREATE VIEW {table.sql(dialect=dialect)} AS {text}"


def ingest_views(*, source: Source, actor: Any = None) -> IngestReport:
    """Parse every view of ``source`` (catalog as schema) and record its lineage.

    Each view is its own provenance (``view`` / the view's FQN): a changed definition
    replaces its edges; views no longer in the catalog lose theirs.
    """
    require_ingest(actor)
    catalog = SourceCatalog(source)
    schema = catalog.schema_index()
    report = IngestReport(kind=ProvenanceKind.VIEW, source=source.name)
    items: list[tuple[ProvenanceSpec, Sequence[EdgeSpec]]] = []
    for view in catalog.views():
        name = ".".join(view.parts)
        statement = view_statement(view.view_sql, make_fqn(*view.parts), catalog.dialect)
        result = _analyze_on(catalog, statement, schema)
        _count(report, result, view.fqn)
        edges = edges_from_result(result, catalog)
        # the view's own columns are the targets, whatever name the stored SQL used
        edges = [e for e in edges if _targets(e, view.fqn)] or edges
        if not edges:
            report.skipped += 1
            report.error(f"{name}: no lineage found")
        items.append(
            (
                ProvenanceSpec(
                    kind=ProvenanceKind.VIEW,
                    reference=view.fqn,
                    source=source,
                    sql=view.view_sql,
                    details={"view": view.fqn},
                ),
                edges,
            )
        )
    current = {view.fqn for view in catalog.views()}
    retire = [
        pk
        for pk, ref in LineageProvenance.objects.filter(
            kind=ProvenanceKind.VIEW, source=source
        ).values_list("id", "reference")
        if ref not in current
    ]
    _write(items, report=report, source=source, retire=retire)
    return report


def _targets(edge: EdgeSpec, table_fqn: str) -> bool:
    return edge.target == table_fqn or edge.target.startswith(table_fqn + ".")


def ingest_views_after_run(*, run: IngestionRun) -> IngestReport | None:
    """Hook called by the catalog after a successful ingestion. Never raises."""
    try:
        report = ingest_views(source=run.source)
    except Exception:
        logger.exception("view lineage of %s failed", run.source.name)
        return None
    logger.info(report.summary())
    return report


# -- SQL texts and query logs ----------------------------------------------------------------


def ingest_sql(
    *,
    source: Source,
    entries: Iterable[querylog.QueryEntry],
    kind: str = ProvenanceKind.QUERY_LOG,
    actor: Any = None,
) -> IngestReport:
    """Parse SQL texts executed on ``source`` (whole scripts allowed) and record them.

    Each distinct normalised text is one provenance (``sha256:`` of it): the same query
    logged twice, or ingested again, updates the same edges.
    """
    require_ingest(actor)
    catalog = SourceCatalog(source)
    schema = catalog.schema_index()
    report = IngestReport(kind=kind, source=source.name)
    seen: dict[str, int] = {}
    items: list[tuple[ProvenanceSpec, Sequence[EdgeSpec]]] = []
    for entry in entries:
        if entry.error:
            report.error(entry.error)
            report.statements_failed += 1
            continue
        reference = entry.reference or query_reference(entry.sql)
        if reference in seen:
            details = items[seen[reference]][0].details
            details["calls"] = int(details.get("calls", 1)) + entry.calls
            continue
        result = _analyze_on(catalog, entry.sql, schema)
        _count(report, result, entry.label or reference[:19])
        edges = edges_from_result(result, catalog)
        if not edges:
            report.skipped += 1
            continue
        seen[reference] = len(items)
        items.append(
            (
                ProvenanceSpec(
                    kind=kind,
                    reference=reference,
                    source=source,
                    sql=entry.sql,
                    details={"calls": entry.calls, **entry.details},
                    seen_at=entry.seen_at,
                ),
                edges,
            )
        )
    _write(items, report=report, source=source)
    return report


def ingest_query_log(*, source: Source, path: str | Path, actor: Any = None) -> IngestReport:
    """A JSONL or CSV query log file (format in ``lineage.ingest.querylog``)."""
    return ingest_sql(source=source, entries=querylog.read_query_log(Path(path)), actor=actor)


def ingest_pg_stat_statements(
    *, source: Source, actor: Any = None, limit: int = 10_000
) -> IngestReport:
    """Writing statements from ``pg_stat_statements`` on a PostgreSQL source.

    Raises ``ValidationFailed`` with an actionable message when the source is not
    PostgreSQL or the extension is not installed.
    """
    from catalog.services import source_dsn

    if source.kind != "postgresql":
        raise ValidationFailed(
            f"pg_stat_statements needs a PostgreSQL source; {source.name} is {source.kind}."
        )
    try:
        entries = querylog.read_pg_stat_statements(source_dsn(source), limit=limit)
    except querylog.StatStatementsUnavailable as exc:
        raise ValidationFailed(f"{source.name}: {exc}") from exc
    return ingest_sql(source=source, entries=entries, actor=actor)


# -- dbt -------------------------------------------------------------------------------------


def ingest_dbt_manifest(
    *, source: Source, manifest: dict[str, Any] | str | Path, actor: Any = None
) -> IngestReport:
    """Models of a dbt ``manifest.json``: compiled SQL -> column lineage; else table level.

    Each model is a provenance (``dbt`` / its ``unique_id``). The schema given to the
    engine is the catalog's, plus the columns the manifest documents for models and
    sources the catalog does not have yet.
    """
    require_ingest(actor)
    parsed = dbt.parse_manifest(dbt.load(manifest))
    catalog = SourceCatalog(source)
    schema_map: dict[str, dict[str, str]] = dict(parsed.documented_columns())
    for table in catalog.by_id.values():
        schema_map[".".join(table.parts)] = {n: t or "" for n, t in table.ordered}
    from lineage.sql import SchemaIndex

    schema = SchemaIndex(schema_map)
    dialect = dbt.DIALECTS.get(parsed.adapter, catalog.dialect)
    report = IngestReport(kind=ProvenanceKind.DBT, source=source.name)
    items: list[tuple[ProvenanceSpec, Sequence[EdgeSpec]]] = []
    for model in parsed.models:
        details: dict[str, Any] = {
            "unique_id": model.unique_id,
            "materialized": model.materialized,
            "dbt_version": parsed.dbt_version,
        }
        target = catalog.table_endpoint(model.relation)
        if model.compiled_sql:
            statement = dbt.as_statement(model, dialect)
            result = analyze(
                statement,
                dialect,
                schema,
                default_catalog=model.database or catalog.default_catalog,
                default_schema=model.schema or catalog.default_schema,
            )
            _count(report, result, model.unique_id)
            edges = edges_from_result(result, catalog)
        else:
            details["note"] = "no compiled SQL in the manifest: table-level lineage only"
            edges = []
        # dependencies always give table edges (also for ephemeral-free, uncompiled models)
        known = {e.source for e in edges if e.transform is None}
        for dep in model.depends_on:
            relation = parsed.relations.get(dep)
            if relation:
                name = catalog.table_endpoint(relation)
                if name not in known and name != target:
                    edges.append(EdgeSpec(name, target, None, 1.0))
        items.append(
            (
                ProvenanceSpec(
                    kind=ProvenanceKind.DBT,
                    reference=model.unique_id,
                    source=source,
                    sql=model.compiled_sql or model.raw_sql,
                    details=details,
                ),
                edges,
            )
        )
    _write(items, report=report, source=source)
    return report


# -- OpenLineage -----------------------------------------------------------------------------


def ingest_openlineage_event(*, event: Any, actor: Any = None) -> IngestReport:
    """Record the lineage of one OpenLineage RunEvent (validated; 4xx on malformed input).

    Datasets map to catalog tables through their namespace (``lineage.ingest.openlineage``
    documents the rules). Column lineage comes from the ``columnLineage`` facet; without
    it, every input feeds every output at table level. ``FAIL``/``ABORT`` events record
    nothing. The job (``namespace/name``) is the provenance: a new run replaces the
    job's previous lineage.
    """
    require_ingest(actor)
    parsed = openlineage.parse_event(event)
    report = IngestReport(kind=ProvenanceKind.OPENLINEAGE)
    if parsed.event_type in ("FAIL", "ABORT") or not parsed.outputs:
        report.messages.append(f"{parsed.event_type or 'event'} without lineage to record")
        return report
    mapper = openlineage.DatasetMapper()
    edges = openlineage.edges_of(parsed, mapper)
    source = mapper.single_source()
    report.source = _name(source)
    provenance = ProvenanceSpec(
        kind=ProvenanceKind.OPENLINEAGE,
        reference=f"{parsed.job_namespace}/{parsed.job_name}",
        source=source,
        sql=parsed.sql,
        details={
            "run_id": parsed.run_id,
            "event_type": parsed.event_type,
            "producer": parsed.producer,
        },
        seen_at=parsed.event_time or timezone.now(),
    )
    _write([(provenance, edges)], report=report, source=source)
    return report
