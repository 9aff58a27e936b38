"""All writes of data-subject requests: keyword-only, one transaction, one audit event.

Lifecycle: ``create_request`` -> ``plan_request`` (discovery, reviewable plan) ->
``approve_request`` (a second person) -> ``start_execution`` (background job,
``gdpr.executor``) -> ``verify_request`` (re-scan; closes with signed evidence).
Access requests export a bundle (``export_request``); any kind can be closed or rejected.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

import audit.services as audit
from audit.models import AuditEvent
from catalog.models import Asset, AssetType, Source
from custos.context import stored_user
from custos.errors import Conflict, PermissionDenied, ValidationFailed
from gdpr import evidence, sealing
from gdpr import identifiers as ids
from gdpr.discovery import discover
from gdpr.models import (
    DEFAULT_DEADLINE_DAYS,
    ErasureStep,
    HoldAction,
    LegalHold,
    Regime,
    RequestKind,
    RequestStatus,
    StepStatus,
    SubjectRequest,
)
from gdpr.plan import build_plan, plan_document, plan_hash
from gdpr.selectors import require

MAX_IDENTIFIER = 254
PLANNABLE = (
    RequestStatus.OPEN,
    RequestStatus.PLANNED,
    RequestStatus.APPROVED,
    RequestStatus.VERIFICATION_FAILED,
    RequestStatus.FAILED,
)


def event_name(request: SubjectRequest, step: str) -> str:
    """``privacy.erasure.<step>`` for erasure; ``privacy.subject_request.<step>`` otherwise."""
    prefix = "privacy.erasure" if request.kind == RequestKind.ERASURE else "privacy.subject_request"
    return f"{prefix}.{step}"


def _record(request: SubjectRequest, step: str, **changes: Any) -> None:
    audit.record(
        action=event_name(request, step),
        obj=request,
        changes={"subject": request.subject_ref, "kind": request.kind, **changes},
    )


def clean_identifiers(raw: Any) -> dict[str, list[str]]:
    if not isinstance(raw, dict) or not raw:
        raise ValidationFailed(
            'identifiers must be an object like {"email": "..."}.', details={"field": "identifiers"}
        )
    out: dict[str, list[str]] = {}
    for kind, value in raw.items():
        if kind not in ids.KINDS:
            raise ValidationFailed(
                f"Unknown identifier kind {kind!r} (known: {', '.join(ids.KINDS)}).",
                details={"field": "identifiers"},
            )
        values = value if isinstance(value, list) else [value]
        cleaned = []
        for v in values:
            if not isinstance(v, str | int) or isinstance(v, bool):
                raise ValidationFailed(
                    f"{kind}: identifier values must be strings.", details={"field": "identifiers"}
                )
            text = str(v).strip()
            if not text or len(text) > MAX_IDENTIFIER:
                raise ValidationFailed(
                    f"{kind}: empty or too long identifier.", details={"field": "identifiers"}
                )
            if kind == "email" and "@" not in text:
                raise ValidationFailed(
                    "email: not an e-mail address.", details={"field": "identifiers"}
                )
            cleaned.append(text)
        if cleaned:
            out[kind] = cleaned
    if not out:
        raise ValidationFailed(
            "At least one identifier is required.", details={"field": "identifiers"}
        )
    return out


def identifiers_of(request: SubjectRequest) -> dict[str, list[str]]:
    if not request.identifiers_sealed:
        raise Conflict("The request is closed: its identifiers are only kept as hashes.")
    return sealing.open_json(request.identifiers_sealed, purpose=sealing.IDENTIFIERS)


def keys_of(request: SubjectRequest) -> dict[int, list[Any]]:
    raw = sealing.open_json(request.subject_keys_sealed, purpose=sealing.KEYS) or {}
    return {int(k): v for k, v in raw.items()}


def sources_of(request: SubjectRequest) -> list[Source]:
    if request.source_id:
        return [request.source] if request.source else []
    return list(Source.objects.all())


def create_request(
    *,
    actor: Any,
    identifiers: Any,
    kind: str = RequestKind.ERASURE,
    regime: str = Regime.GDPR,
    deadline_days: int | None = None,
    received_at: datetime | None = None,
    source: Source | None = None,
    reference: str = "",
    notes: str = "",
) -> SubjectRequest:
    require(actor, "add_subjectrequest")
    if kind not in RequestKind.values:
        raise ValidationFailed(f"Unknown kind {kind!r}.", details={"field": "kind"})
    if regime not in Regime.values:
        raise ValidationFailed(f"Unknown regime {regime!r}.", details={"field": "regime"})
    days = deadline_days if deadline_days is not None else DEFAULT_DEADLINE_DAYS[Regime(regime)]
    if not 1 <= int(days) <= 365:
        raise ValidationFailed("deadline_days must be 1..365.", details={"field": "deadline_days"})
    cleaned = clean_identifiers(identifiers)
    primary_kind = "email" if "email" in cleaned else next(iter(cleaned))
    received = received_at or timezone.now()
    with transaction.atomic():
        req = SubjectRequest.objects.create(
            kind=kind,
            regime=regime,
            source=source,
            subject_ref=audit.subject_ref(ids.normalise(primary_kind, cleaned[primary_kind][0])),
            identifier_kinds=sorted(cleaned),
            identifiers_sealed=sealing.seal_json(cleaned, purpose=sealing.IDENTIFIERS),
            reference=reference[:200],
            notes=notes,
            received_at=received,
            deadline_days=int(days),
            deadline=received + timedelta(days=int(days)),
            created_by=stored_user(actor),
        )
        _record(
            req,
            "request",
            regime=regime,
            deadline=req.deadline.isoformat(),
            identifier_kinds=req.identifier_kinds,
        )
    return req


def plan_request(*, actor: Any, request: SubjectRequest) -> SubjectRequest:
    """(Re)discover the subject and store a reviewable plan; any earlier approval lapses."""
    require(actor, "change_subjectrequest")
    if request.status not in PLANNABLE:
        raise Conflict(f"A {request.status} request cannot be re-planned.")
    identifiers = identifiers_of(request)
    found = discover(
        sources=sources_of(request), identifiers=identifiers, known_keys=keys_of(request)
    )
    steps = build_plan(found, subject_ref=request.subject_ref)
    document = plan_document(found, steps)
    predicates = [s.finding.predicate for s in steps]
    digest = plan_hash(document, predicates)
    with transaction.atomic():
        req = SubjectRequest.objects.select_for_update().get(pk=request.pk)
        if req.status not in PLANNABLE:
            raise Conflict(f"A {req.status} request cannot be re-planned.")
        req.steps.all().delete()
        ErasureStep.objects.bulk_create(
            ErasureStep(
                request=req,
                position=i,
                table_id=s.table.id,
                table_fqn=s.table.fqn,
                action=s.action,
                columns=s.columns,
                match_columns=sorted({m.column for m in s.finding.matches.values()}),
                predicate_sealed=sealing.seal_json(s.finding.predicate, purpose=sealing.PREDICATE),
                reason=s.reason,
                rows_matched=s.finding.rows,
            )
            for i, s in enumerate(steps, start=1)
        )
        merged = {
            **{str(k): v for k, v in keys_of(req).items()},
            **{str(k): v for k, v in found.keys.items()},
        }
        req.subject_keys_sealed = sealing.seal_json(merged, purpose=sealing.KEYS)
        req.plan, req.plan_hash, req.planned_at = document, digest, timezone.now()
        req.status = RequestStatus.PLANNED
        req.approved_by, req.approved_at, req.approval_comment = None, None, ""
        req.save()
        _record(
            req,
            "plan",
            plan_hash=digest,
            **document["totals"],
            lineage_used=document["lineage_used"],
        )
    return req


def approve_request(
    *, actor: Any, request: SubjectRequest, plan_hash: str | None = None, comment: str = ""
) -> SubjectRequest:
    """Four-eyes: someone other than the request's creator approves exactly this plan."""
    require(actor, "approve_subjectrequest")
    with transaction.atomic():
        req = SubjectRequest.objects.select_for_update().get(pk=request.pk)
        if req.status != RequestStatus.PLANNED:
            raise Conflict(f"Only a planned request can be approved (this one is {req.status}).")
        if req.created_by_id is not None and req.created_by_id == getattr(actor, "pk", None):
            raise PermissionDenied("Four-eyes rule: the creator of a request cannot approve it.")
        if plan_hash and plan_hash != req.plan_hash:
            raise Conflict(
                "The plan changed since you reviewed it; review it again.",
                details={"plan_hash": req.plan_hash},
            )
        req.status = RequestStatus.APPROVED
        req.approved_by, req.approved_at = stored_user(actor), timezone.now()
        req.approval_comment = comment[:2000]
        req.save()
        _record(
            req,
            "approve",
            plan_hash=req.plan_hash,
            approved_by=actor.get_username() if actor else None,
        )
    return req


def start_execution(
    *, actor: Any, request: SubjectRequest, takeover: bool = False
) -> SubjectRequest:
    """Queue the background execution (then verification) of an approved erasure plan."""
    require(actor, "execute_subjectrequest")
    if request.kind != RequestKind.ERASURE:
        raise Conflict("Only erasure requests are executed; close other kinds when handled.")
    now = timezone.now()
    running_elsewhere = (
        request.status == RequestStatus.RUNNING
        and not takeover
        and request.lease_expires is not None
        and request.lease_expires > now
    )
    if request.status not in (RequestStatus.APPROVED, RequestStatus.FAILED, RequestStatus.RUNNING):
        raise Conflict(f"Only an approved plan can be executed (this request is {request.status}).")
    if running_elsewhere:
        raise Conflict("The request is already being executed.")
    from gdpr.tasks import execute_request

    actor_id = getattr(actor, "pk", None)
    transaction.on_commit(lambda: execute_request.enqueue(request.pk, actor_id, takeover))
    return request


def run_execution(*, request: SubjectRequest, takeover: bool = False) -> SubjectRequest:
    """Execute now in this process (the task and ``manage.py gdpr_execute`` call this)."""
    from gdpr.executor import execute

    return execute(request, takeover=takeover)


def verify_request(*, actor: Any, request: SubjectRequest) -> SubjectRequest:
    """Search again; close with signed evidence when nothing unjustified remains."""
    if actor is not None:  # None: the execution task verifying its own run
        require(actor, "execute_subjectrequest")
    if request.status not in (RequestStatus.EXECUTED, RequestStatus.VERIFICATION_FAILED):
        raise Conflict(f"Only an executed request can be verified (this one is {request.status}).")
    from gdpr.verify import run_verification

    result = run_verification(
        request,
        sources=sources_of(request),
        identifiers=identifiers_of(request),
        known_keys=keys_of(request),
    )
    with transaction.atomic():
        req = SubjectRequest.objects.select_for_update().get(pk=request.pk)
        req.verification = {**result, "at": timezone.now().isoformat()}
        req.verified_at = timezone.now()
        _record(
            req,
            "verify",
            passed=result["passed"],
            checked_tables=len(result["checked_tables"]),
            remaining=[
                {k: r[k] for k in ("table", "rows", "justified", "reason")}
                for r in result["remaining"]
            ],
        )
        if not result["passed"]:
            req.status = RequestStatus.VERIFICATION_FAILED
            req.save()
            return req
        req.status = RequestStatus.COMPLETED
        req.closed_at = timezone.now()
        req.save()
        _close_identifiers(req)
        signed = evidence.sign_document(evidence_document(req))
        req.evidence = signed
        req.save(update_fields=["evidence", "updated"])
        _record(
            req,
            "complete",
            evidence_sha256=evidence.digest(signed),
            key_id=signed["signature"]["key_id"],
        )
    return req


def _close_identifiers(req: SubjectRequest) -> None:
    """Replace sealed identifiers by keyed pseudonyms; wipe keys and step predicates."""
    identifiers = sealing.open_json(req.identifiers_sealed, purpose=sealing.IDENTIFIERS) or {}
    req.identifiers_hashed = {
        kind: [audit.pseudonymise(ids.normalise(kind, v)) for v in values]
        for kind, values in identifiers.items()
    }
    req.identifiers_sealed = ""
    req.subject_keys_sealed = ""
    req.save(
        update_fields=["identifiers_hashed", "identifiers_sealed", "subject_keys_sealed", "updated"]
    )
    req.steps.update(predicate_sealed="")


def close_request(*, actor: Any, request: SubjectRequest, note: str = "") -> SubjectRequest:
    """Close an access / rectification / restriction request once handled."""
    require(actor, "change_subjectrequest")
    if request.kind == RequestKind.ERASURE:
        raise Conflict("Erasure requests close by verification, not by hand.")
    with transaction.atomic():
        req = SubjectRequest.objects.select_for_update().get(pk=request.pk)
        if req.is_closed:
            raise Conflict("The request is already closed.")
        req.status = RequestStatus.COMPLETED
        req.closed_at = timezone.now()
        req.notes = (req.notes + "\n" + note).strip()
        req.save()
        _close_identifiers(req)
        _record(req, "complete", note=note[:500])
    return req


def reject_request(*, actor: Any, request: SubjectRequest, reason: str) -> SubjectRequest:
    require(actor, "change_subjectrequest")
    if not reason.strip():
        raise ValidationFailed("A reason is required.", details={"field": "reason"})
    with transaction.atomic():
        req = SubjectRequest.objects.select_for_update().get(pk=request.pk)
        if (
            req.is_closed
            or req.status == RequestStatus.RUNNING
            or req.steps.filter(status=StepStatus.DONE).exists()
        ):
            raise Conflict("Only a request with no executed step can be rejected.")
        req.status = RequestStatus.REJECTED
        req.closed_at = timezone.now()
        req.notes = (req.notes + "\nRejected: " + reason).strip()
        req.save()
        _close_identifiers(req)
        _record(req, "reject", reason=reason[:500])
    return req


def export_request(*, actor: Any, request: SubjectRequest) -> bytes:
    """The subject-access bundle (zip of JSON per table + signed manifest)."""
    require(actor, "change_subjectrequest")
    if request.kind != RequestKind.ACCESS:
        raise Conflict("Only access requests are exported.")
    from gdpr.export import build_bundle

    data = build_bundle(
        request_id=request.pk,
        subject_ref=request.subject_ref,
        sources=sources_of(request),
        identifiers=identifiers_of(request),
        known_keys=keys_of(request),
    )
    with transaction.atomic():
        _record(request, "export", bytes=len(data))
    return data


def evidence_document(req: SubjectRequest) -> dict[str, Any]:
    events = AuditEvent.objects.filter(
        object_type=SubjectRequest.audit_type, object_id=str(req.pk)
    ).order_by("seq")
    user = req.created_by.get_username() if req.created_by else None
    return {
        "type": evidence.DOC_TYPE,
        "v": 1,
        "generated_at": timezone.now().isoformat(),
        "request": {
            "id": req.pk,
            "kind": req.kind,
            "regime": req.regime,
            "subject": req.subject_ref,
            "identifier_kinds": req.identifier_kinds,
            "identifiers_hashed": req.identifiers_hashed,
            "reference": req.reference,
            "created_by": user,
            "received_at": req.received_at.isoformat(),
            "deadline": req.deadline.isoformat(),
            "closed_at": req.closed_at.isoformat() if req.closed_at else None,
            "overdue": req.is_overdue,
        },
        "plan": {
            "hash": req.plan_hash,
            "planned_at": req.planned_at.isoformat() if req.planned_at else None,
            **req.plan,
        },
        "approvals": [
            {
                "by": req.approved_by.get_username() if req.approved_by else None,
                "at": req.approved_at.isoformat() if req.approved_at else None,
                "plan_hash": req.plan_hash,
                "comment": req.approval_comment,
            }
        ],
        "execution": {
            "started_at": req.started_at.isoformat() if req.started_at else None,
            "executed_at": req.executed_at.isoformat() if req.executed_at else None,
            "steps": [s.as_evidence() for s in req.steps.order_by("position")],
        },
        "verification": req.verification,
        "audit_events": [
            {
                "seq": e.seq,
                "action": e.action,
                "at": e.timestamp.isoformat(),
                "actor": e.actor_label,
                "hash": e.hash,
            }
            for e in events
        ],
    }


# -- legal holds ------------------------------------------------------------------------------


def create_hold(
    *,
    actor: Any,
    reason: str,
    table: Asset | None = None,
    source: Source | None = None,
    subject: str = "",
    action: str = HoldAction.KEEP,
    expires_at: datetime | None = None,
    applies_to_retention: bool = True,
) -> LegalHold:
    require(actor, "manage_legalhold")
    if (table is None) == (source is None):
        raise ValidationFailed(
            "A hold covers exactly one table or one source.", details={"field": "table"}
        )
    if table is not None and table.type not in (AssetType.TABLE,):
        raise ValidationFailed("Holds apply to tables.", details={"field": "table"})
    if action not in HoldAction.values:
        raise ValidationFailed(f"Unknown hold action {action!r}.", details={"field": "action"})
    if not reason.strip():
        raise ValidationFailed("A reason is required.", details={"field": "reason"})
    with transaction.atomic():
        hold = LegalHold.objects.create(
            table=table,
            source=source,
            action=action,
            reason=reason,
            subject_ref=audit.subject_ref(subject) if subject else "",
            expires_at=expires_at,
            applies_to_retention=applies_to_retention,
            created_by=stored_user(actor),
        )
        audit.record(
            action="privacy.hold.create",
            obj=hold,
            changes={
                "target": str(hold),
                "action": action,
                "reason": reason,
                "subject": hold.subject_ref or None,
            },
        )
    return hold


def release_hold(*, actor: Any, hold: LegalHold) -> LegalHold:
    require(actor, "manage_legalhold")
    with transaction.atomic():
        hold.released_at = timezone.now()
        hold.save(update_fields=["released_at", "updated"])
        audit.record(action="privacy.hold.release", obj=hold, changes={"target": str(hold)})
    return hold
