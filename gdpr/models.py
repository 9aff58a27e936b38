"""Data-subject requests (erasure, access, rectification, restriction), their step journal,
legal holds and retention policies.

Identifiers of an open request are sealed with the master keyring (``identifiers_sealed``);
when the request closes they are replaced by keyed pseudonyms (``identifiers_hashed``) and
every sealed value (subject keys, step predicates) is wiped.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from catalog.models import Asset, Source


class RequestKind(models.TextChoices):
    ERASURE = "erasure", "Erasure (right to be forgotten)"
    ACCESS = "access", "Access (export)"
    RECTIFICATION = "rectification", "Rectification"
    RESTRICTION = "restriction", "Restriction of processing"


class Regime(models.TextChoices):
    GDPR = "gdpr", "GDPR (30 days)"
    CCPA = "ccpa", "CCPA (45 days)"
    OTHER = "other", "Other"


DEFAULT_DEADLINE_DAYS = {Regime.GDPR: 30, Regime.CCPA: 45, Regime.OTHER: 30}


class RequestStatus(models.TextChoices):
    OPEN = "open", "Open (no plan yet)"
    PLANNED = "planned", "Plan ready for review"
    APPROVED = "approved", "Plan approved"
    RUNNING = "running", "Executing"
    EXECUTED = "executed", "Executed, awaiting verification"
    VERIFICATION_FAILED = "verification_failed", "Verification found remaining data"
    FAILED = "failed", "Execution failed"
    COMPLETED = "completed", "Completed and verified"
    REJECTED = "rejected", "Rejected"


CLOSED_STATUSES = (RequestStatus.COMPLETED, RequestStatus.REJECTED)


class SubjectRequest(models.Model):
    """One data-subject request and its lifecycle (plan -> approve -> execute -> verify)."""

    audit_type = "erasure_request"

    kind = models.CharField(max_length=16, choices=RequestKind.choices, default=RequestKind.ERASURE)
    regime = models.CharField(max_length=8, choices=Regime.choices, default=Regime.GDPR)
    status = models.CharField(
        max_length=24, choices=RequestStatus.choices, default=RequestStatus.OPEN, db_index=True
    )
    source = models.ForeignKey(
        Source,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Limit discovery to one source (empty: every source).",
    )
    subject_ref = models.CharField(max_length=64, db_index=True)
    identifier_kinds = models.JSONField(default=list)
    identifiers_sealed = models.TextField(blank=True)
    identifiers_hashed = models.JSONField(default=dict, blank=True)
    subject_keys_sealed = models.TextField(blank=True)
    reference = models.CharField(max_length=200, blank=True, help_text="Ticket or letter ref.")
    notes = models.TextField(blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    deadline_days = models.PositiveIntegerField(default=30)
    deadline = models.DateTimeField(db_index=True)
    plan = models.JSONField(default=dict, blank=True)
    plan_hash = models.CharField(max_length=64, blank=True)
    planned_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approval_comment = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    executed_at = models.DateTimeField(null=True, blank=True)
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_expires = models.DateTimeField(null=True, blank=True)
    verification = models.JSONField(default=dict, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    evidence = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["deadline", "id"]
        permissions = [
            ("approve_subjectrequest", "Can approve data-subject request plans (four-eyes)"),
            ("execute_subjectrequest", "Can execute approved data-subject requests"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} request #{self.pk}"

    @property
    def fqn(self) -> str:  # audit object_repr
        return f"{self.kind} request #{self.pk}"

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    @property
    def time_left(self) -> timedelta:
        return self.deadline - timezone.now()

    @property
    def days_left(self) -> int:
        return self.time_left.days

    @property
    def is_overdue(self) -> bool:
        end = self.closed_at or timezone.now()
        return end > self.deadline


class StepAction(models.TextChoices):
    DELETE = "delete", "Delete rows"
    ANONYMISE = "anonymise", "Anonymise columns"
    KEEP = "keep", "Keep (legal hold)"


class StepStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Done"


class ErasureStep(models.Model):
    """One table of an approved plan: the journal entry the executor resumes from."""

    request = models.ForeignKey(SubjectRequest, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField()
    table = models.ForeignKey(
        Asset, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    table_fqn = models.CharField(max_length=700)
    action = models.CharField(max_length=10, choices=StepAction.choices)
    columns = models.JSONField(default=list, blank=True)  # [{"name", "operator"}]
    match_columns = models.JSONField(default=list, blank=True)  # names only (no values)
    predicate_sealed = models.TextField(blank=True)  # the identifier predicate (values sealed)
    reason = models.TextField(blank=True)
    rows_matched = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=StepStatus.choices, default=StepStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    before_count = models.BigIntegerField(null=True, blank=True)
    after_count = models.BigIntegerField(null=True, blank=True)
    rows_affected = models.BigIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["request", "position"]
        constraints = [
            models.UniqueConstraint(fields=["request", "position"], name="uniq_erasure_step_pos")
        ]

    def as_evidence(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "table": self.table_fqn,
            "action": self.action,
            "columns": self.columns,
            "matched_on": self.match_columns,
            "reason": self.reason,
            "rows_matched_at_plan": self.rows_matched,
            "status": self.status,
            "attempts": self.attempts,
            "before_count": self.before_count,
            "after_count": self.after_count,
            "rows_affected": self.rows_affected,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
        }


class HoldAction(models.TextChoices):
    KEEP = "keep", "Keep rows unchanged"
    ANONYMISE = "anonymise", "Keep rows, anonymise personal columns"


class LegalHold(models.Model):
    """Rows that must survive erasure and retention (litigation, tax, fraud investigations).

    Scope: one table, or a whole source; all subjects or one (``subject_ref``).
    """

    audit_type = "legal_hold"

    table = models.ForeignKey(
        Asset, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    subject_ref = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=10, choices=HoldAction.choices, default=HoldAction.KEEP)
    reason = models.TextField()
    applies_to_retention = models.BooleanField(default=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created"]
        permissions = [("manage_legalhold", "Can place and release legal holds")]

    def __str__(self) -> str:
        target = self.table.fqn if self.table else (self.source.name if self.source else "?")
        return f"hold on {target}"

    @property
    def fqn(self) -> str:
        return str(self)

    @property
    def is_active(self) -> bool:
        now = timezone.now()
        return self.released_at is None and (self.expires_at is None or self.expires_at > now)


class RetentionAction(models.TextChoices):
    DELETE = "delete", "Delete rows"
    ANONYMISE = "anonymise", "Anonymise columns"


class RetentionPolicy(models.Model):
    """Delete or anonymise rows of a table once they are older than ``older_than_days``.

    Age is ``date_column`` of the row itself; with an activity table (e.g. bookings of a
    passenger) a row only qualifies when it also has no activity newer than the cutoff
    ("anonymise contact data 2 years after the last flight").
    """

    audit_type = "retention_policy"

    name = models.CharField(max_length=120, unique=True)
    table = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="+")
    classification = models.CharField(
        max_length=64, blank=True, help_text="Anonymise the columns with this entity."
    )
    date_column = models.CharField(max_length=255)
    older_than_days = models.PositiveIntegerField()
    action = models.CharField(max_length=10, choices=RetentionAction.choices)
    columns = models.JSONField(default=list, blank=True)
    activity_table = models.ForeignKey(
        Asset, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    activity_key = models.CharField(max_length=255, blank=True)
    activity_date_column = models.CharField(max_length=255, blank=True)
    batch_size = models.PositiveIntegerField(default=1000)
    enabled = models.BooleanField(default=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        permissions = [("manage_retention", "Can manage and run retention policies")]

    def __str__(self) -> str:
        return self.name

    @property
    def fqn(self) -> str:
        return self.name


class RetentionRun(models.Model):
    policy = models.ForeignKey(RetentionPolicy, on_delete=models.CASCADE, related_name="runs")
    dry_run = models.BooleanField(default=True)
    status = models.CharField(max_length=12, default="running")
    rows_matched = models.BigIntegerField(default=0)
    rows_affected = models.BigIntegerField(default=0)
    batches = models.PositiveIntegerField(default=0)
    details = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
