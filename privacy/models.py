"""Privacy state: PII scan runs and managed data keys.

Classifications themselves live in :class:`catalog.models.Classification` (source
``detected`` / ``manual`` / ``propagated``); a scan's evidence, the steward's rejection
fingerprint and review flags are in its ``evidence`` JSON (never raw values).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from catalog.models import RunStatus, Source, TimeStamped


class ScanScope(models.TextChoices):
    SOURCE = "source", "Whole source"
    TABLE = "table", "One table"
    CHANGED = "changed", "New or changed columns"


class ScanRun(TimeStamped):
    """One PII scan: sample values at the source, classify, reconcile classifications."""

    audit_type = "scan_run"

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="scan_runs")
    scope = models.CharField(max_length=10, choices=ScanScope.choices, default=ScanScope.SOURCE)
    #: ``{table_fqn: [column names] | null}``: what to scan (null = every column); empty
    #: for a whole-source scan (resolved when the run starts).
    targets = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress_done = models.IntegerField(default=0)
    progress_total = models.IntegerField(default=0)
    message = models.CharField(max_length=255, blank=True)
    stats = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ingestion_run = models.ForeignKey(
        "catalog.IngestionRun",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="scan_runs",
        help_text="The ingestion whose schema drift started this scan.",
    )

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"scan {self.pk} of {self.source.name} ({self.status})"

    @property
    def percent(self) -> int | None:
        if not self.progress_total:
            return None
        return int(100 * self.progress_done / self.progress_total)


class KeyPurpose(models.TextChoices):
    PSEUDONYM = "pseudonym", "Pseudonyms (HMAC-SHA256)"
    TOKENISE = "tokenise", "Reversible tokens (AES-SIV)"


class DataKey(models.Model):
    """A data key for masking, sealed with a master key (custos.keys); never stored plain.

    One active key per purpose; retired keys stay so old tokens still detokenise.
    """

    audit_type = "data_key"

    kid = models.CharField(max_length=32, unique=True)
    purpose = models.CharField(max_length=16, choices=KeyPurpose.choices)
    sealed = models.TextField(help_text="The key sealed by the master key (v1:<master kid>:...).")
    active = models.BooleanField(default=True)
    created = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["purpose", "-created"]
        permissions = [("detokenize", "Can turn tokens back into values (audited)")]
        constraints = [
            models.UniqueConstraint(
                fields=["purpose"],
                condition=models.Q(active=True),
                name="one_active_data_key_per_purpose",
            )
        ]

    def __str__(self) -> str:
        return f"{self.purpose} key {self.kid}{'' if self.active else ' (retired)'}"
