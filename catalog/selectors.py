"""All catalog reads, restricted to what the acting user may see (invisible = 404)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from catalog.models import (
    Asset,
    AssetType,
    Classification,
    DriftEvent,
    GlossaryTerm,
    IngestionRun,
    Ownership,
    Source,
    TagAssignment,
)
from custos.errors import NotFound

TABLE_TYPES = (AssetType.TABLE, AssetType.VIEW)


def visible_assets(user: Any) -> QuerySet[Asset]:
    return Asset.objects.restrict(user, "view").live()


def asset_by_fqn(user: Any, fqn: str, *, types: tuple[str, ...] | None = None) -> Asset:
    qs = visible_assets(user).filter(fqn=fqn)
    if types:
        qs = qs.filter(type__in=types)
    asset = qs.select_related("source", "parent", "references").first()
    if asset is None:
        kind = "/".join(types) if types else "asset"
        raise NotFound(f"No {kind} {fqn!r}.", details={"fqn": fqn})
    return asset


def table_by_fqn(user: Any, fqn: str) -> Asset:
    return asset_by_fqn(user, fqn, types=TABLE_TYPES)


def column_by_fqn(user: Any, fqn: str) -> Asset:
    return asset_by_fqn(user, fqn, types=(AssetType.COLUMN,))


def asset_by_id(user: Any, pk: int) -> Asset:
    asset = visible_assets(user).filter(pk=pk).select_related("source", "parent").first()
    if asset is None:
        raise NotFound(f"No asset {pk}.")
    return asset


def _decorations() -> list[Any]:
    return [
        Prefetch("tag_assignments", queryset=TagAssignment.objects.select_related("tag")),
        Prefetch("ownerships", queryset=Ownership.objects.select_related("user", "group")),
        Prefetch("classifications", queryset=Classification.objects.order_by("-confidence")),
        "terms",
    ]


def columns_of(user: Any, table: Asset) -> QuerySet[Asset]:
    return (
        visible_assets(user)
        .filter(parent=table, type=AssetType.COLUMN)
        .order_by("position", "name")
        .select_related("references")
        .prefetch_related(*_decorations())
    )


def children_of(user: Any, asset: Asset) -> QuerySet[Asset]:
    return visible_assets(user).filter(parent=asset).exclude(type=AssetType.COLUMN).order_by("name")


def decorated(asset: Asset) -> Asset:
    """Reload an asset with tags, owners, classifications and terms prefetched."""
    return (
        Asset.objects.prefetch_related(*_decorations())
        .select_related("source", "parent", "references")
        .get(pk=asset.pk)
    )


def drift_of(table: Asset) -> QuerySet[DriftEvent]:
    return DriftEvent.objects.filter(table=table).select_related("run")


def sources_for(user: Any) -> QuerySet[Source]:
    visible_roots = visible_assets(user).filter(type=AssetType.SOURCE).values("source_id")
    return Source.objects.filter(id__in=visible_roots)


def source_by_name(user: Any, name: str) -> Source:
    source = sources_for(user).filter(name=name).first()
    if source is None:
        raise NotFound(f"No source {name!r}.", details={"source": name})
    return source


def runs_for(user: Any) -> QuerySet[IngestionRun]:
    return IngestionRun.objects.filter(source__in=sources_for(user)).select_related("source")


def run_by_id(user: Any, pk: int) -> IngestionRun:
    run = runs_for(user).filter(pk=pk).first()
    if run is None:
        raise NotFound(f"No ingestion run {pk}.")
    return run


def terms_for(user: Any) -> QuerySet[GlossaryTerm]:
    if user.is_superuser or user.has_perm("catalog.view_glossaryterm"):
        return GlossaryTerm.objects.all().select_related("parent")
    return GlossaryTerm.objects.none()


def term_by_id(user: Any, pk: int) -> GlossaryTerm:
    term = terms_for(user).filter(pk=pk).first()
    if term is None:
        raise NotFound(f"No glossary term {pk}.")
    return term


def term_by_fqn(user: Any, fqn: str) -> GlossaryTerm:
    term = terms_for(user).filter(fqn=fqn).first()
    if term is None:
        raise NotFound(f"No glossary term {fqn!r}.")
    return term


def term_assets(user: Any, term: GlossaryTerm) -> QuerySet[Asset]:
    return visible_assets(user).filter(terms=term)


def ownership_by_id(user: Any, pk: int) -> Ownership:
    own = Ownership.objects.select_related("asset", "term", "user", "group").filter(pk=pk).first()
    if own is None:
        raise NotFound(f"No ownership {pk}.")
    if own.asset_id is not None and not visible_assets(user).filter(pk=own.asset_id).exists():
        raise NotFound(f"No ownership {pk}.")
    if own.term_id is not None and not terms_for(user).filter(pk=own.term_id).exists():
        raise NotFound(f"No ownership {pk}.")
    return own
