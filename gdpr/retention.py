"""Retention policies: find rows past their retention period, report (dry run), then delete
or anonymise them in primary-key batches (one short transaction per batch, no long locks).

Each batch re-checks the policy predicate inside its transaction, so a row that changed
since it was listed is left alone; deletes remove FK children first (from
``Asset.references``). Tables or sources under an active legal hold with
``applies_to_retention`` are skipped. One ``privacy.retention.run`` audit event per run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from sqlalchemy.engine import Connection

import audit.services as audit
from catalog.ingest.native import connect, safe_error
from catalog.models import Asset, AssetType, Classification, ClassificationStatus
from custos.errors import ValidationFailed
from gdpr.executor import _operator_value, anonymise_guard
from gdpr.models import LegalHold, RetentionAction, RetentionPolicy, RetentionRun
from gdpr.selectors import require
from gdpr.sourcesql import TableRef

MAX_CASCADE_DEPTH = 5


def _ref(asset: Asset) -> TableRef:
    parent = asset.parent
    return TableRef(parent.name if parent and parent.type == AssetType.SCHEMA else None, asset.name)


def _columns(asset: Asset) -> dict[str, Asset]:
    return {c.name: c for c in Asset.objects.live().filter(parent=asset, type=AssetType.COLUMN)}


def _pk(asset: Asset) -> Asset:
    pks = [c for c in _columns(asset).values() if c.is_primary_key]
    if len(pks) != 1:
        raise ValidationFailed(f"{asset.fqn} needs a single-column primary key for batching.")
    return pks[0]


def _bind_time(conn: Connection, value: dt.datetime) -> Any:
    # SQLite stores timestamps as ISO text; compare as text there (no adapter warnings).
    if conn.dialect.name == "sqlite":
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return value.replace(tzinfo=None)


def anonymise_spec(policy: RetentionPolicy) -> list[dict[str, Any]]:
    cols = _columns(policy.table)
    names = list(policy.columns)
    if policy.classification:
        names += list(
            Classification.objects.filter(
                asset__parent=policy.table,
                entity=policy.classification,
                status__in=[ClassificationStatus.PROPOSED, ClassificationStatus.CONFIRMED],
            ).values_list("asset__name", flat=True)
        )
    spec = []
    for name in dict.fromkeys(names):
        col = cols.get(name)
        if col is None:
            raise ValidationFailed(f"{policy.table.fqn} has no column {name!r}.")
        if col.is_primary_key:
            continue
        spec.append(
            {"name": name, "operator": "nullify"}
            if col.nullable is not False
            else {"name": name, "operator": "redact", "value": "[erased]"}
        )
    return spec


def predicate(
    policy: RetentionPolicy, conn: Connection, cutoff: dt.datetime
) -> sa.ColumnElement[bool]:
    when = _bind_time(conn, cutoff)
    clause: sa.ColumnElement[bool] = sa.column(policy.date_column) < sa.bindparam("cutoff", when)
    if policy.activity_table_id:
        act = policy.activity_table
        assert act is not None
        act_t = _ref(act).table([policy.activity_key, policy.activity_date_column]).alias("act")
        own_pk: Any = sa.literal_column(
            f"{_quoted(conn, policy.table)}.{_q(conn, _pk(policy.table).name)}"
        )
        recent = (
            sa.select(sa.literal(1))
            .select_from(act_t)
            .where(act_t.c[policy.activity_key] == own_pk)
            .where(act_t.c[policy.activity_date_column] >= sa.bindparam("cutoff2", when))
        )
        clause = sa.and_(clause, ~sa.exists(recent))
    if policy.action == RetentionAction.ANONYMISE:
        clause = sa.and_(clause, anonymise_guard(anonymise_spec(policy)))
    return clause


def _q(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def _quoted(conn: Connection, asset: Asset) -> str:
    ref = _ref(asset)
    if ref.schema:
        return f"{_q(conn, ref.schema)}.{_q(conn, ref.name)}"
    return _q(conn, ref.name)


def held(policy: RetentionPolicy) -> LegalHold | None:
    now = timezone.now()
    return (
        LegalHold.objects.filter(
            Q(table=policy.table) | Q(source_id=policy.table.source_id, table=None)
        )
        .filter(applies_to_retention=True, released_at=None, subject_ref="")
        .filter(Q(expires_at=None) | Q(expires_at__gt=now))
        .first()
    )


def _children(asset: Asset, pk: Asset) -> list[tuple[Asset, Asset]]:
    """(child table, FK column) pairs referencing ``pk``."""
    out = []
    for fk in (
        Asset.objects.live().filter(references=pk, type=AssetType.COLUMN).select_related("parent")
    ):
        if fk.parent is not None and fk.parent.type == AssetType.TABLE:
            out.append((fk.parent, fk))
    return out


def _delete_with_children(
    conn: Connection, asset: Asset, key: str, values: Sequence[Any], depth: int = 0
) -> int:
    """Delete rows of ``asset`` whose ``key`` is in ``values``, FK children first."""
    if not values:
        return 0
    pk = next((c for c in _columns(asset).values() if c.is_primary_key), None)
    if pk is not None and depth < MAX_CASCADE_DEPTH:
        children = _children(asset, pk)
        if children:
            if key == pk.name:
                keys = list(values)
            else:
                stmt: Any = (
                    sa.select(sa.column(pk.name))
                    .select_from(_ref(asset).table())
                    .where(sa.column(key).in_(list(values)))
                )
                keys = [r[0] for r in conn.execute(stmt)]
            for child, fk in children:
                _delete_with_children(conn, child, fk.name, keys, depth + 1)
    delete: Any = sa.delete(_ref(asset).table()).where(sa.column(key).in_(list(values)))
    return int(conn.execute(delete).rowcount or 0)


def evaluate(policy: RetentionPolicy, *, dry_run: bool) -> RetentionRun:
    """Run one policy (or report what it would do). Returns the stored run."""
    from catalog.services import source_dsn

    run = RetentionRun.objects.create(policy=policy, dry_run=dry_run)
    hold = held(policy)
    cutoff = timezone.now() - dt.timedelta(days=policy.older_than_days)
    details: dict[str, Any] = {"cutoff": cutoff.isoformat(), "action": policy.action}
    if hold is not None:
        run.status, details["held_by"] = "held", f"legal hold #{hold.pk}: {hold.reason}"
        return _finish(run, details)
    source = policy.table.source
    engine = connect(source_dsn(source))
    pk = _pk(policy.table)
    ref = _ref(policy.table)
    try:
        with engine.connect() as conn:
            match = predicate(policy, conn, cutoff)
            run.rows_matched = int(
                conn.execute(
                    sa.select(sa.func.count()).select_from(ref.table()).where(match)
                ).scalar_one()
            )
        if not dry_run:
            _execute(policy, engine, ref, pk.name, cutoff, run)
        run.status = "dry_run" if dry_run else "done"
    except Exception as exc:
        run.status, run.error = "failed", safe_error(exc, "sqlite://")
    finally:
        engine.dispose()
    if policy.action == RetentionAction.ANONYMISE:
        details["columns"] = anonymise_spec(policy)
    return _finish(run, details)


def _execute(
    policy: RetentionPolicy,
    engine: Any,
    ref: TableRef,
    pk: str,
    cutoff: dt.datetime,
    run: RetentionRun,
) -> None:
    last: Any = None
    spec = anonymise_spec(policy) if policy.action == RetentionAction.ANONYMISE else []
    while True:
        with engine.begin() as conn:  # one short transaction per batch
            match = predicate(policy, conn, cutoff)
            stmt: Any = sa.select(sa.column(pk)).select_from(ref.table()).where(match)
            if last is not None:
                stmt = stmt.where(sa.column(pk) > last)
            keys = [
                r[0] for r in conn.execute(stmt.order_by(sa.column(pk)).limit(policy.batch_size))
            ]
            if not keys:
                break
            if policy.action == RetentionAction.DELETE:
                # re-check the predicate on the batch, then remove FK children first
                confirmed = [
                    r[0]
                    for r in conn.execute(
                        sa.select(sa.column(pk))
                        .select_from(ref.table())
                        .where(sa.column(pk).in_(keys))
                        .where(match)
                    )
                ]
                run.rows_affected += _delete_with_children(conn, policy.table, pk, confirmed)
            else:
                values = {c["name"]: _operator_value(c) for c in spec}
                table = ref.table([c["name"] for c in spec])
                result = conn.execute(
                    sa.update(table).where(sa.column(pk).in_(keys)).where(match).values(values)
                )
                run.rows_affected += int(result.rowcount or 0)
            run.batches += 1
            last = keys[-1]


def _finish(run: RetentionRun, details: dict[str, Any]) -> RetentionRun:
    run.details = details
    run.finished_at = timezone.now()
    with transaction.atomic():
        run.save()
        RetentionPolicy.objects.filter(pk=run.policy_id).update(last_run_at=run.finished_at)
        audit.record(
            action="privacy.retention.run",
            obj=run.policy,
            changes={
                "dry_run": run.dry_run,
                "status": run.status,
                "rows_matched": run.rows_matched,
                "rows_affected": run.rows_affected,
                "batches": run.batches,
                "table": run.policy.table.fqn,
                **details,
            },
        )
    return run


def evaluate_all(
    *, dry_run: bool, policies: Sequence[RetentionPolicy] | None = None
) -> list[RetentionRun]:
    chosen = policies if policies is not None else RetentionPolicy.objects.filter(enabled=True)
    return [evaluate(p, dry_run=dry_run) for p in chosen]


def create_policy(
    *,
    actor: Any,
    name: str,
    table: Asset,
    date_column: str,
    older_than_days: int,
    action: str,
    columns: list[str] | None = None,
    classification: str = "",
    activity_table: Asset | None = None,
    activity_key: str = "",
    activity_date_column: str = "",
    batch_size: int = 1000,
) -> RetentionPolicy:
    require(actor, "manage_retention")
    if table.type != AssetType.TABLE:
        raise ValidationFailed("Retention policies apply to tables.", details={"field": "table"})
    if action not in RetentionAction.values:
        raise ValidationFailed(f"Unknown action {action!r}.", details={"field": "action"})
    cols = _columns(table)
    if date_column not in cols:
        raise ValidationFailed(
            f"{table.fqn} has no column {date_column!r}.", details={"field": "date_column"}
        )
    _pk(table)
    if activity_table is not None:
        act_cols = _columns(activity_table)
        if activity_key not in act_cols or activity_date_column not in act_cols:
            raise ValidationFailed(
                "activity_key and activity_date_column must be columns of the activity table.",
                details={"field": "activity_table"},
            )
    if not 1 <= batch_size <= 100_000:
        raise ValidationFailed("batch_size must be 1..100000.", details={"field": "batch_size"})
    with transaction.atomic():
        policy = RetentionPolicy(
            name=name,
            table=table,
            date_column=date_column,
            older_than_days=older_than_days,
            action=action,
            columns=columns or [],
            classification=classification,
            activity_table=activity_table,
            activity_key=activity_key,
            activity_date_column=activity_date_column,
            batch_size=batch_size,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        if action == RetentionAction.ANONYMISE:
            policy.save()
            if not anonymise_spec(policy):
                raise ValidationFailed(
                    "Nothing to anonymise: give columns or a classification.",
                    details={"field": "columns"},
                )
        policy.save()
        audit.record(
            action="privacy.retention.policy",
            obj=policy,
            changes={
                "table": table.fqn,
                "action": action,
                "older_than_days": older_than_days,
                "date_column": date_column,
            },
        )
    return policy
