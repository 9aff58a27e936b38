"""``manage.py om_ingest SOURCE``: ingest a source with the stock OpenMetadata CLI."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.models import Source
from catalog.om import services
from custos.context import command_context


class Command(BaseCommand):
    help = (
        "Run openmetadata-ingestion's `metadata ingest` (metadata + view lineage) for a "
        "registered PostgreSQL or MySQL/MariaDB source against Custos' OpenMetadata API. "
        "All writes of the run are applied in one transaction when the CLI succeeds."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="Source name")
        parser.add_argument(
            "--server",
            default=None,
            help="Base URL of a running Custos the CLI can reach (default: "
            "$CUSTOS_OM_SERVER_URL, else a private server for the duration of the run).",
        )

        parser.add_argument(
            "--no-lineage", action="store_true", help="Skip the view-lineage workflow."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = Source.objects.filter(name=options["source"]).first()
        if source is None:
            names = ", ".join(Source.objects.values_list("name", flat=True)) or "none registered"
            raise CommandError(f"No source named {options['source']!r} (known: {names}).")
        system = get_user_model()(username="cli", is_superuser=True)  # unsaved operator
        with command_context("om_ingest"):
            run = services.om_ingest_now(
                actor=system,
                source=source,
                server=options["server"],
                lineage=not options["no_lineage"],
            )
        stats = run.stats
        if run.status != "succeeded":
            raise CommandError(f"OpenMetadata ingestion failed (run {run.pk}): {run.error}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Ingested {source.name} through OpenMetadata (run {run.pk}): "
                f"{stats.get('tables')} tables, {stats.get('columns')} columns, "
                f"{stats.get('lineage_edges')} lineage edges; records {stats.get('records')}, "
                f"warnings {stats.get('warnings')}, failures {stats.get('failures')}, "
                f"deleted {stats.get('deleted')}, drift events {stats.get('drift_events')}."
            )
        )
