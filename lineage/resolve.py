"""From the SQL engine's names to catalog FQNs, within one source.

The engine names tables ``db.schema.table`` as qualified as the SQL and the defaults allow
(``lineage.sql``'s conventions); the catalog names them ``source.database.schema.table``
with per-engine conventions (``catalog.ingest.native``):

=========== ============================ ===================================== ============
source kind engine dialect               defaults given to the engine          catalog FQN
=========== ============================ ===================================== ============
SQLite      ``sqlite``                   catalog = file stem, schema ``main``  ``src.airline.main.t``
PostgreSQL  ``postgres``                 catalog = URL database, ``public``    ``src.db.raw.t``
MySQL       ``mysql``                    catalog ``default``, schema = URL db  ``src.default.mydb.t``
=========== ============================ ===================================== ============

Resolution of a table reference, first hit wins: the full name (case-insensitively,
exact case preferred); the name with the source's default database/schema filled in; the
unique catalog table whose trailing parts match (``passengers`` finds
``raw.passengers`` when only one schema has it). Anything else is *external*: it keeps the
engine's name and becomes an ``ExternalAsset`` when stored, never silently dropped.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

from catalog.ingest.snapshot import make_fqn, split_fqn
from catalog.models import Asset, AssetType, Source, SourceKind
from lineage.sql import SchemaIndex

DIALECT_OF_KIND: dict[str, str] = {
    SourceKind.SQLITE: "sqlite",
    SourceKind.POSTGRESQL: "postgres",
    SourceKind.MYSQL: "mysql",
}


@dataclass
class CatalogTable:
    id: int
    fqn: str
    parts: tuple[str, str, str]  # database, schema, table (as stored)
    type: str
    view_sql: str = ""
    columns: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    # lower name -> [(name, fqn, data_type)], ordered by position
    ordered: list[tuple[str, str]] = field(default_factory=list)  # (name, data_type)

    def column(self, name: str) -> str | None:
        hits = self.columns.get(name.lower(), [])
        for stored, fqn, _ in hits:
            if stored == name:
                return fqn
        return hits[0][1] if len(hits) == 1 else None


def _lower(parts: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(p.lower() for p in parts)


class SourceCatalog:
    """The tables and columns of one catalogued source, indexed for name resolution."""

    def __init__(self, source: Source, *, database_hint: str | None = None) -> None:
        self.source = source
        self.dialect = DIALECT_OF_KIND.get(source.kind, "postgres")
        self.tables: dict[tuple[str, ...], list[CatalogTable]] = defaultdict(list)
        self._by_suffix2: dict[tuple[str, ...], list[CatalogTable]] = defaultdict(list)
        self._by_name: dict[str, list[CatalogTable]] = defaultdict(list)
        self.by_id: dict[int, CatalogTable] = {}
        self.by_fqn: dict[str, CatalogTable] = {}
        rows = (
            Asset.objects.filter(
                source=source,
                type__in=(AssetType.TABLE, AssetType.VIEW),
                deleted_at__isnull=True,
            )
            .values_list("id", "fqn", "name", "type", "view_sql", "schema_ref__name")
            .order_by("id")
        )
        databases: set[str] = set()
        for pk, fqn, name, type_, view_sql, schema in rows:
            parts = split_fqn(fqn)
            database = parts[1] if len(parts) >= 4 else ""
            databases.add(database)
            table = CatalogTable(pk, fqn, (database, schema or "", name), type_, view_sql or "")
            self.by_id[pk] = table
            self.by_fqn[fqn] = table
            key = _lower(table.parts)
            self.tables[key].append(table)
            self._by_suffix2[key[1:]].append(table)
            self._by_name[key[2]].append(table)
        for table_id, name, fqn, data_type in (
            Asset.objects.filter(source=source, type=AssetType.COLUMN, deleted_at__isnull=True)
            .values_list("table_ref_id", "name", "fqn", "data_type")
            .order_by("table_ref_id", "position", "id")
        ):
            owner = self.by_id.get(table_id or 0)
            if owner is not None:
                owner.columns.setdefault(name.lower(), []).append((name, fqn, data_type))
                owner.ordered.append((name, data_type))
        self.default_catalog, self.default_schema = self._defaults(databases, database_hint)

    # -- defaults ------------------------------------------------------------------------

    def _defaults(self, databases: set[str], hint: str | None) -> tuple[str | None, str | None]:
        database = next(iter(databases)) if len(databases) == 1 else None
        if self.source.kind == SourceKind.SQLITE:
            return database, "main"
        url_db = hint if hint is not None else self._url_database()
        if self.source.kind == SourceKind.MYSQL:
            return "default", url_db or None
        return url_db or database, "public"

    def _url_database(self) -> str | None:
        from catalog.services import source_dsn

        try:
            db = make_url(source_dsn(self.source)).database
        except Exception:
            return None
        if db and self.source.kind == SourceKind.SQLITE:
            return Path(db).stem
        return db or None

    # -- the engine's view of the catalog ----------------------------------------------------

    def schema_index(self) -> SchemaIndex:
        """Every table of the source as the engine's schema (``db.schema.table`` -> columns)."""
        schema: dict[str, dict[str, str]] = {}
        for table in self.by_id.values():
            schema[make_fqn(*table.parts)] = {name: dtype or "" for name, dtype in table.ordered}
        return SchemaIndex(schema)

    def views(self) -> list[CatalogTable]:
        return [t for t in self.by_id.values() if t.type == AssetType.VIEW and t.view_sql]

    # -- resolution ------------------------------------------------------------------------

    def find_table(self, parts: list[str] | tuple[str, ...]) -> CatalogTable | None:
        parts = tuple(p for p in parts if p != "")
        if not parts:
            return None
        if len(parts) > 3:
            parts = parts[-3:]
        candidates: list[tuple[str, ...]] = []
        if len(parts) == 3:
            candidates.append(parts)
        elif len(parts) == 2 and self.default_catalog:
            candidates.append((self.default_catalog, *parts))
        elif len(parts) == 1 and self.default_catalog and self.default_schema:
            candidates.append((self.default_catalog, self.default_schema, parts[0]))
        for candidate in candidates:
            hit = _pick(self.tables.get(_lower(candidate), []), candidate)
            if hit is not None:
                return hit
        if len(parts) >= 2:
            return _pick(self._by_suffix2.get(_lower(parts[-2:]), []), parts[-2:], unique=True)
        return _pick(self._by_name.get(parts[0].lower(), []), parts, unique=True)

    def table_endpoint(self, engine_name: str) -> str:
        """Catalog FQN of the table the engine calls ``engine_name``, else the name itself."""
        table = self.find_table(split_fqn(engine_name))
        return table.fqn if table is not None else engine_name

    def column_endpoint(self, engine_name: str) -> str:
        """Catalog FQN of a column, else an external name.

        A column of a known table that the catalog lacks is named under the table's catalog
        FQN (it becomes an external column attached to that table).
        """
        parts = split_fqn(engine_name)
        if len(parts) < 2:
            return engine_name
        table = self.find_table(parts[:-1])
        if table is None:
            return engine_name
        return table.column(parts[-1]) or f"{table.fqn}.{make_fqn(parts[-1])}"


def _pick(
    tables: list[CatalogTable], parts: tuple[str, ...], *, unique: bool = False
) -> CatalogTable | None:
    if not tables:
        return None
    exact = [t for t in tables if t.parts[-len(parts) :] == parts]
    if len(exact) == 1:
        return exact[0]
    if len(tables) == 1:
        return tables[0]
    return None if unique or not exact else exact[0]
