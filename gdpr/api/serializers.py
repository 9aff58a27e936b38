"""Input validation and output shapes of the GDPR API (no identifier values ever leave)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from gdpr.models import (
    ErasureStep,
    HoldAction,
    LegalHold,
    Regime,
    RequestKind,
    RetentionAction,
    RetentionPolicy,
    RetentionRun,
    SubjectRequest,
)


class SubjectRequestIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RequestKind.choices, default=RequestKind.ERASURE)
    regime = serializers.ChoiceField(choices=Regime.choices, default=Regime.GDPR)
    identifiers = serializers.DictField()
    deadline_days = serializers.IntegerField(required=False, min_value=1, max_value=365)
    received_at = serializers.DateTimeField(required=False)
    source = serializers.CharField(required=False, allow_blank=True, max_length=100)
    reference = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class ApproveIn(serializers.Serializer):
    plan_hash = serializers.CharField(required=False, allow_blank=True, max_length=64)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class ExecuteIn(serializers.Serializer):
    takeover = serializers.BooleanField(required=False, default=False)


class NoteIn(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class HoldIn(serializers.Serializer):
    table = serializers.CharField(required=False, max_length=700)
    source = serializers.CharField(required=False, max_length=100)
    subject = serializers.CharField(required=False, allow_blank=True, max_length=254, default="")
    action = serializers.ChoiceField(choices=HoldAction.choices, default=HoldAction.KEEP)
    reason = serializers.CharField(max_length=2000)
    expires_at = serializers.DateTimeField(required=False)
    applies_to_retention = serializers.BooleanField(required=False, default=True)


class PolicyIn(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    table = serializers.CharField(max_length=700)
    date_column = serializers.CharField(max_length=255)
    older_than_days = serializers.IntegerField(min_value=1, max_value=36500)
    action = serializers.ChoiceField(choices=RetentionAction.choices)
    columns = serializers.ListField(
        child=serializers.CharField(max_length=255), required=False, default=list
    )
    classification = serializers.CharField(
        required=False, allow_blank=True, max_length=64, default=""
    )
    activity_table = serializers.CharField(required=False, max_length=700)
    activity_key = serializers.CharField(
        required=False, allow_blank=True, max_length=255, default=""
    )
    activity_date_column = serializers.CharField(
        required=False, allow_blank=True, max_length=255, default=""
    )
    batch_size = serializers.IntegerField(
        required=False, min_value=1, max_value=100_000, default=1000
    )


class RunIn(serializers.Serializer):
    dry_run = serializers.BooleanField(required=False, default=True)


def step_out(step: ErasureStep) -> dict[str, Any]:
    return {
        "position": step.position,
        "table": step.table_fqn,
        "action": step.action,
        "columns": step.columns,
        "matched_on": step.match_columns,
        "reason": step.reason,
        "rows_matched": step.rows_matched,
        "status": step.status,
        "attempts": step.attempts,
        "before_count": step.before_count,
        "after_count": step.after_count,
        "rows_affected": step.rows_affected,
        "started_at": step.started_at,
        "finished_at": step.finished_at,
    }


def request_out(req: SubjectRequest, *, detail: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": req.pk,
        "url": f"/api/v1/privacy/erasure-requests/{req.pk}",
        "kind": req.kind,
        "regime": req.regime,
        "status": req.status,
        "subject": req.subject_ref,
        "identifier_kinds": req.identifier_kinds,
        "source": req.source.name if req.source else None,
        "reference": req.reference,
        "received_at": req.received_at,
        "deadline": req.deadline,
        "deadline_days": req.deadline_days,
        "days_left": req.days_left,
        "overdue": req.is_overdue,
        "created_by": req.created_by.get_username() if req.created_by else None,
        "approved_by": req.approved_by.get_username() if req.approved_by else None,
        "approved_at": req.approved_at,
        "plan_hash": req.plan_hash or None,
        "closed_at": req.closed_at,
        "identifiers_hashed": req.identifiers_hashed if req.is_closed else None,
        "created": req.created,
    }
    if detail:
        out.update(
            plan=req.plan or None,
            steps=[step_out(s) for s in req.steps.order_by("position")],
            verification=req.verification or None,
            error=req.error or None,
            notes=req.notes,
            has_evidence=bool(req.evidence),
        )
    return out


def hold_out(hold: LegalHold) -> dict[str, Any]:
    return {
        "id": hold.pk,
        "table": hold.table.fqn if hold.table else None,
        "source": hold.source.name if hold.source else None,
        "subject": hold.subject_ref or None,
        "action": hold.action,
        "reason": hold.reason,
        "active": hold.is_active,
        "applies_to_retention": hold.applies_to_retention,
        "expires_at": hold.expires_at,
        "released_at": hold.released_at,
        "created": hold.created,
    }


def run_out(run: RetentionRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "policy": run.policy_id,
        "dry_run": run.dry_run,
        "status": run.status,
        "rows_matched": run.rows_matched,
        "rows_affected": run.rows_affected,
        "batches": run.batches,
        "details": run.details,
        "error": run.error or None,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
    }


def policy_out(policy: RetentionPolicy) -> dict[str, Any]:
    last = policy.runs.first()
    return {
        "id": policy.pk,
        "name": policy.name,
        "table": policy.table.fqn,
        "date_column": policy.date_column,
        "older_than_days": policy.older_than_days,
        "action": policy.action,
        "columns": policy.columns,
        "classification": policy.classification or None,
        "activity_table": policy.activity_table.fqn if policy.activity_table else None,
        "activity_key": policy.activity_key or None,
        "activity_date_column": policy.activity_date_column or None,
        "batch_size": policy.batch_size,
        "enabled": policy.enabled,
        "last_run": run_out(last) if last else None,
    }
