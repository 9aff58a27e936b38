"""Discovery: every table and column of the catalog holding one data subject.

Sources of evidence, strongest first:

1. **Classifications** (active: proposed or confirmed) whose entity holds an identifier kind
   (EMAIL_ADDRESS -> email, PHONE_NUMBER -> phone, PASSPORT -> passport, ...).
2. **Identifier columns by name** as a fallback (``email``, ``phone``, ``passport_number``...).
3. **Subject keys**: in every base table with a single-column primary key that matched an
   identifier, the primary keys of the matched rows (``raw.passengers.passenger_id = 17``);
   a ``customer_id`` identifier seeds key columns named like ``passenger_id``/``customer_id``.
4. **Foreign keys** (``Asset.references``): child rows referencing a subject key
   (bookings.passenger_id), transitively (payments.booking_id -> bookings.booking_id).
5. **Lineage** (``lineage.graph``): value copies of identifier/key columns downstream
   (identity/expression/case/window edges: marts.passenger_360.email) and hashed copies
   (``hash`` edges: marts.email_hashes.email_hash). Without lineage edges, columns with the
   same key name in the same source and hash-named columns (``email_hash``) stand in.
6. **Hashed copies** are matched by hashing the identifier ourselves (MD5/SHA-1/SHA-256 hex,
   lower and upper case) of the normalised value *and* of every spelling actually stored.

Views are reported but never written (their base tables are).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from catalog.ingest.native import connect
from catalog.models import Asset, AssetType, Classification, ClassificationStatus, Source
from gdpr import identifiers as ids
from gdpr.sourcesql import Predicate, TableRef, count, is_integer_type, where

COPY_KINDS = ("identity", "expression", "case", "window")


@dataclass
class ColumnInfo:
    id: int
    name: str
    data_type: str
    nullable: bool
    is_pk: bool
    references_id: int | None
    entities: set[str] = field(default_factory=set)


@dataclass
class TableInfo:
    id: int
    fqn: str
    type: str
    source_id: int
    ref: TableRef
    columns: dict[str, ColumnInfo] = field(default_factory=dict)

    @property
    def pk(self) -> ColumnInfo | None:
        pks = [c for c in self.columns.values() if c.is_pk]
        return pks[0] if len(pks) == 1 else None


@dataclass
class Match:
    column: str
    mode: str
    values: list[Any]
    role: str  # identifier | key | fk | copy | hash
    kind: str
    via: str

    def clause(self) -> dict[str, Any]:
        return {"column": self.column, "mode": self.mode, "values": self.values}

    def describe(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "role": self.role,
            "kind": self.kind,
            "via": self.via,
            "values": len(self.values),
        }


@dataclass
class Finding:
    table: TableInfo
    matches: dict[str, Match] = field(default_factory=dict)
    rows: int | None = None

    @property
    def predicate(self) -> Predicate:
        return [m.clause() for m in self.matches.values()]

    def add(self, match: Match) -> None:
        have = self.matches.get(match.column)
        if have is None:
            self.matches[match.column] = match
            return
        if have.mode == match.mode:
            merged = list(dict.fromkeys([*have.values, *match.values]))
            have.values = merged
            if match.via not in have.via:
                have.via = f"{have.via}; {match.via}"
        # a different mode on the same column: keep both under distinct keys
        elif f"{match.column}#{match.mode}" not in self.matches:
            self.matches[f"{match.column}#{match.mode}"] = match


@dataclass
class Discovery:
    findings: dict[int, Finding] = field(default_factory=dict)
    keys: dict[int, list[Any]] = field(default_factory=dict)  # key column id -> values
    spellings: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    tables: dict[int, TableInfo] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    lineage_used: bool = False
    rows_scanned: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    _owner: dict[int, int] = field(default_factory=dict, repr=False)

    def column_owner(self) -> dict[int, int]:
        """Column id -> id of its table (built once)."""
        if not self._owner:
            self._owner = {c.id: t.id for t in self.tables.values() for c in t.columns.values()}
        return self._owner

    def finding(self, table: TableInfo) -> Finding:
        return self.findings.setdefault(table.id, Finding(table))

    def base_findings(self) -> list[Finding]:
        return [f for f in self.findings.values() if f.table.type == AssetType.TABLE]


class Catalog:
    """The catalog slice discovery works on: tables, columns, classifications, engines."""

    def __init__(self, sources: Iterable[Source]) -> None:
        self.sources = {s.pk: s for s in sources}
        self.tables: dict[int, TableInfo] = {}
        self.columns: dict[int, tuple[TableInfo, ColumnInfo]] = {}
        self.children: dict[int, list[int]] = defaultdict(list)  # referenced col -> FK cols
        self._engines: dict[int, Engine] = {}
        self._load()

    def _load(self) -> None:
        tables = (
            Asset.objects.live()
            .filter(source_id__in=list(self.sources), type__in=[AssetType.TABLE, AssetType.VIEW])
            .select_related("parent")
        )
        for t in tables:
            schema = t.parent.name if t.parent and t.parent.type == AssetType.SCHEMA else None
            self.tables[t.pk] = TableInfo(
                t.pk, t.fqn, t.type, t.source_id, TableRef(schema, t.name)
            )
        entities: dict[int, set[str]] = defaultdict(set)
        for asset_id, entity in Classification.objects.filter(
            asset__source_id__in=list(self.sources),
            status__in=[ClassificationStatus.PROPOSED, ClassificationStatus.CONFIRMED],
        ).values_list("asset_id", "entity"):
            entities[asset_id].add(entity)
        for row in (
            Asset.objects.live()
            .filter(type=AssetType.COLUMN, parent_id__in=list(self.tables))
            .values_list(
                "id",
                "parent_id",
                "name",
                "data_type",
                "nullable",
                "is_primary_key",
                "references_id",
            )
            .order_by("parent_id", "position")
        ):
            cid, parent, name, dtype, nullable, is_pk, ref = row
            table = self.tables[parent]
            info = ColumnInfo(
                cid, name, dtype or "", nullable is not False, is_pk, ref, entities.get(cid, set())
            )
            table.columns[name] = info
            self.columns[cid] = (table, info)
            if ref:
                self.children[ref].append(cid)

    def engine(self, source_id: int) -> Engine:
        if source_id not in self._engines:
            from catalog.services import source_dsn

            self._engines[source_id] = connect(source_dsn(self.sources[source_id]))
        return self._engines[source_id]

    def dispose(self) -> None:
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()


def _typed(values: Iterable[Any], column: ColumnInfo) -> list[Any]:
    out: list[Any] = []
    for value in values:
        if is_integer_type(column.data_type) and isinstance(value, str):
            try:
                out.append(int(value.strip()))
            except ValueError:
                continue
        elif not is_integer_type(column.data_type) and isinstance(value, int):
            out.append(str(value))
        else:
            out.append(value)
    return list(dict.fromkeys(out))


def _lineage_copies(column_ids: list[int]) -> tuple[dict[int, int], dict[int, int]]:
    """(copy column -> origin, hashed column -> origin) reached downstream by lineage."""
    try:
        from lineage.graph import DOWN, walk
    except ImportError:  # pragma: no cover - lineage app absent
        return {}, {}
    copies: dict[int, int] = {}
    hashed: dict[int, int] = {}
    for origin in column_ids:
        reached = walk(
            [("a", origin)], level="column", direction=DOWN, depth=8, transforms=COPY_KINDS
        )
        nodes = [n[1] for n in reached.depth if n[0] == "a" and n[1] != origin]
        for node in nodes:
            copies.setdefault(node, origin)
        hashes = walk(
            [("a", n) for n in [origin, *nodes]],
            level="column",
            direction=DOWN,
            depth=1,
            transforms=("hash",),
        )
        for hnode, hdepth in hashes.depth.items():
            if hnode[0] == "a" and hdepth == 1:
                hashed.setdefault(hnode[1], origin)
    return copies, hashed


def discover(
    *,
    sources: Iterable[Source],
    identifiers: dict[str, list[str]],
    known_keys: dict[int, list[Any]] | None = None,
    count_rows: bool = True,
) -> Discovery:
    """Find the subject named by ``identifiers`` (kind -> values) in ``sources``."""
    started = time.perf_counter()
    cat = Catalog(sources)
    result = Discovery(tables=cat.tables)
    try:
        _discover(cat, result, identifiers, known_keys or {})
        result.seconds["discovery"] = time.perf_counter() - started
        if count_rows:
            counted = time.perf_counter()
            for finding in result.base_findings():
                with cat.engine(finding.table.source_id).connect() as conn:
                    finding.rows = count(conn, finding.table.ref, finding.predicate)
            result.seconds["count"] = time.perf_counter() - counted
    finally:
        cat.dispose()
    return result


def _discover(
    cat: Catalog, result: Discovery, identifiers: dict[str, list[str]], known: dict[int, list[Any]]
) -> None:
    wanted = {k: [ids.normalise(k, v) for v in vs] for k, vs in identifiers.items() if vs}
    id_columns: dict[int, str] = {}  # column id -> kind
    hash_columns: dict[int, str] = {}
    for cid, (_table, col) in cat.columns.items():
        kind = ids.kind_for_column(col.name, col.entities)
        if kind and not ids.KINDS[kind].is_key:
            id_columns[cid] = kind
        hkind = ids.hashed_kind(col.name)
        if hkind:
            hash_columns[cid] = hkind
    copies, hashed = _lineage_copies(list(id_columns))
    if copies or hashed:
        result.lineage_used = True
    for cid, origin in copies.items():
        if cid in cat.columns and cid not in id_columns:
            id_columns[cid] = id_columns[origin]
    for cid, origin in hashed.items():
        if cid in cat.columns:
            hash_columns[cid] = id_columns[origin]
    if not result.lineage_used:
        result.notes.append(
            "No lineage edges from identifier columns: copies found by classification and "
            "column names only."
        )

    # 1-2: identifier columns
    for cid, kind in id_columns.items():
        if kind not in wanted:
            continue
        table, col = cat.columns[cid]
        via = (
            f"classification {', '.join(sorted(col.entities & set(ids.KINDS[kind].entities)))}"
            if col.entities & set(ids.KINDS[kind].entities)
            else ("lineage copy" if cid in copies else "column name")
        )
        result.finding(table).add(
            Match(col.name, ids.KINDS[kind].mode, wanted[kind], "identifier", kind, via)
        )

    # 3: subject keys of matched base tables (and the stored spellings of identifiers)
    for finding in list(result.findings.values()):
        table = finding.table
        pk = table.pk
        if table.type != AssetType.TABLE:
            continue
        cols = [m.column for m in finding.matches.values() if m.role == "identifier"]
        select_cols = list(dict.fromkeys(([pk.name] if pk else []) + cols))
        stmt: Any = (
            sa.select(*(sa.column(c) for c in select_cols))
            .select_from(table.ref.table())
            .where(where(finding.predicate))
            .limit(100_000)
        )
        with cat.engine(table.source_id).connect() as conn:
            found = conn.execute(stmt).all()
        result.rows_scanned += len(found)
        for row in found:
            values = dict(zip(select_cols, row, strict=True))
            for match in finding.matches.values():
                if match.role == "identifier" and values.get(match.column) is not None:
                    result.spellings[match.kind].add(str(values[match.column]))
            if pk is not None and values.get(pk.name) is not None:
                result.keys.setdefault(pk.id, [])
                if values[pk.name] not in result.keys[pk.id]:
                    result.keys[pk.id].append(values[pk.name])
    if "customer_id" in wanted:
        for _cid, (table, col) in cat.columns.items():
            if col.is_pk and col.name.lower() in ids.KEY_COLUMN_NAMES and table.type == "table":
                typed = _typed(wanted["customer_id"], col)
                result.keys[col.id] = list(dict.fromkeys([*result.keys.get(col.id, []), *typed]))
    for cid, known_values in known.items():
        if cid in cat.columns:
            result.keys[cid] = list(dict.fromkeys([*result.keys.get(cid, []), *known_values]))

    # 4-5: follow keys through foreign keys, lineage copies and same-named key columns
    _expand_keys(cat, result)

    # 6: hashed copies
    for cid, kind in hash_columns.items():
        if kind not in wanted:
            continue
        table, col = cat.columns[cid]
        plain = set(wanted[kind]) | result.spellings.get(kind, set())
        plain |= {ids.normalise(kind, s) for s in result.spellings.get(kind, set())}
        via = "lineage hash edge" if cid in hashed else "hash column name"
        result.finding(table).add(Match(col.name, "exact", ids.digests(plain), "hash", kind, via))


def _expand_keys(cat: Catalog, result: Discovery) -> None:
    queue = list(result.keys)
    seen: set[int] = set()
    key_copies, _ = _lineage_copies(queue)
    while queue:
        key_id = queue.pop(0)
        if key_id in seen or key_id not in cat.columns:
            continue
        seen.add(key_id)
        table, key_col = cat.columns[key_id]
        values = result.keys.get(key_id, [])
        if not values:
            continue
        result.finding(table).add(
            Match(
                key_col.name, "exact", values, "key", "customer_id", "primary key of matched rows"
            )
        )
        for child_id in cat.children.get(key_id, []):
            child_table, child = cat.columns[child_id]
            typed = _typed(values, child)
            finding = result.finding(child_table)
            finding.add(
                Match(
                    child.name,
                    "exact",
                    typed,
                    "fk",
                    "customer_id",
                    f"foreign key -> {table.ref.name}.{key_col.name}",
                )
            )
            pk = child_table.pk
            if pk is None or child_table.type != AssetType.TABLE or pk.id in seen:
                continue
            if not cat.children.get(pk.id) and pk.name.lower() not in ids.KEY_COLUMN_NAMES:
                continue
            stmt: Any = (
                sa.select(sa.column(pk.name))
                .select_from(child_table.ref.table())
                .where(where([{"column": child.name, "mode": "exact", "values": typed}]))
            )
            with cat.engine(child_table.source_id).connect() as conn:
                child_keys = [r[0] for r in conn.execute(stmt)]
            result.rows_scanned += len(child_keys)
            if child_keys:
                result.keys[pk.id] = list(dict.fromkeys([*result.keys.get(pk.id, []), *child_keys]))
                queue.append(pk.id)
        copies = [c for c, origin in key_copies.items() if origin == key_id]
        if key_col.name.lower() in ids.KEY_COLUMN_NAMES:
            copies += [
                cid
                for cid, (t, c) in cat.columns.items()
                if c.name == key_col.name and t.source_id == table.source_id and cid != key_id
            ]
        for cid in dict.fromkeys(copies):
            if cid not in cat.columns or cid in cat.children.get(key_id, []):
                continue
            copy_table, copy_col = cat.columns[cid]
            if copy_col.references_id and copy_col.references_id != key_id:
                continue  # a foreign key to some other table: followed from its own parent
            via = "lineage copy" if cid in key_copies else "same key column name"
            result.finding(copy_table).add(
                Match(copy_col.name, "exact", _typed(values, copy_col), "copy", "customer_id", via)
            )
