"""Background jobs of the catalog (Django tasks API; database queue by default)."""

from __future__ import annotations

from django.tasks import task

from catalog import services
from catalog.models import IngestionRun, RunStatus
from custos import context


@task()
def ingest_source(run_id: int) -> dict[str, object]:
    """Run one queued ingestion. A job for a run that is not queued (finished, or held by
    another worker) does nothing, so a run sent twice is still ingested once."""
    run = IngestionRun.objects.select_related("source", "requested_by").get(pk=run_id)
    if run.status != RunStatus.QUEUED:
        return {"status": run.status, "skipped": True}
    actor = run.requested_by
    label = actor.get_username() if actor else "system"
    with context.use(context.Context(actor=actor, actor_label=label, channel="task:ingest")):
        run = services.run_ingestion(run=run, worker=services.worker_identity())
    return {"status": run.status, "attempt": run.attempts, "stats": run.stats}
