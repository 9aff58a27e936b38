"""Execution of an approved erasure plan against the source databases, crash-safe.

The journal (``ErasureStep``) lives in Custos' database; the rows live in the sources.
No transaction spans both, so every step is made **idempotent** and the executor resumes
from the first step not marked done:

* ``DELETE ... WHERE <predicate>``: the predicate is a frozen list of values (sealed in the
  step), so a second run finds nothing left and touches no row.
* ``UPDATE ... SET c = NULL / '[erased]' WHERE <predicate> AND (c IS NOT NULL [AND c <> '[erased]'] OR ...)``:
  deterministic replacement plus a guard that skips rows already anonymised, so a re-run
  touches no row either.
* One source transaction per table: a crash before its commit rolls the table back; a crash
  after it (before the journal says "done") re-runs a step that now matches nothing.

``CUSTOS_GDPR_CRASH_AFTER_WRITES=N`` with ``CUSTOS_GDPR_CRASH_PHASE`` (``before_commit``,
``after_commit`` or ``after_journal``) makes the process ``os._exit(9)`` at the N-th source
write: the crash-injection tests use it.
"""

from __future__ import annotations

import os
import uuid
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from django.db import transaction
from django.utils import timezone
from sqlalchemy.engine import Connection

import audit.services as audit
from catalog.ingest.native import connect, safe_error
from catalog.models import Asset, AssetType
from custos.errors import Conflict
from gdpr import sealing
from gdpr.models import ErasureStep, RequestStatus, StepAction, StepStatus, SubjectRequest
from gdpr.sourcesql import TableRef, count, where

LEASE = timedelta(minutes=10)
_writes = 0


def _maybe_crash(phase: str) -> None:
    limit = os.environ.get("CUSTOS_GDPR_CRASH_AFTER_WRITES")
    if not limit or os.environ.get("CUSTOS_GDPR_CRASH_PHASE", "after_commit") != phase:
        return
    if _writes >= int(limit):
        os._exit(9)


def _operator_value(column: dict[str, Any]) -> Any:
    """The replacement value, computed by the privacy masking operator itself."""
    try:
        from privacy.masking import get_operator
    except ImportError:  # pragma: no cover - fall back to local nullify/redact
        return None if column["operator"] == "nullify" else column.get("value", "[erased]")
    op = get_operator(column["operator"])
    params = {"value": column["value"]} if column["operator"] == "redact" else {}
    return op.apply("x", params)


def anonymise_guard(columns: list[dict[str, Any]]) -> sa.ColumnElement[bool]:
    """True for rows that still hold a value the step would replace."""
    parts: list[sa.ColumnElement[bool]] = []
    for column in columns:
        col: Any = sa.column(column["name"])
        value = _operator_value(column)
        if value is None:
            parts.append(col.is_not(None))
        else:
            parts.append(sa.and_(col.is_not(None), col != value))
    return sa.or_(*parts) if parts else sa.false()


def table_ref(step: ErasureStep) -> TableRef:
    asset = step.table
    if asset is None:
        raise Conflict(f"Table {step.table_fqn} is no longer in the catalog; re-plan.")
    parent = asset.parent
    schema = parent.name if parent is not None and parent.type == AssetType.SCHEMA else None
    return TableRef(schema, asset.name)


def _apply(
    conn: Connection, step: ErasureStep, ref: TableRef, predicate: list[Any], before: int
) -> tuple[int, int]:
    """(affected, after) for one step inside the caller's source transaction.

    ``before`` was counted just before this transaction (and journalled), so the table is
    scanned twice per step (write, after-count), not three times.
    """
    global _writes
    match = where(predicate)
    if step.action == StepAction.KEEP:
        return 0, before
    if step.action == StepAction.DELETE:
        affected = conn.execute(sa.delete(ref.table()).where(match)).rowcount
        after = count(conn, ref, predicate)
    else:
        guard = anonymise_guard(step.columns)
        table = ref.table([c["name"] for c in step.columns])
        stmt = sa.select(sa.func.count()).select_from(ref.table())
        values = {c["name"]: _operator_value(c) for c in step.columns}
        affected = conn.execute(sa.update(table).where(match).where(guard).values(values)).rowcount
        after = int(conn.execute(stmt.where(match).where(guard)).scalar_one())
    _writes += 1
    _maybe_crash("before_commit")
    return int(affected or 0), after


def _pending_rows(conn: Connection, step: ErasureStep, ref: TableRef, predicate: list[Any]) -> int:
    """Rows the step would still change (anonymise: rows not yet anonymised)."""
    if step.action == StepAction.ANONYMISE:
        stmt = sa.select(sa.func.count()).select_from(ref.table())
        return int(
            conn.execute(
                stmt.where(where(predicate)).where(anonymise_guard(step.columns))
            ).scalar_one()
        )
    return count(conn, ref, predicate)


def claim(request: SubjectRequest, *, takeover: bool = False) -> str:
    """Take the execution lease (one executor at a time); returns the lease owner id."""
    owner = uuid.uuid4().hex
    with transaction.atomic():
        req = SubjectRequest.objects.select_for_update().get(pk=request.pk)
        if req.status not in (RequestStatus.APPROVED, RequestStatus.RUNNING, RequestStatus.FAILED):
            raise Conflict(f"Request is {req.status}; only approved requests can be executed.")
        now = timezone.now()
        if (
            req.status == RequestStatus.RUNNING
            and not takeover
            and req.lease_expires
            and req.lease_expires > now
        ):
            raise Conflict("Another executor holds this request; retry after its lease expires.")
        resumed = req.started_at is not None
        req.status = RequestStatus.RUNNING
        req.lease_owner, req.lease_expires = owner, now + LEASE
        req.started_at = req.started_at or now
        req.error = ""
        req.save(
            update_fields=[
                "status",
                "lease_owner",
                "lease_expires",
                "started_at",
                "error",
                "updated",
            ]
        )
        done = req.steps.filter(status=StepStatus.DONE).count()
        audit.record(
            action="privacy.erasure.execute",
            obj=req,
            changes={
                "subject": req.subject_ref,
                "resumed": resumed,
                "steps_done": done,
                "steps": req.steps.count(),
            },
        )
    return owner


def execute(request: SubjectRequest, *, takeover: bool = False) -> SubjectRequest:
    """Run every step not yet done, in plan order. Safe to call again after a crash."""
    global _writes
    owner = claim(request, takeover=takeover)
    steps = list(
        request.steps.exclude(status=StepStatus.DONE)
        .select_related("table__parent")
        .order_by("position")
    )
    engines: dict[int, Any] = {}
    try:
        for step in steps:
            _run_step(request, step, owner, engines)
    except Exception as exc:
        message = safe_error(exc, "sqlite://") if not isinstance(exc, Conflict) else exc.message
        with transaction.atomic():
            SubjectRequest.objects.filter(pk=request.pk).update(
                status=RequestStatus.FAILED,
                error=message[:2000],
                lease_owner="",
                lease_expires=None,
            )
            request.refresh_from_db()
            audit.record(
                action="privacy.erasure.failed",
                obj=request,
                changes={"subject": request.subject_ref, "error": message[:300]},
            )
        return request
    finally:
        for engine in engines.values():
            engine.dispose()
    with transaction.atomic():
        req = SubjectRequest.objects.select_for_update().get(pk=request.pk)
        req.status = RequestStatus.EXECUTED
        req.executed_at = timezone.now()
        req.lease_owner, req.lease_expires = "", None
        req.save(update_fields=["status", "executed_at", "lease_owner", "lease_expires", "updated"])
        rows = sum(s.rows_affected or 0 for s in req.steps.all())
        audit.record(
            action="privacy.erasure.executed",
            obj=req,
            changes={"subject": req.subject_ref, "steps": req.steps.count(), "rows": rows},
        )
    return req


def _run_step(
    request: SubjectRequest, step: ErasureStep, owner: str, engines: dict[int, Any]
) -> None:
    global _writes
    from catalog.services import source_dsn

    asset = step.table
    if asset is None:
        raise Conflict(f"Table {step.table_fqn} is no longer in the catalog; re-plan.")
    source_id = asset.source_id
    if source_id not in engines:
        source = Asset.objects.select_related("source").get(pk=asset.pk).source
        engines[source_id] = connect(source_dsn(source))
    predicate = sealing.open_json(step.predicate_sealed, purpose=sealing.PREDICATE) or []
    ref = table_ref(step)
    # The first attempt's count is journalled before any write, so the evidence keeps the
    # true "before" even when a crash hides the outcome of that attempt.
    with engines[source_id].connect() as conn:
        pre = _pending_rows(conn, step, ref, predicate)
    now = timezone.now()
    with transaction.atomic():
        updated = SubjectRequest.objects.filter(pk=request.pk, lease_owner=owner).update(
            lease_expires=now + LEASE
        )
        if not updated:
            raise Conflict("Lost the execution lease to another executor.")
        fields: dict[str, Any] = {
            "status": StepStatus.RUNNING,
            "attempts": step.attempts + 1,
            "started_at": step.started_at or now,
        }
        if step.before_count is None:
            fields["before_count"] = pre
        ErasureStep.objects.filter(pk=step.pk).update(**fields)
    with engines[source_id].begin() as conn:
        affected, after = _apply(conn, step, ref, predicate, pre)
    before = pre
    if step.action != StepAction.KEEP:
        _maybe_crash("after_commit")
    with transaction.atomic():
        fresh = ErasureStep.objects.select_for_update().get(pk=step.pk)
        fresh.before_count = fresh.before_count if fresh.before_count is not None else before
        fresh.after_count = after
        first = fresh.before_count if fresh.before_count is not None else before
        fresh.rows_affected = 0 if step.action == StepAction.KEEP else max(first - after, 0)
        fresh.status = StepStatus.DONE
        fresh.finished_at = timezone.now()
        fresh.save()
        audit.record(
            action="privacy.erasure.step",
            obj=request,
            changes={
                "subject": request.subject_ref,
                "table": fresh.table_fqn,
                "action": fresh.action,
                "rows_affected": affected,
                "before": before,
                "after": after,
                "attempt": fresh.attempts,
            },
        )
    if step.action != StepAction.KEEP:
        _maybe_crash("after_journal")
