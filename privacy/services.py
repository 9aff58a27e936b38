"""All privacy writes: scans, steward review, manual classifications, detokenisation.

Keyword-only, one transaction each, one audit event per change in that transaction, the
search index refreshed where classifications change. Reads are in ``privacy.selectors``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

import audit.services as audit
from catalog import search
from catalog.models import (
    Asset,
    AssetType,
    Classification,
    ClassificationStatus,
    DriftEvent,
    DriftKind,
    IngestionRun,
    LabelSource,
    RunStatus,
    Source,
)
from catalog.permissions import can
from custos.context import stored_user
from custos.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from privacy.detect import ENTITIES
from privacy.masking import MaskingError, detokenise, token_kid
from privacy.models import ScanRun, ScanScope

logger = logging.getLogger("custos.privacy")

MAX_BULK = 500
MAX_TOKENS = 1000
ACTIVE = (ClassificationStatus.PROPOSED, ClassificationStatus.CONFIRMED)
_SCAN_DRIFT = (DriftKind.TABLE_ADDED, DriftKind.COLUMN_ADDED, DriftKind.TYPE_CHANGED)


# -- permissions -------------------------------------------------------------------------


def can_review(user: Any, asset: Asset) -> bool:
    """Stewards and admins (``catalog.change_classification``), or whoever may change the
    asset (its owners and stewards, or a change grant)."""
    if user is None or not user.is_authenticated:
        return False
    return bool(
        user.is_superuser
        or user.has_perm("catalog.change_classification")
        or can(user, "change", asset)
    )


def _require_review(user: Any, asset: Asset) -> None:
    if not can_review(user, asset):
        raise PermissionDenied("You may not review classifications of this column.")


def can_detokenize(user: Any) -> bool:
    from access.roles import ADMIN

    if user is None or not user.is_authenticated:
        return False
    return bool(
        user.is_superuser
        or user.has_perm("privacy.detokenize")
        or user.groups.filter(name=ADMIN).exists()
    )


# -- scans ---------------------------------------------------------------------------------


def start_scan(*, actor: Any, source: Source, table: Asset | None = None) -> ScanRun:
    """Queue a scan of ``source`` (or of one ``table``/view). Enqueue it with
    ``privacy.tasks.scan.enqueue(run.pk)`` after commit (the API does)."""
    root = table or Asset.objects.filter(source=source, type=AssetType.SOURCE).first()
    if root is None or not can_review(actor, root):
        raise PermissionDenied("You may not scan this source.")
    if table is not None and table.type not in (AssetType.TABLE, AssetType.VIEW):
        raise ValidationFailed("Only tables and views can be scanned.", details={"field": "table"})
    with transaction.atomic():
        if ScanRun.objects.filter(
            source=source,
            status__in=[RunStatus.QUEUED, RunStatus.RUNNING],
            created__gte=timezone.now() - timedelta(hours=2),
        ).exists():
            raise Conflict(f"A scan of {source.name} is already queued or running.")
        scan = ScanRun.objects.create(
            source=source,
            scope=ScanScope.TABLE if table else ScanScope.SOURCE,
            targets={table.fqn: None} if table else {},
            requested_by=stored_user(actor),
        )
        audit.record(
            action="privacy.scan.start",
            obj=scan,
            object_repr=f"scan {scan.pk} of {source.name}",
            changes={"scope": scan.scope, "table": table.fqn if table else None},
        )
    return scan


def scan_after_ingestion(*, run: IngestionRun) -> ScanRun | None:
    """After a re-ingestion, queue a scan of the tables and columns it added or retyped.

    The first ingestion of a source starts nothing (start its first full scan
    explicitly: it may be large). Disabled by ``PRIVACY_SCAN_ON_DRIFT = False``.
    Never raises: a problem here must not fail the ingestion.
    """
    try:
        if run.status != RunStatus.SUCCEEDED or not getattr(
            settings, "PRIVACY_SCAN_ON_DRIFT", True
        ):
            return None
        earlier = IngestionRun.objects.filter(source=run.source, status=RunStatus.SUCCEEDED)
        if not earlier.exclude(pk=run.pk).exists():
            return None
        targets: dict[str, list[str] | None] = {}
        events = DriftEvent.objects.filter(run=run, kind__in=_SCAN_DRIFT).select_related("table")
        for event in events.order_by("id"):
            if event.table.type != AssetType.TABLE:
                continue
            fqn = event.table.fqn
            if event.kind == DriftKind.TABLE_ADDED:
                targets[fqn] = None
            elif targets.get(fqn, []) is not None:
                targets.setdefault(fqn, [])
                columns = targets[fqn]
                if columns is not None and event.column_name not in columns:
                    columns.append(event.column_name)
        if not targets:
            return None
        with transaction.atomic():
            scan = ScanRun.objects.create(
                source=run.source, scope=ScanScope.CHANGED, targets=targets, ingestion_run=run
            )
            audit.record(
                action="privacy.scan.start",
                obj=scan,
                object_repr=f"scan {scan.pk} of {run.source.name}",
                changes={"scope": scan.scope, "tables": sorted(targets), "ingestion_run": run.pk},
            )
        from privacy.tasks import scan as scan_task

        transaction.on_commit(lambda: scan_task.enqueue(scan.pk))
        return scan
    except Exception:
        logger.exception("could not queue the PII scan after ingestion run %s", run.pk)
        return None


def run_scan(*, scan: ScanRun) -> ScanRun:
    """Run a queued scan now (the task calls this; so do the CLI and tests)."""
    from catalog.services import source_dsn
    from privacy.scanning import execute

    scan = execute(scan, source_dsn(scan.source))
    if scan.status == "succeeded":
        from privacy.propagation_service import propagate_source

        try:  # propagation problems never fail the scan; they are logged
            stats = propagate_source(source=scan.source).as_dict()
            logger.info("propagation after scan %s: %s", scan.pk, stats)
        except Exception:
            logger.exception("propagation after scan %s failed", scan.pk)
    return scan


def scan_now(*, actor: Any, source: Source, table: Asset | None = None) -> ScanRun:
    """Start and run a scan synchronously (CLI, demo setup, tests)."""
    return run_scan(scan=start_scan(actor=actor, source=source, table=table))


# -- review --------------------------------------------------------------------------------


def _set_status(
    *, actor: Any, classification: Classification, status: str, note: str
) -> Classification:
    row = classification
    if row.status == ClassificationStatus.WITHDRAWN:
        raise Conflict("This classification was withdrawn; a new scan or a manual one replaces it.")
    before = row.status
    evidence = dict(row.evidence or {})
    flagged = evidence.pop("review", None)
    if status == ClassificationStatus.REJECTED:
        evidence["rejected"] = {
            "score": row.confidence,
            "entity": row.entity,
            "by": actor.get_username(),
            "at": timezone.now().isoformat(),
        }
    if before == status and not flagged:
        return row
    row.status = status
    row.evidence = evidence
    row.save(update_fields=["status", "evidence", "updated"])
    changes: dict[str, Any] = {
        "entity": row.entity,
        "classification": row.pk,
        "before": before,
        "after": status,
    }
    if note:
        changes["note"] = note[:500]
    if flagged:
        changes["cleared_flag"] = flagged.get("flag")
    verb = "confirm" if status == ClassificationStatus.CONFIRMED else "reject"
    audit.record(action=f"privacy.classification.{verb}", obj=row.asset, changes=changes)
    return row


def review(
    *, actor: Any, classification: Classification, action: str, note: str = ""
) -> Classification:
    """Confirm or reject one classification (``action``: ``confirm`` | ``reject``)."""
    status = _status_for(action)
    _require_review(actor, classification.asset)
    with transaction.atomic():
        row = Classification.objects.select_for_update().get(pk=classification.pk)
        row.asset = classification.asset
        row = _set_status(actor=actor, classification=row, status=status, note=note)
        search.index_assets([row.asset])
    return row


def bulk_review(
    *, actor: Any, classifications: Sequence[Classification], action: str, note: str = ""
) -> list[Classification]:
    """Confirm or reject many classifications at once (all or nothing)."""
    status = _status_for(action)
    if len(classifications) > MAX_BULK:
        raise ValidationFailed(f"At most {MAX_BULK} classifications at once.")
    for row in classifications:
        _require_review(actor, row.asset)
    done: list[Classification] = []
    with transaction.atomic():
        for row in classifications:
            done.append(_set_status(actor=actor, classification=row, status=status, note=note))
        search.index_assets(list({row.asset_id: row.asset for row in classifications}.values()))
    return done


def _status_for(action: str) -> str:
    statuses = {"confirm": ClassificationStatus.CONFIRMED, "reject": ClassificationStatus.REJECTED}
    if action not in statuses:
        raise ValidationFailed("action must be 'confirm' or 'reject'.", details={"field": "action"})
    return statuses[action]


# -- manual classifications ----------------------------------------------------------------


def add_classification(*, actor: Any, column: Asset, entity: str, note: str = "") -> Classification:
    """Classify a column by hand (source ``manual``, status ``confirmed``)."""
    if column.type != AssetType.COLUMN:
        raise ValidationFailed("Only columns carry classifications.")
    if entity not in ENTITIES:
        raise ValidationFailed(
            f"Unknown entity {entity!r}; use one of {', '.join(ENTITIES)}.",
            details={"field": "entity"},
        )
    _require_review(actor, column)
    with transaction.atomic():
        row, created = Classification.objects.select_for_update().get_or_create(
            asset=column,
            entity=entity,
            source=LabelSource.MANUAL,
            defaults={
                "status": ClassificationStatus.CONFIRMED,
                "confidence": 1.0,
                "explanation": note[:500] or f"classified by {actor.get_username()}",
            },
        )
        if not created and row.status == ClassificationStatus.CONFIRMED:
            return row
        row.status = ClassificationStatus.CONFIRMED
        row.save(update_fields=["status", "updated"])
        changes = {"entity": entity, "classification": row.pk}
        audit.record(action="privacy.classification.add", obj=column, changes=changes)
        search.index_assets([column])
    return row


def remove_classification(*, actor: Any, column: Asset, entity: str) -> Classification:
    """Withdraw a manual classification (the row stays, as history)."""
    _require_review(actor, column)
    with transaction.atomic():
        row = (
            Classification.objects.select_for_update()
            .filter(asset=column, entity=entity, source=LabelSource.MANUAL, status__in=ACTIVE)
            .first()
        )
        if row is None:
            raise NotFound(f"{column.fqn} has no manual classification {entity!r}.")
        row.status = ClassificationStatus.WITHDRAWN
        row.save(update_fields=["status", "updated"])
        audit.record(
            action="privacy.classification.remove",
            obj=column,
            changes={"entity": entity, "classification": row.pk},
        )
        search.index_assets([column])
    return row


# -- detokenisation ------------------------------------------------------------------------


def detokenize(*, actor: Any, tokens: Sequence[str], reason: str) -> list[dict[str, Any]]:
    """Turn tokens back into values, for an authorised actor with a stated reason.

    Audited with the reason, the count and the key ids, never the values or tokens.
    Returns ``[{"token", "value"} | {"token", "error"}]`` in input order.
    """
    if not can_detokenize(actor):
        raise PermissionDenied("You need the privacy.detokenize permission.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("A reason is required.", details={"field": "reason"})
    if not tokens or len(tokens) > MAX_TOKENS:
        raise ValidationFailed(f"Give 1 to {MAX_TOKENS} tokens.", details={"field": "tokens"})
    from privacy.keys import data_keys

    keys = data_keys()
    out: list[dict[str, Any]] = []
    kids: set[str] = set()
    for token in tokens:
        try:
            kids.add(token_kid(token))
            out.append({"token": token, "value": detokenise(token, keys)})
        except MaskingError as exc:
            out.append({"token": token, "error": str(exc)})
    failed = sum(1 for item in out if "error" in item)
    with transaction.atomic():
        audit.record(
            action="privacy.detokenize",
            object_type="token",
            object_repr=f"{len(tokens)} token(s)",
            changes={
                "reason": reason[:500],
                "count": len(tokens),
                "failed": failed,
                "kids": sorted(kids),
            },
        )
    return out
