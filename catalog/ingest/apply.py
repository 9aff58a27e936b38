"""Apply a :class:`SourceSnap` to the catalog: upsert, diff, record drift, keep history.

One transaction per run: a failure leaves the catalog exactly as before. Descriptions,
tags, owners and classifications of surviving assets are never touched; assets that
disappear are marked deleted (``deleted_at``), never destroyed, and come back with
their metadata if they reappear.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

import audit.services as audit
from access import policy_cache
from catalog import search
from catalog.ingest.native import gc_paused
from catalog.ingest.snapshot import SourceSnap, TableSnap, make_fqn
from catalog.models import Asset, AssetType, DriftEvent, DriftKind, IngestionRun, Source

BATCH = 2000


@dataclass
class ApplyStats:
    created: dict[str, int] = field(
        default_factory=lambda: {"database": 0, "schema": 0, "table": 0, "column": 0}
    )
    updated: int = 0
    deleted: int = 0
    drift: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "deleted": self.deleted,
            "drift_events": self.drift,
        }


def _insert_assets(assets: list[Asset]) -> None:
    """``Asset.objects.bulk_create(assets)`` without the ORM's per-value cost.

    Django compiles each value of a bulk insert through several layers (~10 us a value,
    22 values a row): at a million columns that was most of the ingest. Asset values are
    plain str/int/bool/None, which both drivers take as they are; timestamps and JSON are
    prepared by their fields, as Django would. Ids come back from RETURNING in row order
    (what bulk_create relies on too). Backends without RETURNING use bulk_create.
    """
    if not assets:
        return
    if not connection.features.can_return_rows_from_bulk_insert:
        Asset.objects.bulk_create(assets)
        return
    meta = Asset._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    relations: list[Any] = [f for f in fields if f.is_relation]
    now = timezone.now()
    for asset in assets:  # what the auto_now / auto_now_add pre_save hooks do
        asset.created = asset.updated = now
        for f in relations:  # a parent saved after it was assigned: take its new id
            if getattr(asset, f.attname) is None and f.is_cached(asset):
                related = f.get_cached_value(asset)
                if related is not None:
                    if related.pk is None:
                        raise ValueError(f"{f.name} of {asset.fqn} is not saved yet.")
                    setattr(asset, f.attname, related.pk)
    prepared = {f.attname for f in fields if isinstance(f, models.DateTimeField | models.JSONField)}
    stamp_db = meta.get_field("created").get_db_prep_save(now, connection)
    size = max(1, min(len(assets), connection.ops.bulk_batch_size(fields, assets)))
    qn = connection.ops.quote_name
    columns = ", ".join(qn(str(f.column)) for f in fields)
    head = f"INSERT INTO {qn(str(meta.db_table))} ({columns}) VALUES "
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with connection.cursor() as cur:
        for start in range(0, len(assets), size):
            chunk = assets[start : start + size]
            params: list[Any] = []
            for asset in chunk:
                for f in fields:
                    value = getattr(asset, f.attname)
                    if f.attname in prepared and value is not None:
                        value = stamp_db if value is now else f.get_db_prep_save(value, connection)
                    params.append(value)
            cur.execute(
                f"{head}{', '.join([row_sql] * len(chunk))} RETURNING {qn(str(meta.pk.column))}",
                params,
            )
            for asset, (pk,) in zip(chunk, cur.fetchall(), strict=True):
                asset.pk = pk
                asset._state.adding = False
                asset._state.db = connection.alias


def root_asset(source: Source) -> Asset:
    return Asset.objects.get(source=source, type=AssetType.SOURCE)


def _col_state(asset: Asset) -> dict[str, Any]:
    return {"data_type": asset.data_type, "nullable": asset.nullable}


class _Applier:
    def __init__(
        self,
        source: Source,
        run: IngestionRun | None,
        progress: Callable[[int, int, str], None] | None,
        prune: bool = True,
        prune_within: Collection[str] | None = None,
        also_seen: Collection[str] = (),
    ) -> None:
        self.source = source
        self.run = run
        self.progress = progress
        self.prune = prune
        self.now = timezone.now()
        self.stats = ApplyStats()
        self.root = root_asset(source)
        self.by_fqn: dict[str, Asset] = {
            a.fqn: a for a in Asset.objects.filter(source=source).exclude(type=AssetType.SOURCE)
        }
        self.seen: set[str] = set(also_seen)
        # Partial snapshots (OpenMetadata batches): prune only under these FQNs.
        self.prune_within = set(prune_within) if prune_within is not None else None
        self.snap_tables: set[str] = set()
        self.touched: list[Asset] = []  # assets whose search entry must be refreshed
        self.inserted: list[Asset] = []  # assets inserted by this run (no entry yet)
        self.drift: list[DriftEvent] = []
        self.table_events: list[tuple[str, Asset, dict[str, Any]]] = []

    def _drift(self, table: Asset, kind: str, **fields: Any) -> None:
        """Queue one drift event of this run (written in bulk at the end)."""
        self.drift.append(
            DriftEvent(table=table, run=self.run, kind=kind, detected_at=self.now, **fields)
        )

    # -- helpers ---------------------------------------------------------------------
    def _node(self, fqn: str, **fields: Any) -> tuple[Asset, bool]:
        self.seen.add(fqn)
        existing = self.by_fqn.get(fqn)
        if existing is None:
            asset = Asset(source=self.source, fqn=fqn, **fields)
            return asset, True
        return existing, False

    def _refresh_comment(self, asset: Asset, comment: str) -> bool:
        if asset.comment == comment:
            return False
        if not asset.description or asset.description == asset.comment:
            asset.description = comment
        asset.comment = comment
        return True

    def _save_new(self, assets: list[Asset]) -> None:
        for i in range(0, len(assets), BATCH):
            _insert_assets(assets[i : i + BATCH])
        for a in assets:
            self.by_fqn[a.fqn] = a
        self.inserted.extend(assets)

    # -- main ------------------------------------------------------------------------
    def apply(self, snap: SourceSnap) -> ApplyStats:
        counts = snap.counts()
        total, done = counts["tables"], 0
        for db in snap.databases:
            db_fqn = make_fqn(self.source.name, db.name)
            db_asset, new = self._node(
                db_fqn,
                type=AssetType.DATABASE,
                name=db.name,
                parent=self.root,
                root_ref=self.root,
                description=db.comment,
                comment=db.comment,
            )
            if new:
                self._save_new([db_asset])
                self.stats.created["database"] += 1
            else:
                self._undelete_or_update(db_asset, db.comment)
            for sc in db.schemas:
                sc_fqn = make_fqn(self.source.name, db.name, sc.name)
                sc_asset, new = self._node(
                    sc_fqn,
                    type=AssetType.SCHEMA,
                    name=sc.name,
                    parent=db_asset,
                    root_ref=self.root,
                    database_ref=db_asset,
                    description=sc.comment,
                    comment=sc.comment,
                )
                if new:
                    self._save_new([sc_asset])
                    self.stats.created["schema"] += 1
                else:
                    self._undelete_or_update(sc_asset, sc.comment)
                new_tables: list[tuple[Asset, TableSnap]] = []
                for tb in sc.tables:
                    tb_fqn = make_fqn(self.source.name, db.name, sc.name, tb.name)
                    self.snap_tables.add(tb_fqn)
                    tb_asset, new = self._node(
                        tb_fqn,
                        type=AssetType.VIEW if tb.kind == "view" else AssetType.TABLE,
                        name=tb.name,
                        parent=sc_asset,
                        root_ref=self.root,
                        database_ref=db_asset,
                        schema_ref=sc_asset,
                        description=tb.comment,
                        comment=tb.comment,
                        row_count=tb.row_count,
                        view_sql=tb.view_sql,
                    )
                    if new:
                        new_tables.append((tb_asset, tb))
                    else:
                        self._update_table(tb_asset, tb)
                    done += 1
                if new_tables:
                    self._save_new([t for t, _ in new_tables])
                    self.stats.created["table"] += len(new_tables)
                    cols: list[Asset] = []
                    for tb_asset, tb in new_tables:
                        for c in tb.columns:
                            fqn = tb_asset.fqn + "." + make_fqn(c.name)
                            self.seen.add(fqn)
                            cols.append(self._new_column(tb_asset, c, fqn))
                        self._drift(
                            tb_asset, DriftKind.TABLE_ADDED, after={"columns": len(tb.columns)}
                        )
                        self.table_events.append(
                            (
                                "catalog.table.create",
                                tb_asset,
                                {"kind": tb_asset.type, "columns": [c.name for c in tb.columns]},
                            )
                        )
                    self._save_new(cols)
                    self.stats.created["column"] += len(cols)
                if self.progress:
                    self.progress(done, total, f"{sc.name}")
        self._link_foreign_keys(snap)
        if self.prune:
            self._mark_missing()
        DriftEvent.objects.bulk_create(self.drift, batch_size=BATCH)
        self.stats.drift = len(self.drift)
        for action, asset, changes in self.table_events:
            audit.record(action=action, obj=asset, changes=changes)
        search.index_assets(self.inserted, new=True)
        search.index_assets(self.touched)
        return self.stats

    def _undelete_or_update(self, asset: Asset, comment: str) -> None:
        changed = self._refresh_comment(asset, comment)
        if asset.deleted_at is not None:
            asset.deleted_at = None
            changed = True
        if changed:
            asset.save()
            self.touched.append(asset)
            self.stats.updated += 1

    def _new_column(self, table: Asset, c: Any, fqn: str) -> Asset:
        # ids, not objects: skips the related-object setters (a million columns per run)
        return Asset(
            source_id=self.source.pk,
            type=AssetType.COLUMN,
            fqn=fqn,
            name=c.name,
            parent_id=table.pk,
            root_ref_id=table.root_ref_id,
            database_ref_id=table.database_ref_id,
            schema_ref_id=table.schema_ref_id,
            table_ref_id=table.pk,
            data_type=c.data_type,
            nullable=c.nullable,
            position=c.position,
            is_primary_key=c.is_primary_key,
            comment=c.comment,
            description=c.comment,
        )

    def _update_table(self, asset: Asset, tb: TableSnap) -> None:
        changes: dict[str, Any] = {}
        if asset.deleted_at is not None:
            asset.deleted_at = None
            self._drift(asset, DriftKind.TABLE_RESTORED)
            changes["restored"] = True
        if self._refresh_comment(asset, tb.comment):
            changes["comment"] = True
        if tb.kind == "view" and asset.view_sql != tb.view_sql:
            self._drift(
                asset,
                DriftKind.VIEW_CHANGED,
                before={"sql": asset.view_sql[:2000]},
                after={"sql": tb.view_sql[:2000]},
            )
            asset.view_sql = tb.view_sql
            changes["view_sql"] = True
        if asset.row_count != tb.row_count:
            asset.row_count = tb.row_count
            changes.setdefault("row_count", True)
        existing = {c.name: c for c in self._columns_of(asset.id)}
        new_cols: list[Asset] = []
        changed_cols: list[Asset] = []
        schema_changes: list[dict[str, Any]] = []
        for c in tb.columns:
            fqn = asset.fqn + "." + make_fqn(c.name)
            self.seen.add(fqn)
            col = existing.get(c.name)
            if col is None:
                new_cols.append(self._new_column(asset, c, fqn))
                self._drift(
                    asset,
                    DriftKind.COLUMN_ADDED,
                    column_name=c.name,
                    after={"data_type": c.data_type, "nullable": c.nullable},
                )
                schema_changes.append({"column": c.name, "change": "added"})
                continue
            dirty = False
            if col.deleted_at is not None:
                col.deleted_at = None
                dirty = True
                self._drift(
                    asset,
                    DriftKind.COLUMN_ADDED,
                    column_name=c.name,
                    after={"data_type": c.data_type, "restored": True},
                )
                schema_changes.append({"column": c.name, "change": "restored"})
            if col.data_type != c.data_type:
                self._drift(
                    asset,
                    DriftKind.TYPE_CHANGED,
                    column_name=c.name,
                    before={"data_type": col.data_type},
                    after={"data_type": c.data_type},
                )
                schema_changes.append(
                    {
                        "column": c.name,
                        "change": "type",
                        "before": col.data_type,
                        "after": c.data_type,
                    }
                )
                col.data_type = c.data_type
                dirty = True
            if col.nullable != c.nullable:
                self._drift(
                    asset,
                    DriftKind.NULLABLE_CHANGED,
                    column_name=c.name,
                    before={"nullable": col.nullable},
                    after={"nullable": c.nullable},
                )
                schema_changes.append({"column": c.name, "change": "nullable", "after": c.nullable})
                col.nullable = c.nullable
                dirty = True
            if col.position != c.position or col.is_primary_key != c.is_primary_key:
                col.position, col.is_primary_key = c.position, c.is_primary_key
                dirty = True
            if self._refresh_comment(col, c.comment):
                dirty = True
            if dirty:
                changed_cols.append(col)
        if new_cols:
            self._save_new(new_cols)
            self.stats.created["column"] += len(new_cols)
        if changed_cols:
            Asset.objects.bulk_update(
                changed_cols,
                [
                    "deleted_at",
                    "data_type",
                    "nullable",
                    "position",
                    "is_primary_key",
                    "comment",
                    "description",
                    "updated",
                ],
                batch_size=BATCH,
            )
            self.touched.extend(changed_cols)
            self.stats.updated += len(changed_cols)
        if changes or new_cols or changed_cols:
            asset.save()
            self.touched.append(asset)
            self.stats.updated += 1
        if schema_changes or set(changes) - {"row_count"}:
            self.table_events.append(
                (
                    "catalog.table.update",
                    asset,
                    {
                        "schema": schema_changes,
                        **{k: v for k, v in changes.items() if k != "row_count"},
                    },
                )
            )

    def _columns_of(self, table_id: int) -> list[Asset]:
        if not hasattr(self, "_col_index"):
            index: dict[int, list[Asset]] = {}
            for a in self.by_fqn.values():
                if a.type == AssetType.COLUMN and a.table_ref_id:
                    index.setdefault(a.table_ref_id, []).append(a)
            self._col_index = index
        return self._col_index.get(table_id, [])

    def _by_id(self) -> dict[int, Asset]:
        return {a.id: a for a in self.by_fqn.values()}

    def _link_foreign_keys(self, snap: SourceSnap) -> None:
        updates: list[Asset] = []
        for db in snap.databases:
            for sc in db.schemas:
                for tb in sc.tables:
                    for fk in tb.foreign_keys:
                        for col, ref_col in zip(fk.columns, fk.ref_columns, strict=False):
                            src = self.by_fqn.get(
                                make_fqn(self.source.name, db.name, sc.name, tb.name, col)
                            )
                            dst = self.by_fqn.get(
                                make_fqn(
                                    self.source.name,
                                    fk.ref_database,
                                    fk.ref_schema,
                                    fk.ref_table,
                                    ref_col,
                                )
                            )
                            if src is not None and dst is not None and src.references_id != dst.id:
                                src.references = dst
                                updates.append(src)
        if updates:
            Asset.objects.bulk_update(updates, ["references"], batch_size=BATCH)

    def _prunable(self, asset: Asset, by_id: dict[int, Asset]) -> bool:
        """Whether a missing asset may be marked deleted (always, for a full snapshot)."""
        if self.prune_within is None:
            return True
        refs = (asset.id, asset.table_ref_id, asset.schema_ref_id, asset.database_ref_id)
        fqns = [by_id[r].fqn for r in refs if r and r in by_id]
        if not any(f in self.prune_within for f in fqns):
            return False
        table = by_id.get(asset.table_ref_id or 0)
        # a column of a table reported alive but not in this snapshot: its shape is unknown
        return not (
            table is not None and table.fqn in self.seen and table.fqn not in self.snap_tables
        )

    def _mark_missing(self) -> None:
        gone = [a for f, a in self.by_fqn.items() if f not in self.seen and a.deleted_at is None]
        if self.prune_within is not None:
            index = self._by_id()
            gone = [a for a in gone if self._prunable(a, index)]
        if not gone:
            return
        tables = [a for a in gone if a.type in (AssetType.TABLE, AssetType.VIEW)]
        gone_table_ids = {t.id for t in tables}
        for t in tables:
            self._drift(t, DriftKind.TABLE_DROPPED, before={"kind": t.type})
            self.table_events.append(("catalog.table.delete", t, {"reason": "missing from source"}))
        by_id = self._by_id()
        for col in (
            a for a in gone if a.type == AssetType.COLUMN and a.table_ref_id not in gone_table_ids
        ):
            table = by_id.get(col.table_ref_id or 0)
            if table is not None and table.fqn in self.seen:
                self._drift(
                    table, DriftKind.COLUMN_REMOVED, column_name=col.name, before=_col_state(col)
                )
                self.table_events.append(
                    (
                        "catalog.table.update",
                        table,
                        {"schema": [{"column": col.name, "change": "removed"}]},
                    )
                )
        ids = [a.id for a in gone]
        for i in range(0, len(ids), BATCH):
            Asset.objects.filter(id__in=ids[i : i + BATCH]).update(deleted_at=self.now)
        self.stats.deleted = len(gone)
        search.remove_assets(ids)


def apply_snapshot(
    *,
    source: Source,
    snapshot: SourceSnap,
    run: IngestionRun | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    prune: bool = True,
    prune_within: Collection[str] | None = None,
    also_seen: Collection[str] = (),
) -> ApplyStats:
    """Upsert ``snapshot`` into the catalog in one transaction and record drift and audit.

    ``prune=True`` marks every asset of the source missing from ``snapshot`` deleted. For a
    partial snapshot, ``prune_within`` limits that to assets at or under the given FQNs
    (e.g. the snapshot's tables, so dropped columns are seen, plus a schema whose stale
    tables the client asked to delete), and ``also_seen`` names assets known to still exist
    although the snapshot does not carry them.
    """
    with gc_paused(), transaction.atomic():
        stats = _Applier(source, run, progress, prune, prune_within, also_seen).apply(snapshot)
        Source.objects.filter(pk=source.pk).update(last_ingested_at=timezone.now())
        policy_cache.bump()  # bulk writes send no signals: columns/assets changed
        audit.record(
            action="catalog.source.ingest",
            obj=source,
            changes={"run": run.pk if run else None, **stats.as_dict()},
        )
    return stats
