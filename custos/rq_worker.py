"""The RQ worker class of ``manage.py rqworker`` (settings ``RQ["WORKER_CLASS"]``).

A plain RQ worker that also runs :func:`catalog.services.recover_stale_runs` with its
registry maintenance: when it starts and then every ``CUSTOS_RUN_STALE_SECONDS`` (idle
workers wake up for it), so a run whose worker died is requeued without a separate
scheduler. Any number of workers may do this at once (see the function).
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import connections
from rq.worker import Worker

from custos import context

logger = logging.getLogger(__name__)


class RecoveringWorker(Worker):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.maintenance_interval = min(
            self.maintenance_interval, max(1, settings.CUSTOS_RUN_STALE_SECONDS)
        )

    @property
    def dequeue_timeout(self) -> int:
        # Wake up from an empty queue in time for the next maintenance round.
        return max(1, min(super().dequeue_timeout, int(self.maintenance_interval)))

    def run_maintenance_tasks(self) -> None:
        super().run_maintenance_tasks()
        from catalog.services import recover_stale_runs

        ctx = context.Context(actor_label=f"system:{self.name}", channel="worker:recovery")
        try:
            with context.use(ctx):
                recover_stale_runs()
        except Exception:  # the database may be down: try again next round
            logger.exception("worker %s: recovering stale ingestion runs failed", self.name)
        finally:
            # Never carry a database connection into a forked work horse.
            connections.close_all()
