"""Background jobs of privacy (Django tasks API; database queue by default)."""

from __future__ import annotations

from django.tasks import task

from catalog.models import RunStatus
from custos import context
from privacy import services
from privacy.models import ScanRun


@task()
def scan(scan_id: int) -> dict[str, object]:
    """Run PII scan ``scan_id`` (sample, classify, reconcile) and report its stats."""
    run = ScanRun.objects.select_related("source", "requested_by").get(pk=scan_id)
    if run.status != RunStatus.QUEUED:
        return {"status": run.status, "skipped": True}
    actor = run.requested_by
    label = actor.get_username() if actor else "system"
    with context.use(context.Context(actor=actor, actor_label=label, channel="task:pii-scan")):
        run = services.run_scan(scan=run)
    return {"status": run.status, "stats": run.stats}
