"""What callers hand to ``lineage.services.record_edges`` (plain data)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from catalog.models import Source
from lineage.sql.model import ALL_KINDS


@dataclass(frozen=True)
class EdgeSpec:
    """One lineage edge to record.

    ``source`` and ``target`` are catalog FQNs (``air.airline.main.raw_passengers.email``
    for a column, ``air.airline.main.raw_passengers`` for a table). A name the catalog does
    not know is kept as an external node under that name (a file URI, an uncatalogued
    table) — never dropped.

    ``transform`` set (one of ``lineage.sql.model.ALL_KINDS``): a *column* edge; its table
    edge is implied. ``transform=None``: a *table* edge only (dependency without column
    detail). ``confidence`` is in (0, 1].
    """

    source: str
    target: str
    transform: str | None = None
    confidence: float = 1.0

    def problem(self) -> str | None:
        """Why this edge cannot be stored, or None."""
        if not self.source or not self.target:
            return "edge endpoints must be non-empty names"
        if len(self.source) > 1000 or len(self.target) > 1000:
            return "edge endpoint names are limited to 1000 characters"
        if self.transform is not None and self.transform not in ALL_KINDS:
            return f"unknown transform {self.transform!r}"
        if not 0 < self.confidence <= 1:
            return "confidence must be in (0, 1]"
        return None


@dataclass
class ProvenanceSpec:
    """Where a set of edges comes from.

    ``kind`` is view / query_log / dbt / openlineage / manual / openmetadata;
    ``reference`` a stable id of the producer within ``kind`` and ``source`` (the view's
    FQN, ``sha256:...`` of the normalised query, the dbt ``unique_id``, the OpenLineage
    ``namespace/job``, an OpenMetadata edge id). Recording the same provenance again
    *replaces* its edges (``replace=True``), so a re-ingest updates instead of duplicating.
    """

    kind: str
    reference: str
    source: Source | None = None
    sql: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    seen_at: datetime | None = None
    replace: bool = True
