"""Background jobs: execute (then verify) an approved erasure; evaluate retention policies."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.tasks import task

from custos import context
from gdpr.models import RequestStatus, SubjectRequest


@task()
def execute_request(
    request_id: int, actor_id: int | None = None, takeover: bool = False
) -> dict[str, Any]:
    from gdpr import services

    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    label = actor.get_username() if actor else "system"
    with context.use(context.Context(actor=actor, actor_label=label, channel="task:gdpr")):
        req = SubjectRequest.objects.get(pk=request_id)
        req = services.run_execution(request=req, takeover=takeover)
        if req.status == RequestStatus.EXECUTED:
            req = services.verify_request(actor=None, request=req)
    return {"status": req.status}


@task()
def run_retention(dry_run: bool = False) -> dict[str, Any]:
    from gdpr.retention import evaluate_all

    with context.use(context.Context(actor_label="system", channel="task:retention")):
        runs = evaluate_all(dry_run=dry_run)
    return {
        "runs": [
            {
                "policy": r.policy_id,
                "matched": r.rows_matched,
                "affected": r.rows_affected,
                "status": r.status,
            }
            for r in runs
        ]
    }
