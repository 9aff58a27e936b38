"""Background jobs of the audit trail (Django tasks API).

``seal_chain`` is meant to run periodically (every few minutes: a cron entry or systemd
timer running ``manage.py audit_seal``, or enqueue it from a scheduler); it signs the
chain head only when events were added since the last checkpoint.
"""

from __future__ import annotations

from typing import Any

from django.tasks import task

from audit import exports, services
from audit.models import AuditExport, ExportStatus
from custos import context


@task()
def seal_chain() -> dict[str, Any]:
    with context.use(context.Context(actor_label="system", channel="task:audit_seal")):
        cp = services.seal()
    return {"sealed": cp is not None, "seq": cp.seq if cp else None}


@task()
def build_export_task(export_id: str) -> dict[str, Any]:
    export = AuditExport.objects.select_related("requested_by").get(pk=export_id)
    if export.status != ExportStatus.QUEUED:
        return {"status": export.status, "skipped": True}
    actor = export.requested_by
    label = actor.get_username() if actor else "system"
    with context.use(context.Context(actor=actor, actor_label=label, channel="task:audit_export")):
        export = exports.build_export(export)
    return {"status": export.status, "events": export.event_count}
