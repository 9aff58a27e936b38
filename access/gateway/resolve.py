"""Step 2: find the base tables a query reads and map them to catalog tables.

FQNs are ``source.database.schema.table``. SQLite: schema ``main`` (``main.t`` or ``t``);
PostgreSQL: ``schema.t`` or ``database.schema.t``, unqualified -> ``public`` or the one
schema holding that name; MySQL/MariaDB: database ``default`` and schema = MySQL database
(``db.t``), unqualified -> the connection's database or the one schema holding the name.
Tables the user may not see are reported exactly like missing ones (404).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from sqlalchemy.engine import make_url
from sqlglot import exp
from sqlglot.errors import OptimizeError
from sqlglot.optimizer.scope import traverse_scope

from access import policy_cache
from access.gateway.parse import QueryRejected
from catalog.models import Asset, AssetType, Source


@dataclass
class BaseTable:
    node: exp.Table
    asset: Asset
    alias: str
    physical: tuple[str | None, str | None, str]  # (catalog, db, name) as sqlglot parts


class TableNotFound(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def base_table_nodes(query: exp.Expr) -> list[exp.Table]:
    """Every Table node that reads a real table (not a CTE), in every scope."""
    try:
        scopes = list(traverse_scope(query))
    except (OptimizeError, Exception) as exc:
        raise QueryRejected(f"Cannot analyse the query: {str(exc)[:200]}", "not_supported") from exc
    seen: dict[int, exp.Table] = {}
    for scope in scopes:
        for source in scope.sources.values():
            if isinstance(source, exp.Table):
                seen[id(source)] = source
    return list(seen.values())


def _default_schema(source: Source, kind: str, dsn: str | None) -> str | None:
    if kind == "sqlite":
        return "main"
    if kind == "postgresql":
        return "public"
    if dsn:
        try:
            return make_url(dsn).database
        except Exception:
            return None
    return None


def _lookup(tables: Any, name: str, quoted: bool) -> list[Asset]:
    exact = [t for t in tables if t.name == name]
    if exact or quoted:
        return exact
    lower = name.lower()
    return [t for t in tables if t.name.lower() == lower]


def resolve_table(
    node: exp.Table, *, source: Source, kind: str, catalog_tables: list[Asset], dsn: str | None
) -> Asset:
    """The catalog table ``node`` names (``TableNotFound`` if none or ambiguous)."""
    name = node.name
    quoted = bool(node.this.args.get("quoted")) if isinstance(node.this, exp.Identifier) else False
    db_part = node.db or None
    catalog_part = node.catalog or None
    label = ".".join(p for p in (catalog_part, db_part, name) if p)
    matches = _lookup(catalog_tables, name, quoted)

    def schema_of(t: Asset) -> str:
        return t.schema_ref.name if t.schema_ref else ""

    def database_of(t: Asset) -> str:
        return t.database_ref.name if t.database_ref else ""

    if kind == "sqlite":
        if catalog_part or (db_part and db_part.lower() != "main"):
            raise TableNotFound(label)
        matches = [t for t in matches if schema_of(t) == "main"]
    elif kind == "postgresql":
        if catalog_part:
            matches = [t for t in matches if database_of(t) == catalog_part]
        if db_part:
            matches = [
                t
                for t in matches
                if schema_of(t) == db_part
                or (not quoted and schema_of(t).lower() == db_part.lower())
            ]
    else:  # mysql: no catalogs; db part = schema
        if catalog_part:
            raise TableNotFound(label)
        if db_part:
            matches = [t for t in matches if schema_of(t) == db_part]
    if not db_part and len(matches) > 1:
        default = _default_schema(source, kind, dsn)
        preferred = [t for t in matches if schema_of(t) == default]
        matches = preferred or matches
    if len(matches) != 1:
        raise TableNotFound(label)
    return matches[0]


def physical_parts(asset: Asset, kind: str) -> tuple[str | None, str | None, str]:
    schema = asset.schema_ref.name if asset.schema_ref else None
    if kind == "sqlite":
        return None, "main", asset.name
    if kind == "postgresql":
        return None, schema, asset.name  # the connection's database; no cross-db queries
    return None, schema, asset.name


def resolve(
    query: exp.Expr,
    *,
    source: Source,
    kind: str,
    visible_tables: list[Asset],
    dsn: str | None,
) -> list[BaseTable]:
    """The base tables of ``query`` with their catalog assets (``TableNotFound`` otherwise)."""
    out: list[BaseTable] = []
    for node in base_table_nodes(query):
        asset = resolve_table(
            node, source=source, kind=kind, catalog_tables=visible_tables, dsn=dsn
        )
        alias = node.alias or node.name
        out.append(
            BaseTable(node=node, asset=asset, alias=alias, physical=physical_parts(asset, kind))
        )
    return out


def visible_tables_of(user: Any, source: Source, names: set[str] | None = None) -> list[Asset]:
    """Tables/views of ``source`` the user may see (only those named ``names``, any case).

    Cached per process under the policy epoch (grants, ownership, groups and catalog
    changes all replace it): a governed query pays one round trip for it, not a join.
    """
    if not getattr(user, "pk", None):
        return _visible_tables_of(user, source, names)
    key = ("visible", user.pk, source.pk, None if names is None else frozenset(names))
    return policy_cache.lookup_cache.get_current(
        key, lambda: (_visible_tables_of(user, source, names), None)
    )


def _visible_tables_of(user: Any, source: Source, names: set[str] | None) -> list[Asset]:
    qs = Asset.objects.restrict(user, "view").filter(
        source=source, type__in=(AssetType.TABLE, AssetType.VIEW), deleted_at__isnull=True
    )
    if names is not None:
        match = Q()
        for name in names:
            match |= Q(name__iexact=name)
        qs = qs.filter(match) if names else qs.none()
    return list(qs.order_by().select_related("schema_ref", "database_ref"))


def table_names(query: exp.Expr) -> set[str]:
    return {node.name for node in base_table_nodes(query)}
