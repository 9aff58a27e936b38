"""Stored lineage: column and table edges between catalog assets, with provenance.

The graph
---------
* ``ColumnLineage`` — one column-level edge ``source -> target`` with a ``transform`` kind
  (``identity``, ``expression``, ``case``, ``window``, ``hash``, ``aggregate``, ``count``,
  ``join_key``, ``filter``; see ``lineage.sql.model``) and a ``confidence`` in (0, 1].
  ``source`` and ``target`` are catalog ``Asset`` columns. An endpoint the catalog does not
  know (a file, a table of an uncatalogued database, a column the last ingestion has not
  seen yet) is an ``ExternalAsset``: then ``source`` (or ``target``) is NULL and
  ``source_external`` (or ``target_external``) is set. Exactly one of each pair is set.
* ``TableLineage`` — one table-level edge between tables/views (or external tables and
  files). Every column edge belongs to the table edge of its two tables (``table_edge``);
  table edges also exist without column edges (``COPY t FROM 'file'``, ``SELECT *`` over a
  table of unknown columns, dbt/OpenLineage dependencies without column detail).
  ``transforms`` lists the kinds of its column edges (comma-separated, sorted).

Value and indirect edges: ``join_key`` and ``filter`` edges say that a column decided
*which rows* reach the target; no value flows through them. Value propagation (PII) must
follow only ``lineage.sql.model.VALUE_KINDS``, and should stop at ``hash``, ``aggregate``
and ``count`` when it wants "anonymising transforms stop personal data".

Provenance
----------
``LineageProvenance`` is where edges were seen: ``kind`` (view / query_log / dbt /
openlineage / manual / openmetadata) and a stable ``reference`` (the view's FQN, the hash
of the normalised query text, the dbt ``unique_id``, the OpenLineage job, ...), with the
time it was last seen and an SQL excerpt. Edges link to their provenances through
``ColumnLineageLink`` / ``TableLineageLink``. Each provenance *owns* its set of edges:
recording it again replaces that set (edges it no longer produces are detached, and
deleted when no other provenance has them), so re-ingesting never duplicates anything.
Edges are unique by ``key`` (endpoints + transform). All writes go through
``lineage.services.record_edges``.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from catalog.models import Asset, Source


class ProvenanceKind(models.TextChoices):
    VIEW = "view", "View definition"
    QUERY_LOG = "query_log", "Query log"
    DBT = "dbt", "dbt manifest"
    OPENLINEAGE = "openlineage", "OpenLineage event"
    MANUAL = "manual", "Manual"
    OPENMETADATA = "openmetadata", "OpenMetadata"


class ExternalKind(models.TextChoices):
    TABLE = "table", "Table or file"
    COLUMN = "column", "Column"


class ExternalAsset(models.Model):
    """A lineage endpoint outside the catalog, kept so lineage is not silently dropped.

    ``name`` is the name as the producer wrote it (``"s3://bucket/x.csv"``,
    ``otherdb.public.orders``, ``air.airline.main.raw_passengers.new_column``). A column's
    table is either another external node (``table``) or a catalogued table whose column
    the catalog does not have (``table_asset``).
    """

    audit_type = "lineage_external"

    key = models.CharField(max_length=100, unique=True)
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=ExternalKind.choices)
    name = models.CharField(max_length=1000)
    table = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="columns"
    )
    table_asset = models.ForeignKey(
        Asset, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class LineageProvenance(models.Model):
    """Where lineage was seen: a view, a logged query, a dbt model, an OpenLineage job."""

    audit_type = "lineage_provenance"

    key = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=ProvenanceKind.choices, db_index=True)
    reference = models.CharField(max_length=1000)
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    sql = models.TextField(blank=True, help_text="Excerpt of the SQL the edges come from.")
    details = models.JSONField(default=dict, blank=True)
    first_seen = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "reference"])]

    def __str__(self) -> str:
        return f"{self.kind}:{self.reference}"


def _one_end(prefix: str) -> Q:
    asset, external = f"{prefix}__isnull", f"{prefix}_external__isnull"
    return Q(**{asset: False, external: True}) | Q(**{asset: True, external: False})


class TableLineage(models.Model):
    """A table-level edge (tables, views, external tables and files)."""

    key = models.CharField(max_length=100, unique=True)
    source = models.ForeignKey(
        Asset, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    source_external = models.ForeignKey(
        ExternalAsset, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    target = models.ForeignKey(
        Asset, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    target_external = models.ForeignKey(
        ExternalAsset, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    transforms = models.CharField(max_length=200, blank=True)
    confidence = models.FloatField(default=1.0)
    provenance = models.ManyToManyField(
        LineageProvenance, through="TableLineageLink", related_name="table_edges"
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=_one_end("source"), name="table_edge_one_source"),
            models.CheckConstraint(condition=_one_end("target"), name="table_edge_one_target"),
        ]

    @property
    def transform_list(self) -> list[str]:
        return [t for t in self.transforms.split(",") if t]


class ColumnLineage(models.Model):
    """A column-level edge: ``source`` column feeds ``target`` column through ``transform``."""

    key = models.CharField(max_length=100, unique=True)
    source = models.ForeignKey(
        Asset, null=True, blank=True, on_delete=models.CASCADE, related_name="lineage_out"
    )
    source_external = models.ForeignKey(
        ExternalAsset, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    target = models.ForeignKey(
        Asset, null=True, blank=True, on_delete=models.CASCADE, related_name="lineage_in"
    )
    target_external = models.ForeignKey(
        ExternalAsset, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    transform = models.CharField(max_length=16, db_index=True)
    confidence = models.FloatField(default=1.0)
    table_edge = models.ForeignKey(
        TableLineage, on_delete=models.CASCADE, related_name="column_edges"
    )
    provenance = models.ManyToManyField(
        LineageProvenance, through="ColumnLineageLink", related_name="column_edges"
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=_one_end("source"), name="column_edge_one_source"),
            models.CheckConstraint(condition=_one_end("target"), name="column_edge_one_target"),
        ]

    def __str__(self) -> str:
        source = self.source_id or f"x{self.source_external_id}"
        target = self.target_id or f"x{self.target_external_id}"
        return f"{source} -> {target} ({self.transform})"


class ColumnLineageLink(models.Model):
    """``edge`` was produced by ``provenance`` (with this confidence, last at ``seen_at``)."""

    edge = models.ForeignKey(ColumnLineage, on_delete=models.CASCADE, related_name="links")
    provenance = models.ForeignKey(
        LineageProvenance, on_delete=models.CASCADE, related_name="column_links"
    )
    confidence = models.FloatField(default=1.0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["edge", "provenance"], name="uniq_column_edge_prov")
        ]
        indexes = [models.Index(fields=["provenance", "edge"])]


class TableLineageLink(models.Model):
    edge = models.ForeignKey(TableLineage, on_delete=models.CASCADE, related_name="links")
    provenance = models.ForeignKey(
        LineageProvenance, on_delete=models.CASCADE, related_name="table_links"
    )
    confidence = models.FloatField(default=1.0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["edge", "provenance"], name="uniq_table_edge_prov")
        ]
        indexes = [models.Index(fields=["provenance", "edge"])]
