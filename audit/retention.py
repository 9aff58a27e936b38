"""Retention of the trail: archive old events to a signed bundle, then remove them.

``CUSTOS_AUDIT_RETENTION_DAYS`` (default 2557, seven years) sets the age before which
events may be pruned. Pruning never loses the chain: the archive bundle holds the pruned
events with their hashes, an :class:`~audit.models.AuditArchive` row records the cut, and
live verification starts from the archive's head hash.
"""

from __future__ import annotations

import hashlib
import os
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from audit import exports, services
from audit.chain import bundle
from audit.models import AuditArchive, AuditEvent
from custos import context
from custos.errors import ValidationFailed

DEFAULT_RETENTION_DAYS = 2557


def retention_days() -> int:
    configured = getattr(settings, "CUSTOS_AUDIT_RETENTION_DAYS", None)
    if configured is None:
        configured = os.environ.get("CUSTOS_AUDIT_RETENTION_DAYS") or DEFAULT_RETENTION_DAYS
    days = int(configured)
    if days < 1:
        raise ValidationFailed("CUSTOS_AUDIT_RETENTION_DAYS must be at least 1.")
    return days


def retention_cutoff(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=retention_days())


def archive_dir() -> Path:
    return Path(settings.DATA_DIR) / "audit-archive"


def prune(*, before: datetime, force: bool = False) -> AuditArchive | None:
    """Archive events older than ``before`` to a signed bundle, then delete them.

    Refuses a cut inside the retention period unless ``force``. Returns the archive, or
    None when there is nothing to prune.
    """
    cutoff = retention_cutoff()
    if before > cutoff and not force:
        raise ValidationFailed(
            f"Events newer than the retention period ({retention_days()} days, cut-off "
            f"{cutoff.date().isoformat()}) are kept; use force to prune them anyway.",
            details={"before": before.isoformat(), "cutoff": cutoff.isoformat()},
        )
    services.seal()
    newest = AuditArchive.objects.order_by("-last_seq").first()
    start = newest.last_seq + 1 if newest else 1
    last_seq = (
        AuditEvent.objects.filter(timestamp__lt=before, seq__gte=start)
        .order_by("-seq")
        .values_list("seq", flat=True)
        .first()
    )
    if last_seq is None:
        return None
    path = archive_dir() / f"audit-archive-{start:012d}-{last_seq:012d}.zip"
    metadata = {
        "archive": True,
        "created_at": timezone.now().isoformat(),
        "scope": {"kind": "all", "target": None, "since": None, "until": before.isoformat()},
    }
    # Rows up to last_seq are immutable, so the bundle can be written without the chain lock.
    manifest = exports.write_range(
        path, first_seq=start, last_seq=last_seq, predicate=None, metadata=metadata
    )
    check = bundle.verify_bundle(path)
    if not check.ok:
        raise RuntimeError(
            f"archive bundle failed verification, nothing deleted: {check.summary()}"
        )
    info = manifest["events"]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    table = AuditEvent._meta.db_table
    with transaction.atomic():
        archive = AuditArchive.objects.create(
            first_seq=info["first_seq"],
            last_seq=info["last_seq"],
            first_prev_hash=info["first_prev_hash"],
            head_hash=info["last_hash"],
            event_count=info["count"],
            cut_before=before,
            bundle_path=str(path),
            bundle_sha256=digest,
            created_by_label=context.current().actor_label[:150],
        )
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":
                # The append-only trigger lets DELETE through only with this flag, which
                # SET LOCAL scopes to this transaction.
                cur.execute("SET LOCAL custos.audit_prune = 'on'")
            cur.execute(f"DELETE FROM {table} WHERE seq >= %s AND seq <= %s", [start, last_seq])
            if connection.vendor == "postgresql":
                # Off again at once, in case an outer transaction continues after us.
                cur.execute("SET LOCAL custos.audit_prune = 'off'")
        services.record(
            action="audit.prune",
            obj=archive,
            object_repr=str(archive),
            changes={
                "first_seq": archive.first_seq,
                "last_seq": archive.last_seq,
                "events": archive.event_count,
                "before": before,
                "bundle": path.name,
                "sha256": digest,
            },
        )
    return archive
