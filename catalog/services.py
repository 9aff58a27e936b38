"""All catalog writes. Keyword-only, one transaction, one audit event, search kept in sync."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import (
    DatabaseError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    connection,
    transaction,
)
from django.db.models import F, Q
from django.utils import timezone

import audit.services as audit
from access import policy_cache
from catalog import search
from catalog.ingest import native
from catalog.ingest.apply import ApplyStats, apply_snapshot
from catalog.ingest.snapshot import make_fqn
from catalog.models import (
    Asset,
    AssetType,
    GlossaryTerm,
    IngestionRun,
    OwnerRole,
    Ownership,
    RunStatus,
    Source,
    Tag,
    TagAssignment,
    TermLink,
    TermStatus,
)
from catalog.permissions import can
from custos.context import stored_user
from custos.errors import Conflict, NotFound, PermissionDenied, SourceUnavailable, ValidationFailed
from custos.keys import keyring

User = get_user_model()
logger = logging.getLogger(__name__)
DSN_PURPOSE = "catalog.source.dsn"
MAX_DESCRIPTION = 20_000


def _require(user: Any, perm: str) -> None:
    if not (user.is_superuser or user.has_perm(perm)):
        raise PermissionDenied(f"You need the {perm} permission.")


def _require_change(user: Any, asset: Asset) -> None:
    if not can(user, "change", asset):
        raise PermissionDenied("You may not change this asset.")


# -- sources -------------------------------------------------------------------------


def source_dsn(source: Source) -> str:
    """The plain DSN (for connecting only; never log or return it)."""
    return keyring().unseal(source.dsn_sealed, purpose=DSN_PURPOSE)


def redacted_dsn(source: Source) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(source_dsn(source)).render_as_string(hide_password=True)
    except Exception:
        return "(unreadable)"


def create_source(
    *,
    actor: Any,
    name: str,
    dsn: str,
    description: str = "",
    is_demo: bool = False,
    include_schemas: list[str] | None = None,
) -> Source:
    _require(actor, "catalog.add_source")
    try:
        kind = native.kind_of(native.normalise_url(dsn))
    except native.SourceError as exc:
        raise ValidationFailed(str(exc), details={"field": "dsn"}) from exc
    with transaction.atomic():
        if Source.objects.filter(name=name).exists():
            raise Conflict(f"A source named {name!r} already exists.", details={"field": "name"})
        source = Source.objects.create(
            name=name,
            kind=kind,
            dsn_sealed=keyring().seal(dsn, purpose=DSN_PURPOSE),
            description=description,
            is_demo=is_demo,
            include_schemas=include_schemas or [],
            created_by=stored_user(actor),
        )
        root = Asset.objects.create(
            type=AssetType.SOURCE,
            source=source,
            name=name,
            fqn=make_fqn(name),
            description=description,
        )
        audit.record(
            action="catalog.source.create",
            obj=source,
            changes={"name": name, "kind": kind, "dsn": "(sealed)"},
        )
        search.index_assets([root])
    return source


def update_source(
    *, actor: Any, source: Source, dsn: str | None = None, description: str | None = None
) -> Source:
    _require(actor, "catalog.change_source")
    changes: dict[str, Any] = {}
    with transaction.atomic():
        if dsn is not None:
            try:
                source.kind = native.kind_of(native.normalise_url(dsn))
            except native.SourceError as exc:
                raise ValidationFailed(str(exc), details={"field": "dsn"}) from exc
            source.dsn_sealed = keyring().seal(dsn, purpose=DSN_PURPOSE)
            changes["dsn"] = "(changed, sealed)"
        if description is not None:
            changes["description"] = {"before": source.description, "after": description}
            source.description = description
        source.save()
        audit.record(action="catalog.source.update", obj=source, changes=changes)
    return source


def delete_source(*, actor: Any, source: Source) -> None:
    _require(actor, "catalog.delete_source")
    with transaction.atomic():
        audit.record(action="catalog.source.delete", obj=source, changes={"name": source.name})
        source.delete()
        policy_cache.bump()


# -- ingestion -----------------------------------------------------------------------
#
# A run is claimed by one worker at a time (``worker``, ``attempts``), which reports a
# heartbeat while it works. The apply and the run's success are one transaction fenced
# by the claim, so a worker killed at any point leaves all of its result or nothing,
# and :func:`recover_stale_runs` requeues runs whose worker went silent.

RECOVERABLE_KINDS = ("native",)  # OpenMetadata workflow runs stage writes in a session


class ClaimLost(Exception):
    """The run was requeued while this worker was silent; another worker owns it now."""


def start_ingestion(*, actor: Any, source: Source, kind: str = "native") -> IngestionRun:
    _require(actor, "catalog.add_ingestionrun")
    with transaction.atomic():
        if IngestionRun.objects.filter(
            source=source,
            status__in=[RunStatus.QUEUED, RunStatus.RUNNING],
            created__gte=timezone.now() - timedelta(hours=2),
        ).exists():
            raise Conflict(f"An ingestion of {source.name} is already queued or running.")
        run = IngestionRun.objects.create(
            source=source,
            kind=kind,
            requested_by=stored_user(actor),
            heartbeat_at=timezone.now(),  # queued at: a lost job is sent again after a while
        )
        audit.record(
            action="catalog.ingest.start", obj=run, object_repr=f"{source.name} run {run.pk}"
        )
    return run


def worker_identity() -> str:
    """Who runs jobs in this process: the RQ worker's name when there is one, host and pid."""
    here = f"{socket.gethostname()}:{os.getpid()}"
    rq_worker = os.environ.get("RQ_WORKER_ID", "")
    return (f"{rq_worker}@{here}" if rq_worker else here)[:200]


def heartbeat_seconds() -> float:
    return max(1.0, settings.CUSTOS_RUN_STALE_SECONDS / 6)


def claim_run(*, run: IngestionRun, worker: str) -> bool:
    """Take a queued run for ``worker``; False when it is not queued (finished, or another
    worker has it). The conditional update makes two claims of one run impossible."""
    now = timezone.now()
    claimed = IngestionRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING,
        worker=worker,
        heartbeat_at=now,
        started_at=now,
        attempts=F("attempts") + 1,
        message="reading source",
    )
    run.refresh_from_db()
    return bool(claimed)


@contextmanager
def heartbeat(*, run: IngestionRun, worker: str) -> Iterator[None]:
    """Report ``worker`` alive on ``run`` every :func:`heartbeat_seconds` while the block
    runs, from a thread with its own database connection; it stops early if the claim was
    lost. During the apply transaction a beat waits for the run's row lock (on PostgreSQL),
    which is itself the proof of life recovery looks for."""
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(heartbeat_seconds()):
                try:
                    alive = IngestionRun.objects.filter(
                        pk=run.pk, worker=worker, status=RunStatus.RUNNING
                    ).update(heartbeat_at=timezone.now())
                except DatabaseError as exc:  # database restarting: try again next beat
                    logger.warning("run %s: heartbeat not recorded: %s", run.pk, exc)
                    connection.close()
                    continue
                if not alive:
                    return
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"run-{run.pk}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        # A beat may wait for the apply transaction's row lock; it ends with that commit.
        thread.join(timeout=30)


def _hold_claim(run: IngestionRun, worker: str) -> None:
    """Lock the run's row for the current transaction if ``worker`` still holds it.

    While the lock is held, :func:`recover_stale_runs` skips the run (a live transaction
    is proof of life) and a requeue cannot interleave with the apply."""
    held = IngestionRun.objects.filter(pk=run.pk, worker=worker, status=RunStatus.RUNNING)
    held = held.select_for_update(no_key=connection.features.has_select_for_no_key_update)
    if not list(held.values_list("pk", flat=True)):
        raise ClaimLost(f"run {run.pk} is no longer held by {worker}")


def _note(run: IngestionRun, **fields: Any) -> None:
    """Progress and messages are best effort: written outside any transaction, and a
    database blip must not fail the read (the apply meets it if it lasts)."""
    try:
        IngestionRun.objects.filter(pk=run.pk).update(**fields)
    except DatabaseError as exc:
        logger.warning("run %s: progress not recorded: %s", run.pk, exc)
        if not connection.in_atomic_block:
            connection.close()  # reconnect on next use


def _progress_writer(run: IngestionRun) -> Any:
    def progress(done: int, total: int, message: str) -> None:
        _note(run, progress_done=done, progress_total=total, message=message[:255])

    return progress


def run_ingestion(*, run: IngestionRun, worker: str | None = None) -> IngestionRun:
    """Claim a queued run, read the source and apply it; returns the run.

    A source error fails the run and leaves the catalog unchanged. A run that is not
    queued is returned untouched (another worker has it, or it is finished). If Custos'
    own database goes away mid-run, nothing of this attempt is committed; the run is
    requeued at once if the database answers again, else left running without a
    heartbeat for :func:`recover_stale_runs`.
    """
    worker = worker or worker_identity()
    if not claim_run(run=run, worker=worker):
        return run
    source = run.source
    with heartbeat(run=run, worker=worker):
        try:
            snapshot = native.read_source(
                source_dsn(source),
                include=source.include_schemas or None,
                exclude=source.exclude_schemas or None,
                progress=_progress_writer(run),
            )
            _note(run, message="applying to catalog")
            with transaction.atomic():
                _hold_claim(run, worker)
                stats: ApplyStats = apply_snapshot(source=source, snapshot=snapshot, run=run)
                run = _finish(
                    run, RunStatus.SUCCEEDED, stats={**snapshot.counts(), **stats.as_dict()}
                )
        except ClaimLost:
            logger.warning("run %s: requeued while %s was silent; leaving it", run.pk, worker)
            run.refresh_from_db()
            return run
        except (OperationalError, InterfaceError) as exc:
            logger.warning("run %s interrupted, Custos database unavailable: %s", run.pk, exc)
            return _hand_back(run, worker, error=str(exc))
        except Exception as exc:  # report, never leave a run stuck in "running"
            error = (
                str(exc)
                if isinstance(exc, native.SourceError)
                else f"{type(exc).__name__}: {str(exc)[:500]}"
            )
            try:
                return _finish(run, RunStatus.FAILED, error=error, worker=worker)
            except ClaimLost:
                run.refresh_from_db()
                return run
    from lineage.services import ingest_views_after_run  # view lineage; never raises

    ingest_views_after_run(run=run)
    from privacy.services import scan_after_ingestion  # PII scan of new/changed columns

    scan_after_ingestion(run=run)
    return run


def _finish(
    run: IngestionRun,
    status: str,
    *,
    error: str = "",
    stats: dict[str, Any] | None = None,
    worker: str | None = None,
) -> IngestionRun:
    with transaction.atomic():
        if worker is not None:
            _hold_claim(run, worker)
        run.refresh_from_db()
        run.status = status
        run.error = error
        run.stats = stats or {}
        run.finished_at = timezone.now()
        run.message = "done" if status == RunStatus.SUCCEEDED else "failed"
        if status == RunStatus.SUCCEEDED:
            run.progress_done = run.progress_total = max(
                run.progress_total, (stats or {}).get("tables", 0)
            )
        run.save()
        audit.record(
            action=f"catalog.ingest.{status}",
            obj=run,
            object_repr=f"{run.source.name} run {run.pk}",
            changes={"error": error} if error else {"stats": stats or {}},
        )
    return run


def ingest_now(*, actor: Any, source: Source) -> IngestionRun:
    """Start and run an ingestion synchronously (CLI, tests)."""
    return run_ingestion(run=start_ingestion(actor=actor, source=source))


@dataclass
class RecoveryReport:
    requeued: list[int] = field(default_factory=list)  # worker went silent: run again
    resent: list[int] = field(default_factory=list)  # queued job never picked up: send again
    failed: list[int] = field(default_factory=list)  # out of attempts

    def summary(self) -> str:
        return (
            f"requeued {len(self.requeued)}, sent again {len(self.resent)}, "
            f"failed {len(self.failed)}"
        )


def _stale(cutoff: datetime) -> Q:
    return Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created__lt=cutoff)


def recover_stale_runs(*, limit: int = 500) -> RecoveryReport:
    """Requeue ingestion runs whose worker stopped reporting; give up after
    ``CUSTOS_INGEST_MAX_ATTEMPTS`` claims. Queued runs that no worker picked up for as
    long (their job was lost, e.g. with a Redis restart) are sent again.

    Safe to run anywhere, any number of times at once: each run is taken under a row lock
    that skips runs whose worker is inside its apply transaction, and the state change is
    conditional, so a run is requeued once per loss. Duplicate jobs are harmless: only a
    queued run can be claimed.
    """
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.CUSTOS_RUN_STALE_SECONDS)
    report = RecoveryReport()
    candidates = list(
        IngestionRun.objects.filter(
            _stale(cutoff),
            kind__in=RECOVERABLE_KINDS,
            status__in=[RunStatus.QUEUED, RunStatus.RUNNING],
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in candidates:
        _recover_run(pk, cutoff, now, report)
    if report.requeued or report.resent or report.failed:
        logger.warning("stale ingestion runs: %s", report.summary())
    return report


def _recover_run(pk: int, cutoff: datetime, now: datetime, report: RecoveryReport) -> None:
    with transaction.atomic():
        locked = IngestionRun.objects.select_for_update(
            skip_locked=connection.features.has_select_for_update_skip_locked,
            no_key=connection.features.has_select_for_no_key_update,
        )
        run = locked.filter(
            _stale(cutoff), pk=pk, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]
        ).first()
        if run is None:  # finished, claimed or inside its apply meanwhile
            return
        last = run.heartbeat_at.isoformat() if run.heartbeat_at else None
        if run.status == RunStatus.QUEUED:
            _requeue(run, now, {"reason": "not picked up", "queued_since": last})
            report.resent.append(run.pk)
        elif _requeue(
            run, now, {"reason": "worker lost", "worker": run.worker, "last_heartbeat": last}
        ):
            report.requeued.append(run.pk)
        else:
            report.failed.append(run.pk)


def _requeue(run: IngestionRun, now: datetime, changes: dict[str, Any]) -> bool:
    """Inside the caller's transaction, with the run's row locked: queue the run again
    and send its job after commit; or fail it when a worker already claimed it
    ``CUSTOS_INGEST_MAX_ATTEMPTS`` times. True if requeued."""
    from catalog.tasks import ingest_source

    limit = settings.CUSTOS_INGEST_MAX_ATTEMPTS
    if run.status == RunStatus.RUNNING and run.attempts >= limit:
        _finish(
            run,
            RunStatus.FAILED,
            error=f"Abandoned after attempt {run.attempts} of {limit}: {changes['reason']} "
            f"({run.worker or 'unknown worker'}).",
        )
        return False
    if run.status == RunStatus.RUNNING:
        run.message = f"requeued: {changes['reason']}"[:255]
    run.status, run.worker, run.heartbeat_at = RunStatus.QUEUED, "", now
    run.save(update_fields=["status", "worker", "heartbeat_at", "message", "updated"])
    audit.record(
        action="catalog.ingest.requeue",
        obj=run,
        object_repr=f"{run.source.name} run {run.pk}",
        changes={**changes, "attempts": run.attempts},
    )
    # robust: a queue that is down leaves the run queued; recovery sends it again later
    transaction.on_commit(partial(ingest_source.enqueue, run.pk), robust=True)
    return True


def _hand_back(run: IngestionRun, worker: str, *, error: str) -> IngestionRun:
    """After losing the database mid-run: requeue at once if it answers again, else leave
    the run (still claimed, no heartbeat) to :func:`recover_stale_runs`."""
    try:
        with transaction.atomic():
            _hold_claim(run, worker)
            run.refresh_from_db()
            _requeue(run, timezone.now(), {"reason": "database unavailable", "error": error[:300]})
    except (ClaimLost, DatabaseError) as exc:
        logger.info("run %s left to recovery: %s", run.pk, exc)
        if not connection.in_atomic_block:
            connection.close()
    return run


# -- descriptions, properties ------------------------------------------------------------


def update_asset(
    *,
    actor: Any,
    asset: Asset,
    description: str | None = None,
    properties: dict[str, Any] | None = None,
) -> Asset:
    _require_change(actor, asset)
    changes: dict[str, Any] = {}
    with transaction.atomic():
        if description is not None:
            if len(description) > MAX_DESCRIPTION:
                raise ValidationFailed(
                    f"Description is longer than {MAX_DESCRIPTION} characters.",
                    details={"field": "description"},
                )
            if description != asset.description:
                changes["description"] = {"before": asset.description, "after": description}
                asset.description = description
        if properties is not None:
            if not all(
                isinstance(k, str) and isinstance(v, str | int | float | bool | None)
                for k, v in properties.items()
            ):
                raise ValidationFailed(
                    "Custom properties must map names to scalar values.",
                    details={"field": "properties"},
                )
            changes["properties"] = {"before": asset.properties, "after": properties}
            asset.properties = properties
        if changes:
            asset.save()
            audit.record(action="catalog.asset.update", obj=asset, changes=changes)
            search.index_assets([asset])
    return asset


# -- owners ----------------------------------------------------------------------------


def _principal(user: str | None, group: str | None) -> tuple[Any, Group | None]:
    if bool(user) == bool(group):
        raise ValidationFailed("Give exactly one of user or group.")
    if user:
        found = User.objects.filter(username=user).first()
        if found is None:
            raise ValidationFailed(f"No user named {user!r}.", details={"field": "user"})
        return found, None
    grp = Group.objects.filter(name=group).first()
    if grp is None:
        raise ValidationFailed(f"No group named {group!r}.", details={"field": "group"})
    return None, grp


def add_owner(
    *,
    actor: Any,
    asset: Asset | None = None,
    term: GlossaryTerm | None = None,
    user: str | None = None,
    group: str | None = None,
    role: str = OwnerRole.OWNER,
) -> Ownership:
    if role not in OwnerRole.values:
        raise ValidationFailed(
            f"role must be one of {', '.join(OwnerRole.values)}.", details={"field": "role"}
        )
    if asset is not None:
        _require_change(actor, asset)
    else:
        _require(actor, "catalog.change_glossaryterm")
    u, g = _principal(user, group)
    with transaction.atomic():
        ownership, created = Ownership.objects.get_or_create(
            asset=asset, term=term, user=u, group=g, role=role
        )
        if created:
            target = asset if asset is not None else term
            audit.record(
                action="catalog.owner.add",
                obj=target,
                changes={"principal": ownership.principal, "role": role},
            )
            _reindex(asset, term)
    return ownership


def remove_owner(*, actor: Any, ownership: Ownership) -> None:
    if ownership.asset is not None:
        _require_change(actor, ownership.asset)
    else:
        _require(actor, "catalog.change_glossaryterm")
    with transaction.atomic():
        asset, term = ownership.asset, ownership.term
        audit.record(
            action="catalog.owner.remove",
            obj=asset or term,
            changes={"principal": ownership.principal, "role": ownership.role},
        )
        ownership.delete()
        _reindex(asset, term)


def _reindex(asset: Asset | None, term: GlossaryTerm | None) -> None:
    if asset is not None:
        search.index_assets([asset])
    if term is not None:
        search.index_term(term)


# -- tags ------------------------------------------------------------------------------


def add_tag(
    *, actor: Any, asset: Asset, tag: str, source: str = "manual", confidence: float = 1.0
) -> TagAssignment:
    _require_change(actor, asset)
    name = tag.strip().lower()
    if not name or len(name) > 100 or not all(c.isalnum() or c in "-_" for c in name):
        raise ValidationFailed(
            "Tag names are 1-100 letters, digits, '-' or '_'.", details={"field": "tag"}
        )
    with transaction.atomic():
        tag_obj, _ = Tag.objects.get_or_create(name=name)
        assignment, created = TagAssignment.objects.get_or_create(
            asset=asset, tag=tag_obj, defaults={"source": source, "confidence": confidence}
        )
        if created:
            audit.record(
                action="catalog.tag.add", obj=asset, changes={"tag": name, "source": source}
            )
            search.index_assets([asset])
    return assignment


def remove_tag(*, actor: Any, asset: Asset, tag: str) -> None:
    _require_change(actor, asset)
    with transaction.atomic():
        deleted, _ = TagAssignment.objects.filter(
            asset=asset, tag__name=tag.strip().lower()
        ).delete()
        if not deleted:
            raise NotFound(f"{asset.fqn} has no tag {tag!r}.")
        audit.record(action="catalog.tag.remove", obj=asset, changes={"tag": tag})
        search.index_assets([asset])


# -- glossary ------------------------------------------------------------------------------


def _term_fqn(name: str, parent: GlossaryTerm | None) -> str:
    return (parent.fqn + "." if parent else "") + make_fqn(name)


def _validate_term(name: str, status: str, synonyms: list[str]) -> None:
    if not name.strip() or len(name) > 200:
        raise ValidationFailed("Term name must be 1-200 characters.", details={"field": "name"})
    if status not in TermStatus.values:
        raise ValidationFailed(
            f"status must be one of {', '.join(TermStatus.values)}.", details={"field": "status"}
        )
    if not isinstance(synonyms, list) or not all(isinstance(s, str) for s in synonyms):
        raise ValidationFailed("synonyms must be a list of strings.", details={"field": "synonyms"})


def create_term(
    *,
    actor: Any,
    name: str,
    definition: str = "",
    parent: GlossaryTerm | None = None,
    synonyms: list[str] | None = None,
    status: str = TermStatus.DRAFT,
    related: list[GlossaryTerm] | None = None,
) -> GlossaryTerm:
    _require(actor, "catalog.add_glossaryterm")
    synonyms = synonyms or []
    _validate_term(name, status, synonyms)
    with transaction.atomic():
        try:
            with transaction.atomic():
                term = GlossaryTerm.objects.create(
                    name=name.strip(),
                    definition=definition,
                    parent=parent,
                    synonyms=synonyms,
                    status=status,
                    fqn=_term_fqn(name.strip(), parent),
                )
        except IntegrityError as exc:
            raise Conflict(
                f"A term named {name!r} already exists here.", details={"field": "name"}
            ) from exc
        if related:
            term.related.set(related)
        audit.record(
            action="catalog.term.create",
            obj=term,
            changes={"name": name, "status": status, "parent": parent.fqn if parent else None},
        )
        search.index_term(term)
    return term


def update_term(
    *,
    actor: Any,
    term: GlossaryTerm,
    name: str | None = None,
    definition: str | None = None,
    synonyms: list[str] | None = None,
    status: str | None = None,
    parent: GlossaryTerm | bool | None = False,
    related: list[GlossaryTerm] | None = None,
) -> GlossaryTerm:
    _require(actor, "catalog.change_glossaryterm")
    before = {
        "name": term.name,
        "definition": term.definition,
        "synonyms": term.synonyms,
        "status": term.status,
        "parent": term.parent.fqn if term.parent else None,
    }
    _validate_term(
        name if name is not None else term.name,
        status or term.status,
        synonyms if synonyms is not None else term.synonyms,
    )
    with transaction.atomic():
        if name is not None:
            term.name = name.strip()
        if definition is not None:
            term.definition = definition
        if synonyms is not None:
            term.synonyms = synonyms
        if status is not None:
            term.status = status
        if parent is not False:
            new_parent = parent if isinstance(parent, GlossaryTerm) else None
            node = new_parent
            while node is not None:
                if node.pk == term.pk:
                    raise ValidationFailed(
                        "A term cannot be its own ancestor.", details={"field": "parent"}
                    )
                node = node.parent
            term.parent = new_parent
        term.fqn = _term_fqn(term.name, term.parent)
        try:
            with transaction.atomic():
                term.save()
        except IntegrityError as exc:
            raise Conflict(f"A term named {term.name!r} already exists here.") from exc
        if related is not None:
            term.related.set([r for r in related if r.pk != term.pk])
        _refresh_descendant_fqns(term)
        after = {
            "name": term.name,
            "definition": term.definition,
            "synonyms": term.synonyms,
            "status": term.status,
            "parent": term.parent.fqn if term.parent else None,
        }
        diff = {k: {"before": before[k], "after": after[k]} for k in after if before[k] != after[k]}
        audit.record(action="catalog.term.update", obj=term, changes=diff)
        search.index_term(term)
    return term


def _refresh_descendant_fqns(term: GlossaryTerm) -> None:
    for child in term.children.all():
        child.fqn = _term_fqn(child.name, term)
        child.save(update_fields=["fqn", "updated"])
        search.index_term(child)
        _refresh_descendant_fqns(child)


def delete_term(*, actor: Any, term: GlossaryTerm) -> None:
    _require(actor, "catalog.delete_glossaryterm")
    if term.children.exists():
        raise Conflict("Delete or move this term's child terms first.")
    with transaction.atomic():
        linked = list(term.assets.all())
        audit.record(action="catalog.term.delete", obj=term, changes={"name": term.name})
        term.delete()
        search.index_assets(linked)


def link_term(*, actor: Any, term: GlossaryTerm, asset: Asset) -> TermLink:
    _require_change(actor, asset)
    with transaction.atomic():
        link, created = TermLink.objects.get_or_create(term=term, asset=asset)
        if created:
            audit.record(action="catalog.term.link", obj=asset, changes={"term": term.fqn})
            search.index_assets([asset])
    return link


def unlink_term(*, actor: Any, term: GlossaryTerm, asset: Asset) -> None:
    _require_change(actor, asset)
    with transaction.atomic():
        deleted, _ = TermLink.objects.filter(term=term, asset=asset).delete()
        if not deleted:
            raise NotFound(f"{asset.fqn} is not linked to {term.fqn}.")
        audit.record(action="catalog.term.unlink", obj=asset, changes={"term": term.fqn})
        search.index_assets([asset])


def test_connection(*, dsn: str) -> None:
    """Raise SourceUnavailable with a safe message if ``dsn`` cannot be read."""
    import sqlalchemy as sa

    try:
        engine = native.connect(dsn, timeout=5)
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
    except native.SourceError as exc:
        raise SourceUnavailable(str(exc)) from exc
    except Exception as exc:
        raise SourceUnavailable(f"Cannot connect: {native.safe_error(exc, dsn)}") from exc
