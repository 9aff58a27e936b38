"""Background jobs of access control (Django tasks API)."""

from __future__ import annotations

from django.tasks import task

from access import services
from custos import context


@task()
def expire_grants() -> dict[str, int]:
    """Remove the permissions of grants past their expiry. Schedule it (e.g. every minute);
    the gateway never honours an expired grant even if this job runs late."""
    with context.use(
        context.Context(actor=None, actor_label="system", channel="task:expire_grants")
    ):
        return {"expired": services.expire_grants()}
