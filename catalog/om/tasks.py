"""Background job: one OpenMetadata workflow run (Django tasks API)."""

from __future__ import annotations

from django.tasks import task

from catalog.models import IngestionRun, RunStatus
from catalog.om import services
from custos import context


@task()
def om_ingest_source(run_id: int) -> dict[str, object]:
    run = IngestionRun.objects.select_related("source", "requested_by").get(pk=run_id)
    if run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
        return {"status": run.status, "skipped": True}
    actor = run.requested_by
    label = actor.get_username() if actor else "system"
    with context.use(context.Context(actor=actor, actor_label=label, channel="task:om_ingest")):
        run = services.run_om_ingestion(run=run)
    return {"status": run.status, "stats": run.stats}
