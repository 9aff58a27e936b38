"""``manage.py recover_stale_runs``: requeue ingestion runs whose worker went silent."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from catalog import services
from custos.context import command_context


class Command(BaseCommand):
    help = (
        "Requeue ingestion runs whose worker has not reported for CUSTOS_RUN_STALE_SECONDS "
        "(failing those out of CUSTOS_INGEST_MAX_ATTEMPTS) and send again queued runs no "
        "worker picked up. Safe to run on any host, any number of times."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with command_context("recover_stale_runs"):
            report = services.recover_stale_runs()
        self.stdout.write(
            f"Stale ingestion runs (silent > {settings.CUSTOS_RUN_STALE_SECONDS}s): "
            f"{report.summary()}."
        )
        for label, ids in (
            ("requeued", report.requeued),
            ("sent again", report.resent),
            ("failed", report.failed),
        ):
            if ids:
                self.stdout.write(f"  {label}: run {', '.join(map(str, ids))}")
