"""Background jobs of the catalog (Django tasks API; database queue by default)."""

from __future__ import annotations

from django.tasks import task

from catalog import services
from catalog.models import IngestionRun, RunStatus
from custos import context


@task()
def ingest_source(run_id: int) -> dict[str, object]:
    run = IngestionRun.objects.select_related("source", "requested_by").get(pk=run_id)
    if run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
        return {"status": run.status, "skipped": True}
    actor = run.requested_by
    label = actor.get_username() if actor else "system"
    with context.use(context.Context(actor=actor, actor_label=label, channel="task:ingest")):
        run = services.run_ingestion(run=run)
    return {"status": run.status, "stats": run.stats}
