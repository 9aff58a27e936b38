"""Append-only, hash-chained audit events."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models


class AppendOnlyError(Exception):
    """Audit events can be appended, never changed or removed."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("audit events are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events are append-only")


class AuditEvent(models.Model):
    """One action by one actor on (at most) one object.

    ``seq`` is the chain position (1, 2, ...); ``hash`` = sha256(prev_hash || body), see
    :mod:`audit.chain`. ``changes`` holds what changed (before/after) with values of
    personal data replaced by hashes: services pass redacted diffs.
    """

    seq = models.BigIntegerField(unique=True)
    timestamp = models.DateTimeField(db_index=True)
    # No database constraint and no cascade: rows are immutable (the actor id is hashed),
    # and deactivating users is the supported way to remove them.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField(max_length=150)
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=512, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    channel = models.CharField(max_length=40, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "seq"]),
            models.Index(fields=["actor_label", "seq"]),
            models.Index(fields=["action", "seq"]),
        ]
        permissions = [("export_auditevent", "Can export the audit trail and read audit reports")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.actor_label} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events are append-only")

    def body(self) -> dict[str, Any]:
        """The hashed content (everything but the hashes themselves)."""
        return event_body(
            self.seq,
            self.timestamp,
            self.actor_id,
            self.actor_label,
            self.action,
            self.object_type,
            self.object_id,
            self.object_repr,
            self.changes,
            self.request_id,
            self.ip,
            self.channel,
        )


# Column order of ``event_body``'s arguments: lets readers of millions of rows use
# ``values_list(*BODY_FIELDS)`` instead of building model instances.
BODY_FIELDS = (
    "seq",
    "timestamp",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
    "request_id",
    "ip",
    "channel",
)


def event_body(
    seq: int,
    timestamp: Any,
    actor_id: int | None,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    object_repr: str,
    changes: Any,
    request_id: str,
    ip: str | None,
    channel: str,
) -> dict[str, Any]:
    """The hashed content of an event (see :func:`audit.chain.link_hash`)."""
    return {
        "seq": seq,
        "timestamp": timestamp.isoformat(),
        "actor_id": actor_id,
        "actor": actor_label,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "object": object_repr,
        "changes": changes,
        "request_id": request_id,
        "ip": ip,
        "channel": channel,
    }


class AuditCheckpoint(models.Model):
    """A signed chain head: "at ``seq`` the chain's hash was ``head_hash``".

    The Ed25519 private key lives in files under ``CUSTOS_KEYS_DIR``, never in the
    database, so whoever controls only the database cannot forge a checkpoint: rewriting
    or truncating the chain below a checkpoint is detected by verification.
    """

    seq = models.BigIntegerField(unique=True)
    head_hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    signature = models.CharField(max_length=128)
    key_id = models.CharField(max_length=32)

    class Meta:
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"checkpoint #{self.seq} ({self.key_id})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit checkpoints are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit checkpoints are append-only")


class AuditArchive(models.Model):
    """Events ``first_seq..last_seq`` moved to a signed bundle, then removed from the table.

    Live verification starts after the newest archive: its ``head_hash`` (hash of event
    ``last_seq``) is the ``prev_hash`` the first remaining event must carry.
    """

    first_seq = models.BigIntegerField()
    last_seq = models.BigIntegerField(unique=True)
    first_prev_hash = models.CharField(max_length=64)
    head_hash = models.CharField(max_length=64)
    event_count = models.BigIntegerField()
    cut_before = models.DateTimeField(help_text="Events older than this were archived.")
    bundle_path = models.CharField(max_length=1024)
    bundle_sha256 = models.CharField(max_length=64)
    created = models.DateTimeField(auto_now_add=True)
    created_by_label = models.CharField(max_length=150)

    class Meta:
        ordering = ["-last_seq"]

    def __str__(self) -> str:
        return f"archive seq {self.first_seq}..{self.last_seq}"


class ExportScope(models.TextChoices):
    ALL = "all", "All events"
    SUBJECT = "subject", "One data subject"
    ASSET = "asset", "One asset"
    USER = "user", "One user"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class AuditExport(models.Model):
    """A compliance export job and, when done, its signed bundle on disk."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    scope = models.CharField(max_length=10, choices=ExportScope.choices)
    target = models.CharField(
        max_length=700, blank=True, help_text="Subject pseudonym, asset FQN or username."
    )
    since = models.DateTimeField(null=True, blank=True)
    until = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    progress_done = models.BigIntegerField(default=0)
    progress_total = models.BigIntegerField(default=0)
    event_count = models.BigIntegerField(default=0)
    message = models.CharField(max_length=255, blank=True)
    error = models.TextField(blank=True)
    bundle_path = models.CharField(max_length=1024, blank=True)
    bundle_sha256 = models.CharField(max_length=64, blank=True)
    bundle_bytes = models.BigIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"audit export {self.pk} ({self.scope})"

    @property
    def percent(self) -> int | None:
        if self.status == ExportStatus.SUCCEEDED:
            return 100
        if not self.progress_total:
            return None
        return min(100, int(100 * self.progress_done / self.progress_total))
