"""State of the OpenMetadata-compatible surface.

* ``OmSession`` binds one workflow run (an ``IngestionRun`` of kind ``openmetadata``) to the
  bot token its ``metadata ingest`` processes authenticate with. While it is open, every write
  those processes send is *staged* (``OmStagedEntity``) instead of touching the catalog; the
  session is committed in one transaction when the CLI exits successfully, or discarded.
* ``OmEntity`` keeps the last committed OpenMetadata JSON of each entity, so that reads answer
  exactly what the client wrote (its ``sourceHash``, data type details, constraints...).
* ``OmLineageEdge`` holds table lineage edges (with column-level lineage) received through
  ``PUT /v1/lineage``; ``lineage`` has no edge model yet, so they live here.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from catalog.models import Asset, IngestionRun, Source


class SessionStatus(models.TextChoices):
    OPEN = "open", "Open"
    COMMITTED = "committed", "Committed"
    DISCARDED = "discarded", "Discarded"


class OmSession(models.Model):
    """One staged OpenMetadata workflow run (see module docstring)."""

    run = models.OneToOneField(IngestionRun, on_delete=models.CASCADE, related_name="om_session")
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="+")
    token = models.ForeignKey(
        "access.ApiToken", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=SessionStatus.choices, default=SessionStatus.OPEN
    )
    created = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["token", "status"])]

    def __str__(self) -> str:
        return f"om session {self.pk} ({self.status}) for run {self.run_id}"


class OmEntity(models.Model):
    """The last committed OpenMetadata JSON of one entity (keyed by kind and FQN)."""

    kind = models.CharField(max_length=32)
    fqn = models.CharField(max_length=700)
    entity_id = models.UUIDField(db_index=True)
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    body = models.JSONField()
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "fqn"], name="uniq_om_entity")]

    def __str__(self) -> str:
        return f"{self.kind} {self.fqn}"


class OmStagedEntity(models.Model):
    """A write of an open session, waiting for the commit (entities, lineage, stale marks)."""

    session = models.ForeignKey(OmSession, on_delete=models.CASCADE, related_name="staged")
    kind = models.CharField(max_length=32)  # entity kind, "lineage" or "deleteStale:<kind>"
    fqn = models.CharField(max_length=1500)
    entity_id = models.UUIDField(null=True, blank=True, db_index=True)
    body = models.JSONField()
    seq = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "kind", "fqn"], name="uniq_om_staged")
        ]

    def __str__(self) -> str:
        return f"staged {self.kind} {self.fqn}"


class OmLineageEdge(models.Model):
    """A table-level lineage edge with its column-level lineage, from OpenMetadata."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="+")
    from_fqn = models.CharField(max_length=700)
    to_fqn = models.CharField(max_length=700)
    from_asset = models.ForeignKey(
        Asset, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_asset = models.ForeignKey(
        Asset, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # [{"from": [column fqn, ...], "to": column fqn, "function": "..."}]
    columns = models.JSONField(default=list, blank=True)
    sql = models.TextField(blank=True)
    origin = models.CharField(max_length=40, blank=True)  # ViewLineage, QueryLineage, Manual...
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["from_fqn", "to_fqn"]
        constraints = [
            models.UniqueConstraint(fields=["from_fqn", "to_fqn"], name="uniq_om_lineage_edge")
        ]

    def __str__(self) -> str:
        return f"{self.from_fqn} -> {self.to_fqn}"
