"""All privacy reads, restricted to what the acting user may see (invisible = 404)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from catalog import selectors as catalog_selectors
from catalog.models import Asset, Classification, ClassificationStatus
from custos.errors import NotFound
from privacy.models import ScanRun

QUEUE_STATUSES = ("proposed", "flagged", "confirmed", "rejected", "withdrawn", "all")


def reviewable_assets(user: Any) -> QuerySet[Asset]:
    """Columns whose classifications ``user`` may review: everything visible for stewards
    and admins, else what they may change (owned, stewarded or granted)."""
    if user.is_superuser or user.has_perm("catalog.change_classification"):
        return catalog_selectors.visible_assets(user)
    return Asset.objects.restrict(user, "change").live()


def review_queue(
    user: Any,
    *,
    source: str | None = None,
    entity: str | None = None,
    status: str = "proposed",
) -> QuerySet[Classification]:
    """Classifications to review, best score first.

    ``status="proposed"`` (default) also lists confirmed detections a re-scan flagged
    (``evidence.review``); ``flagged`` lists only those.
    """
    qs = Classification.objects.filter(asset__in=reviewable_assets(user))
    if status == "proposed":
        qs = qs.filter(
            Q(status=ClassificationStatus.PROPOSED)
            | Q(status=ClassificationStatus.CONFIRMED, evidence__review__isnull=False)
        )
    elif status == "flagged":
        qs = qs.filter(evidence__review__isnull=False)
    elif status != "all":
        qs = qs.filter(status=status)
    if source:
        qs = qs.filter(asset__source__name=source)
    if entity:
        qs = qs.filter(entity=entity)
    return qs.select_related("asset", "asset__source", "asset__parent").order_by(
        "-confidence", "asset__fqn", "entity"
    )


def classification_by_id(user: Any, pk: int) -> Classification:
    row = (
        Classification.objects.filter(pk=pk, asset__in=catalog_selectors.visible_assets(user))
        .select_related("asset", "asset__source", "asset__parent")
        .first()
    )
    if row is None:
        raise NotFound(f"No classification {pk}.")
    return row


def classifications_by_ids(user: Any, ids: list[int]) -> list[Classification]:
    """All of ``ids`` (visible to ``user``), in the given order; NotFound names the others."""
    found = {
        row.pk: row
        for row in Classification.objects.filter(
            pk__in=ids, asset__in=catalog_selectors.visible_assets(user)
        ).select_related("asset", "asset__source")
    }
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(f"No classification(s) {missing[:20]}.", details={"ids": missing[:100]})
    return [found[i] for i in dict.fromkeys(ids)]


def column_classifications(column: Asset) -> QuerySet[Classification]:
    return Classification.objects.filter(asset=column).order_by("-confidence", "entity")


def scans_for(user: Any) -> QuerySet[ScanRun]:
    return ScanRun.objects.filter(source__in=catalog_selectors.sources_for(user)).select_related(
        "source", "requested_by"
    )


def scan_by_id(user: Any, pk: int) -> ScanRun:
    scan = scans_for(user).filter(pk=pk).first()
    if scan is None:
        raise NotFound(f"No scan {pk}.")
    return scan
