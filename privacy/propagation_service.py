"""Django side of PII propagation: classifications flow downstream along stored lineage.

Seeds are the active classifications (manual, detected; proposed or confirmed) of columns
that feed lineage edges. Each reached column gets a ``propagated`` classification with
``upstream`` set to its seed, the path in its evidence and a confidence decayed per hop
(see :mod:`privacy.propagation` for the carry/stop rules). Propagation stops at
aggregates, counts and hashes; those stop reasons are reported by :func:`explain_column`.
Re-running is idempotent: results that no longer hold are withdrawn (kept as history),
and a steward's rejection of a propagated classification is respected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q

import audit.services as audit
from catalog import search
from catalog.models import (
    Asset,
    Classification,
    ClassificationStatus,
    LabelSource,
    Source,
)
from lineage.models import ColumnLineage
from privacy.propagation import Propagated, Stopped, propagate

ACTIVE = (ClassificationStatus.PROPOSED, ClassificationStatus.CONFIRMED)


@dataclass
class PropagationReport:
    created: int = 0
    updated: int = 0
    withdrawn: int = 0
    stopped: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "withdrawn": self.withdrawn,
            "stopped": len(self.stopped),
        }


def _edges(source: Source | None) -> list[tuple[str, str, str]]:
    qs = ColumnLineage.objects.filter(source__isnull=False, target__isnull=False)
    if source is not None:
        qs = qs.filter(Q(source__source=source) | Q(target__source=source))
    return list(qs.values_list("source__fqn", "target__fqn", "transform"))


def _seeds(fqns: set[str]) -> tuple[dict[str, list[str]], dict[tuple[str, str], Classification]]:
    seeds: dict[str, list[str]] = {}
    rows: dict[tuple[str, str], Classification] = {}
    qs = Classification.objects.filter(
        asset__fqn__in=fqns,
        status__in=ACTIVE,
        source__in=[LabelSource.MANUAL, LabelSource.DETECTED],
    ).select_related("asset")
    for row in qs.order_by("-confidence"):
        key = (row.asset.fqn, row.entity)
        if key in rows:
            continue
        rows[key] = row
        seeds.setdefault(row.asset.fqn, []).append(row.entity)
    return seeds, rows


def propagate_source(*, source: Source | None = None) -> PropagationReport:
    """Recompute propagated classifications for the lineage touching ``source`` (or all)."""
    edges = _edges(source)
    fqns = {fqn for edge in edges for fqn in edge[:2]}
    seeds, seed_rows = _seeds(fqns)
    results = propagate(edges, seeds, confidence={})
    report = PropagationReport()
    by_fqn = {a.fqn: a for a in Asset.objects.filter(fqn__in=fqns, deleted_at__isnull=True)}
    wanted: dict[tuple[int, str], Propagated] = {}
    for result in results:
        if isinstance(result, Stopped):
            report.stopped.append(
                {
                    "column": result.fqn,
                    "entity": result.entity,
                    "via": result.via,
                    "transform": result.transform,
                    "reason": result.reason,
                }
            )
            continue
        asset = by_fqn.get(result.fqn)
        if asset is not None:
            wanted[(asset.pk, result.entity)] = result
    touched: list[Asset] = []
    with transaction.atomic():
        existing = {
            (c.asset_id, c.entity): c
            for c in Classification.objects.filter(
                asset__in=list(by_fqn.values()), source=LabelSource.PROPAGATED
            ).select_for_update()
        }
        for key, result in wanted.items():
            seed = seed_rows[(result.seed, result.entity)]
            confidence = round(seed.confidence * result.confidence, 4)
            status = (
                ClassificationStatus.CONFIRMED
                if seed.status == ClassificationStatus.CONFIRMED
                else ClassificationStatus.PROPOSED
            )
            explanation = (
                f"Propagated from {result.seed} via {' → '.join(result.transforms)} "
                f"({result.hops} hop{'s' if result.hops != 1 else ''})."
            )
            evidence = {"path": list(result.path), "transforms": list(result.transforms)}
            row = existing.get(key)
            asset = by_fqn[result.fqn]
            if row is None:
                row = Classification.objects.create(
                    asset=asset,
                    entity=result.entity,
                    source=LabelSource.PROPAGATED,
                    status=status,
                    confidence=confidence,
                    explanation=explanation,
                    evidence=evidence,
                    upstream=seed,
                )
                report.created += 1
                audit.record(
                    action="privacy.classification.propagate",
                    obj=asset,
                    changes={"entity": result.entity, "from": result.seed, "hops": result.hops},
                )
                touched.append(asset)
                continue
            if row.status == ClassificationStatus.REJECTED:
                continue  # a steward said no; keep it that way
            if (row.status, row.confidence, row.upstream_id, row.evidence) != (
                status,
                confidence,
                seed.pk,
                evidence,
            ):
                row.status, row.confidence, row.upstream = status, confidence, seed
                row.explanation, row.evidence = explanation, evidence
                row.save()
                report.updated += 1
                touched.append(asset)
        for key, row in existing.items():
            if key not in wanted and row.status in ACTIVE:
                row.status = ClassificationStatus.WITHDRAWN
                row.explanation = (
                    "Withdrawn: no longer reached by lineage from a classified column."
                )
                row.save(update_fields=["status", "explanation", "updated"])
                report.withdrawn += 1
                audit.record(
                    action="privacy.classification.withdraw",
                    obj=row.asset,
                    changes={"entity": row.entity, "source": "propagated"},
                )
                touched.append(row.asset)
        if touched:
            search.index_assets(touched)
    return report


def explain_column(column: Asset) -> dict[str, Any]:
    """Where this column's classifications flow downstream, and where they stop (and why)."""
    edges = _edges(None)
    seeds, _ = _seeds({column.fqn})
    results = propagate(edges, {column.fqn: seeds.get(column.fqn, [])})
    return {
        "column": column.fqn,
        "entities": seeds.get(column.fqn, []),
        "reaches": [
            {
                "column": r.fqn,
                "entity": r.entity,
                "hops": r.hops,
                "confidence": r.confidence,
                "path": list(r.path),
                "transforms": list(r.transforms),
            }
            for r in results
            if isinstance(r, Propagated)
        ],
        "stops": [
            {
                "column": r.fqn,
                "entity": r.entity,
                "via": r.via,
                "transform": r.transform,
                "reason": r.reason,
            }
            for r in results
            if isinstance(r, Stopped)
        ],
    }
