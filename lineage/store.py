"""The one writer of the lineage graph: upserts edges, externals, provenance and links.

Called by ``lineage.services`` inside its transaction (it does not audit by itself).
Works in bulk on SQLite, PostgreSQL and MySQL: ``bulk_create(ignore_conflicts=True)``
on unique keys, then re-reads ids, so concurrent writers never duplicate an edge.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db.models import Max
from django.utils import timezone

from catalog.ingest.snapshot import make_fqn, split_fqn
from catalog.models import Asset, AssetType, Source
from lineage.models import (
    ColumnLineage,
    ColumnLineageLink,
    ExternalAsset,
    ExternalKind,
    LineageProvenance,
    TableLineage,
    TableLineageLink,
)
from lineage.specs import EdgeSpec, ProvenanceSpec

CHUNK = 500
SQL_EXCERPT = 4000
T = TypeVar("T")

Node = tuple[str, int]  # ("a", asset id) or ("x", external id)


def chunks[T](items: Sequence[T] | Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=20).hexdigest()


def provenance_key(kind: str, source: Source | None, reference: str) -> str:
    return _digest(f"{kind}\x00{source.pk if source else 0}\x00{reference}")


def node_code(node: Node) -> str:
    return f"{node[0]}{node[1]}"


def table_edge_key(source: Node, target: Node) -> str:
    return f"{node_code(source)}>{node_code(target)}"


def column_edge_key(source: Node, target: Node, transform: str) -> str:
    return f"{node_code(source)}>{node_code(target)}:{transform}"


def parent_name(name: str) -> str | None:
    parts = split_fqn(name)
    return make_fqn(*parts[:-1]) if len(parts) >= 2 else None


@dataclass
class WriteStats:
    provenances: int = 0
    column_edges: int = 0
    table_edges: int = 0
    column_edges_created: int = 0
    table_edges_created: int = 0
    edges_removed: int = 0
    externals_created: int = 0
    rejected: list[str] = field(default_factory=list)

    def add(self, other: WriteStats) -> None:
        for name in (
            "provenances",
            "column_edges",
            "table_edges",
            "column_edges_created",
            "table_edges_created",
            "edges_removed",
            "externals_created",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.rejected.extend(other.rejected[: max(0, 20 - len(self.rejected))])

    def as_dict(self) -> dict[str, Any]:
        return {
            "provenances": self.provenances,
            "column_edges": self.column_edges,
            "table_edges": self.table_edges,
            "column_edges_created": self.column_edges_created,
            "table_edges_created": self.table_edges_created,
            "edges_removed": self.edges_removed,
            "externals_created": self.externals_created,
            "rejected": len(self.rejected),
        }


class _Nodes:
    """Resolves endpoint names to nodes: catalog assets first, else external nodes."""

    def __init__(self, source: Source | None, stats: WriteStats) -> None:
        self.source = source
        self.stats = stats
        self.assets: dict[str, tuple[int, str, int | None]] = {}  # fqn -> (id, type, table_ref)
        self.externals: dict[tuple[str, str], int] = {}  # (kind, name) -> id

    def load_assets(self, names: set[str]) -> None:
        missing = [n for n in names if n not in self.assets]
        for batch in chunks(missing):
            for pk, fqn, type_, table_ref in Asset.objects.filter(fqn__in=batch).values_list(
                "id", "fqn", "type", "table_ref_id"
            ):
                self.assets[fqn] = (pk, type_, table_ref)

    def asset(self, name: str, *, column: bool) -> tuple[int, int | None] | None:
        hit = self.assets.get(name)
        if hit is None:
            return None
        pk, type_, table_ref = hit
        if column and type_ == AssetType.COLUMN:
            return pk, table_ref
        if not column and type_ in (AssetType.TABLE, AssetType.VIEW):
            return pk, None
        return None

    def _ext_key(self, kind: str, name: str) -> str:
        return "x" + _digest(f"{self.source.pk if self.source else 0}\x00{kind}\x00{name}")

    def ensure_externals(self, tables: set[str], columns: set[str]) -> None:
        """Create the external tables, then the external columns (which point to them)."""
        self._ensure(ExternalKind.TABLE, tables, {})
        column_parents: dict[str, tuple[int | None, int | None]] = {}
        for name in columns:
            parent = parent_name(name) or name
            asset = self.asset(parent, column=False)
            if asset is not None:
                column_parents[name] = (None, asset[0])
            else:
                column_parents[name] = (self.externals[(ExternalKind.TABLE, parent)], None)
        self._ensure(ExternalKind.COLUMN, columns, column_parents)

    def _ensure(
        self, kind: str, names: set[str], parents: dict[str, tuple[int | None, int | None]]
    ) -> None:
        wanted = {self._ext_key(kind, n): n for n in names if (kind, n) not in self.externals}
        for batch in chunks(list(wanted)):
            found = dict(ExternalAsset.objects.filter(key__in=batch).values_list("key", "id"))
            new = [
                ExternalAsset(
                    key=key,
                    source=self.source,
                    kind=kind,
                    name=wanted[key],
                    table_id=parents.get(wanted[key], (None, None))[0],
                    table_asset_id=parents.get(wanted[key], (None, None))[1],
                )
                for key in batch
                if key not in found
            ]
            if new:
                ExternalAsset.objects.bulk_create(new, ignore_conflicts=True)
                self.stats.externals_created += len(new)
                found = dict(ExternalAsset.objects.filter(key__in=batch).values_list("key", "id"))
            for key, pk in found.items():
                self.externals[(kind, wanted[key])] = pk

    def column_node(self, name: str) -> tuple[Node, Node]:
        """(column node, its table node)."""
        asset = self.asset(name, column=True)
        if asset is not None:
            return ("a", asset[0]), ("a", asset[1] or 0)
        pk = self.externals[(ExternalKind.COLUMN, name)]
        parent = parent_name(name) or name
        table_asset = self.asset(parent, column=False)
        if table_asset is not None:
            return ("x", pk), ("a", table_asset[0])
        return ("x", pk), ("x", self.externals[(ExternalKind.TABLE, parent)])

    def table_node(self, name: str) -> Node:
        asset = self.asset(name, column=False)
        if asset is not None:
            return ("a", asset[0])
        return ("x", self.externals[(ExternalKind.TABLE, name)])


def _ends(prefix: str, node: Node) -> dict[str, int]:
    field_name = prefix if node[0] == "a" else f"{prefix}_external"
    return {f"{field_name}_id": node[1]}


def write_batch(
    items: Sequence[tuple[ProvenanceSpec, Sequence[EdgeSpec]]],
    *,
    source: Source | None,
) -> WriteStats:
    """Record each provenance with its edges (replacing what it recorded before)."""
    stats = WriteStats()
    now = timezone.now()
    clean: list[tuple[ProvenanceSpec, list[EdgeSpec]]] = []
    for spec, edges in items:
        kept = []
        for edge in edges:
            problem = edge.problem()
            column_ends = edge.transform is not None
            if (
                problem is None
                and column_ends
                and not (parent_name(edge.source) and parent_name(edge.target))
            ):
                problem = "a column edge needs column names (table.column)"
            if problem:
                stats.rejected.append(f"{edge.source} -> {edge.target}: {problem}")
            else:
                kept.append(edge)
        clean.append((spec, kept))

    # 1. endpoints -> nodes
    nodes = _Nodes(source, stats)
    column_names: set[str] = set()
    table_names: set[str] = set()
    for _, edges in clean:
        for edge in edges:
            if edge.transform is None:
                table_names.update((edge.source, edge.target))
            else:
                column_names.update((edge.source, edge.target))
    parents = {p for p in (parent_name(n) for n in column_names) if p}
    nodes.load_assets(column_names | table_names | parents)
    ext_columns = {n for n in column_names if nodes.asset(n, column=True) is None}
    ext_tables = {n for n in table_names if nodes.asset(n, column=False) is None}
    for name in ext_columns:
        parent = parent_name(name) or name
        if nodes.asset(parent, column=False) is None:
            ext_tables.add(parent)
    nodes.ensure_externals(ext_tables, ext_columns)

    # 2. desired edges per provenance
    table_wanted: dict[str, tuple[Node, Node]] = {}
    column_wanted: dict[str, tuple[Node, Node, str, str]] = {}  # key -> (s, t, kind, table key)
    per_prov: list[tuple[ProvenanceSpec, dict[str, float], dict[str, float]]] = []
    for spec, edges in clean:
        cols: dict[str, float] = {}
        tabs: dict[str, float] = {}
        for edge in edges:
            if edge.transform is None:
                s, t = nodes.table_node(edge.source), nodes.table_node(edge.target)
                if s == t:
                    continue
                tkey = table_edge_key(s, t)
                table_wanted[tkey] = (s, t)
                tabs[tkey] = max(tabs.get(tkey, 0.0), edge.confidence)
                continue
            (s, st), (t, tt) = nodes.column_node(edge.source), nodes.column_node(edge.target)
            if s == t:
                continue
            tkey = table_edge_key(st, tt)
            ckey = column_edge_key(s, t, edge.transform)
            column_wanted[ckey] = (s, t, edge.transform, tkey)
            cols[ckey] = max(cols.get(ckey, 0.0), edge.confidence)
            if st != tt:
                table_wanted[tkey] = (st, tt)
                tabs[tkey] = max(tabs.get(tkey, 0.0), edge.confidence)
            else:  # a column feeding another column of the same table (UPDATE t SET a = b)
                table_wanted.setdefault(tkey, (st, tt))
                tabs.setdefault(tkey, edge.confidence)
        per_prov.append((spec, cols, tabs))

    # 3. upsert edges
    table_ids = _upsert(
        TableLineage,
        {key: {**_ends("source", s), **_ends("target", t)} for key, (s, t) in table_wanted.items()},
        stats,
        "table_edges_created",
    )
    column_ids = _upsert(
        ColumnLineage,
        {
            key: {
                **_ends("source", s),
                **_ends("target", t),
                "transform": kind,
                "table_edge_id": table_ids[tkey],
            }
            for key, (s, t, kind, tkey) in column_wanted.items()
        },
        stats,
        "column_edges_created",
    )
    stats.column_edges = len(column_ids)
    stats.table_edges = len(table_ids)

    # 4. provenance rows
    prov_ids: list[int] = []
    for spec, _, _ in per_prov:
        key = provenance_key(spec.kind, spec.source or source, spec.reference)
        seen = spec.seen_at or now
        values = {
            "kind": spec.kind,
            "reference": spec.reference[:1000],
            "source": spec.source or source,
            "sql": spec.sql[:SQL_EXCERPT],
            "details": spec.details,
            "seen_at": seen,
        }
        prov, created = LineageProvenance.objects.get_or_create(
            key=key, defaults={**values, "first_seen": seen}
        )
        if not created:
            for name, value in values.items():
                setattr(prov, name, value)
            prov.save()
        prov_ids.append(prov.pk)
    stats.provenances = len(prov_ids)

    # 5. links (replace each provenance's set)
    touched_columns: set[int] = set(column_ids.values())
    touched_tables: set[int] = set(table_ids.values())
    for (spec, cols, tabs), prov_id in zip(per_prov, prov_ids, strict=True):
        gone_c = _link(
            ColumnLineageLink,
            prov_id,
            {column_ids[k]: c for k, c in cols.items()},
            replace=spec.replace,
        )
        gone_t = _link(
            TableLineageLink,
            prov_id,
            {table_ids[k]: c for k, c in tabs.items()},
            replace=spec.replace,
        )
        touched_columns |= gone_c
        touched_tables |= gone_t
    stats.edges_removed += finish_edges(touched_columns, touched_tables)
    return stats


def _upsert(
    model: Any, wanted: dict[str, dict[str, Any]], stats: WriteStats, counter: str
) -> dict[str, int]:
    ids: dict[str, int] = {}
    for batch in chunks(list(wanted)):
        found = dict(model.objects.filter(key__in=batch).values_list("key", "id"))
        new = [model(key=key, **wanted[key]) for key in batch if key not in found]
        if new:
            model.objects.bulk_create(new, ignore_conflicts=True)
            setattr(stats, counter, getattr(stats, counter) + len(new))
            found = dict(model.objects.filter(key__in=batch).values_list("key", "id"))
        ids.update(found)
    return ids


def _link(model: Any, prov_id: int, wanted: dict[int, float], *, replace: bool) -> set[int]:
    """Make ``prov_id``'s links equal ``wanted`` (edge id -> confidence); return removed ids."""
    existing = {
        edge_id: (pk, conf)
        for pk, edge_id, conf in model.objects.filter(provenance_id=prov_id).values_list(
            "id", "edge_id", "confidence"
        )
    }
    new = [
        model(edge_id=edge_id, provenance_id=prov_id, confidence=conf)
        for edge_id, conf in wanted.items()
        if edge_id not in existing
    ]
    if new:
        model.objects.bulk_create(new, ignore_conflicts=True)
    changed = [
        model(id=existing[edge_id][0], confidence=conf)
        for edge_id, conf in wanted.items()
        if edge_id in existing and existing[edge_id][1] != conf
    ]
    if changed:
        model.objects.bulk_update(changed, ["confidence"])
    gone: set[int] = set()
    if replace:
        gone = {edge_id for edge_id in existing if edge_id not in wanted}
        for batch in chunks(list(gone)):
            model.objects.filter(provenance_id=prov_id, edge_id__in=batch).delete()
    return gone


def finish_edges(column_ids: set[int], table_ids: set[int]) -> int:
    """Delete edges no provenance has any more; refresh confidence and table transforms."""
    removed = 0
    for batch in chunks(list(column_ids)):
        conf = dict(
            ColumnLineageLink.objects.filter(edge_id__in=batch)
            .values("edge_id")
            .annotate(c=Max("confidence"))
            .values_list("edge_id", "c")
        )
        orphans = [pk for pk in batch if pk not in conf]
        if orphans:
            removed += (
                ColumnLineage.objects.filter(id__in=orphans)
                .delete()[1]
                .get(ColumnLineage._meta.label, 0)
            )
        rows = list(ColumnLineage.objects.filter(id__in=list(conf)).only("id", "confidence"))
        stale = [r for r in rows if r.confidence != conf[r.pk]]
        for row in stale:
            row.confidence = conf[row.pk]
        if stale:
            ColumnLineage.objects.bulk_update(stale, ["confidence"])
    for batch in chunks(list(table_ids)):
        conf = dict(
            TableLineageLink.objects.filter(edge_id__in=batch)
            .values("edge_id")
            .annotate(c=Max("confidence"))
            .values_list("edge_id", "c")
        )
        orphans = [pk for pk in batch if pk not in conf]
        if orphans:
            removed += (
                TableLineage.objects.filter(id__in=orphans)
                .delete()[1]
                .get(TableLineage._meta.label, 0)
            )
        kinds: dict[int, set[str]] = {}
        for edge_id, kind in (
            ColumnLineage.objects.filter(table_edge_id__in=list(conf))
            .values_list("table_edge_id", "transform")
            .distinct()
        ):
            kinds.setdefault(edge_id, set()).add(kind)
        tables = list(
            TableLineage.objects.filter(id__in=list(conf)).only("id", "confidence", "transforms")
        )
        stale_tables: list[TableLineage] = []
        for table in tables:
            transforms = ",".join(sorted(kinds.get(table.pk, ())))
            if table.confidence != conf[table.pk] or table.transforms != transforms:
                table.confidence, table.transforms = conf[table.pk], transforms
                stale_tables.append(table)
        if stale_tables:
            TableLineage.objects.bulk_update(stale_tables, ["confidence", "transforms"])
    return removed


def retire_provenances(prov_ids: list[int]) -> int:
    """Delete provenances (e.g. dropped views) and the edges only they had."""
    if not prov_ids:
        return 0
    columns = set(
        ColumnLineageLink.objects.filter(provenance_id__in=prov_ids).values_list(
            "edge_id", flat=True
        )
    )
    tables = set(
        TableLineageLink.objects.filter(provenance_id__in=prov_ids).values_list(
            "edge_id", flat=True
        )
    )
    LineageProvenance.objects.filter(id__in=prov_ids).delete()
    return finish_edges(columns, tables)
