"""Compliance exports: a period and a scope of the trail as a signed, offline-verifiable bundle.

Scopes:

``all``
    every event of the period. The seq range from the first to the last event of the
    period is exported whole, so the bundle is a contiguous piece of the chain.
``asset``
    events on the asset (FQN) and everything under it (a table's columns), including
    events of since-deleted assets found by FQN and classifications of its columns.
``user``
    events the user did (actor) and events about the user (object or ``user``/
    ``username``/``grantee`` in the payload).
``subject``
    events mentioning the data subject's pseudonym (``audit.services.subject_ref``)
    anywhere in the object or payload: the convention all services follow.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone

from audit import chain, keyfiles
from audit import services as audit
from audit.chain import bundle
from audit.models import AuditCheckpoint, AuditEvent, AuditExport, ExportScope, ExportStatus
from custos.errors import NotFound, PermissionDenied, ValidationFailed

Predicate = Callable[[chain.Record], bool]


def can_export(user: Any) -> bool:
    return bool(user.is_superuser or user.has_perm("audit.export_auditevent"))


def exports_dir() -> Path:
    return Path(settings.DATA_DIR) / "audit-exports"


def request_export(
    *,
    actor: Any,
    scope: str,
    since: datetime | None = None,
    until: datetime | None = None,
    subject: str | None = None,
    fqn: str | None = None,
    username: str | None = None,
) -> AuditExport:
    """Queue an export job; the bundle is built in the background (``build_export``)."""
    if not can_export(actor):
        raise PermissionDenied("Only auditors and admins may export the audit trail.")
    if scope not in ExportScope.values:
        raise ValidationFailed(
            f"scope must be one of {', '.join(ExportScope.values)}.", details={"field": "scope"}
        )
    if since and until and since >= until:
        raise ValidationFailed("since must be before until.", details={"field": "since"})
    needed = {"subject": subject, "asset": fqn, "user": username}
    param = {"subject": "subject", "asset": "fqn", "user": "username"}
    target = ""
    if scope != ExportScope.ALL:
        value = (needed[scope] or "").strip()
        if not value:
            raise ValidationFailed(
                f"scope {scope!r} needs {param[scope]!r}.", details={"field": param[scope]}
            )
        # A data subject is stored by pseudonym only: the export request itself is audited.
        target = audit.subject_ref(value) if scope == ExportScope.SUBJECT else value[:700]
    from audit.tasks import build_export_task

    with transaction.atomic():
        export = AuditExport.objects.create(
            requested_by=actor if getattr(actor, "is_authenticated", False) else None,
            scope=scope,
            target=target,
            since=since,
            until=until,
        )
        audit.record(
            action="audit.export.request",
            obj=export,
            object_repr=f"audit export {export.pk}",
            changes={"scope": scope, "target": target, "since": since, "until": until},
        )
        export_id = str(export.pk)
        transaction.on_commit(lambda: build_export_task.enqueue(export_id))
    return export


def export_for(user: Any, export_id: str) -> AuditExport:
    """The export, if ``user`` requested it or may export; NotFound otherwise."""
    try:
        export = AuditExport.objects.get(pk=export_id)
    except (AuditExport.DoesNotExist, ValueError, DjangoValidationError) as exc:
        raise NotFound("No such export.") from exc
    if not (can_export(user) or export.requested_by_id == user.pk):
        raise NotFound("No such export.")
    return export


def _contains(value: Any, needles: frozenset[str]) -> bool:
    if isinstance(value, str):
        return any(n in value for n in needles)
    if isinstance(value, Mapping):
        return any(_contains(v, needles) for v in value.values())
    if isinstance(value, list):
        return any(_contains(v, needles) for v in value)
    return False


def _predicate(export: AuditExport) -> Predicate:
    target = export.target
    if export.scope == ExportScope.SUBJECT:
        needles = frozenset([target])
        return lambda r: _contains(
            [r.body.get("object_id"), r.body.get("object"), r.body.get("changes")], needles
        )
    if export.scope == ExportScope.USER:
        from django.contrib.auth import get_user_model

        user_ids = set(
            get_user_model().objects.filter(username=target).values_list("pk", flat=True)
        )
        user_keys = ("user", "username", "grantee")

        def about_user(r: chain.Record) -> bool:
            b = r.body
            if b.get("actor") == target or b.get("actor_id") in user_ids:
                return True
            if b.get("object_type") == "user" and (
                b.get("object") == target or b.get("object_id") in {str(i) for i in user_ids}
            ):
                return True
            changes = b.get("changes") or {}
            return isinstance(changes, dict) and any(changes.get(k) == target for k in user_keys)

        return about_user
    if export.scope == ExportScope.ASSET:
        from django.db.models import Q

        from catalog.models import Asset

        ids = {
            str(pk)
            for pk in Asset.objects.filter(
                Q(fqn=target) | Q(fqn__startswith=target + ".")
            ).values_list("pk", flat=True)
        }
        prefixes = (target + ".", target + ":")

        def about_asset(r: chain.Record) -> bool:
            b = r.body
            if b.get("object_type") == "asset" and b.get("object_id") in ids:
                return True
            label = b.get("object") or ""
            return label == target or label.startswith(prefixes)

        return about_asset
    return lambda r: True


def _period(export: AuditExport, head_seq: int) -> tuple[int, int] | None:
    qs = AuditEvent.objects.filter(seq__lte=head_seq)
    if export.since:
        qs = qs.filter(timestamp__gte=export.since)
    if export.until:
        qs = qs.filter(timestamp__lt=export.until)
    first = qs.order_by("seq").values_list("seq", flat=True).first()
    last = qs.order_by("-seq").values_list("seq", flat=True).first()
    return (first, last) if first is not None and last is not None else None


def checkpoints_covering(first_seq: int, last_seq: int) -> list[AuditCheckpoint]:
    """Checkpoints from just before the range to the first one at or after its end."""
    inside = list(
        AuditCheckpoint.objects.filter(seq__gte=first_seq - 1, seq__lte=last_seq).order_by("seq")
    )
    after = AuditCheckpoint.objects.filter(seq__gt=last_seq).order_by("seq").first()
    return [*inside, after] if after else inside


def write_range(
    path: Path,
    *,
    first_seq: int,
    last_seq: int,
    predicate: Predicate | None,
    metadata: Mapping[str, Any],
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Write events ``first_seq..last_seq`` (those ``predicate`` keeps) as a signed bundle."""
    scanned = 0

    def records() -> Iterator[chain.Record]:
        nonlocal scanned
        for rec in audit.iter_records(first_seq=first_seq, last_seq=last_seq):
            scanned += 1
            if progress is not None and scanned % 5000 == 0:
                progress(scanned)
            if predicate is None or predicate(rec):
                yield rec

    checkpoints = [audit.as_signed(cp) for cp in checkpoints_covering(first_seq, last_seq)]
    return bundle.write_bundle(
        path,
        records(),
        signing_key=keyfiles.signing_key(),
        public_keys=keyfiles.public_keys(),
        checkpoints=checkpoints,
        contiguous=predicate is None,
        metadata=metadata,
    )


def build_export(export: AuditExport) -> AuditExport:
    """Build the bundle of an export (the background job's body)."""
    AuditExport.objects.filter(pk=export.pk).update(
        status=ExportStatus.RUNNING, started_at=timezone.now(), message="selecting events"
    )
    try:
        audit.seal()  # the newest events get a signed checkpoint the bundle can carry
        head_seq = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        period = _period(export, head_seq)
        path = exports_dir() / f"audit-export-{export.pk}.zip"
        first_seq, last_seq = period if period else (1, 0)
        total = max(0, last_seq - first_seq + 1)
        AuditExport.objects.filter(pk=export.pk).update(
            progress_total=total, message="writing the bundle"
        )

        def progress(done: int) -> None:
            AuditExport.objects.filter(pk=export.pk).update(progress_done=done)

        predicate = None if export.scope == ExportScope.ALL else _predicate(export)
        metadata = {
            "export_id": str(export.pk),
            "created_at": timezone.now().isoformat(),
            "requested_by": export.requested_by.get_username() if export.requested_by else None,
            "scope": {
                "kind": export.scope,
                "target": export.target or None,
                "since": export.since.isoformat() if export.since else None,
                "until": export.until.isoformat() if export.until else None,
            },
        }
        manifest = write_range(
            path,
            first_seq=first_seq,
            last_seq=last_seq,
            predicate=predicate,
            metadata=metadata,
            progress=progress,
        )
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        count = manifest["events"]["count"]
        with transaction.atomic():
            AuditExport.objects.filter(pk=export.pk).update(
                status=ExportStatus.SUCCEEDED,
                progress_done=total,
                event_count=count,
                bundle_path=str(path),
                bundle_sha256=digest,
                bundle_bytes=path.stat().st_size,
                finished_at=timezone.now(),
                message=f"{count} events",
            )
            audit.record(
                action="audit.export.complete",
                obj=export,
                object_repr=f"audit export {export.pk}",
                changes={"events": count, "sha256": digest, "scope": export.scope},
            )
    except Exception as exc:
        AuditExport.objects.filter(pk=export.pk).update(
            status=ExportStatus.FAILED,
            error=f"{type(exc).__name__}: {exc}",
            finished_at=timezone.now(),
            message="failed",
        )
        raise
    export.refresh_from_db()
    return export


def open_download(*, user: Any, export: AuditExport) -> Path:
    """The bundle file of a finished export; the download is audited."""
    if export.status != ExportStatus.SUCCEEDED or not export.bundle_path:
        raise ValidationFailed("The export is not ready yet.", details={"status": export.status})
    path = Path(export.bundle_path)
    if not path.exists():
        raise NotFound("The bundle file is gone (removed by the operator).")
    with transaction.atomic():
        audit.record(
            action="audit.export.download",
            obj=export,
            object_repr=f"audit export {export.pk}",
            changes={"sha256": export.bundle_sha256},
        )
    return path
