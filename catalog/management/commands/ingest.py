"""``manage.py ingest SOURCE``: native ingestion of one registered source."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog import services
from catalog.models import Source
from custos.context import command_context


class Command(BaseCommand):
    help = "Read a registered source's schema and update the catalog (drift recorded)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="Source name")

    def handle(self, *args: Any, **options: Any) -> None:
        source = Source.objects.filter(name=options["source"]).first()
        if source is None:
            names = ", ".join(Source.objects.values_list("name", flat=True)) or "none registered"
            raise CommandError(f"No source named {options['source']!r} (known: {names}).")
        system = get_user_model()(
            username="cli", is_superuser=True
        )  # unsaved: CLI acts as the operator
        with command_context("ingest"):
            run = services.run_ingestion(run=services.start_ingestion(actor=system, source=source))
        if run.status != "succeeded":
            raise CommandError(f"Ingestion failed: {run.error}")
        stats = run.stats
        self.stdout.write(
            self.style.SUCCESS(
                f"Ingested {source.name}: {stats.get('tables')} tables, {stats.get('columns')} columns; "
                f"created {stats.get('created')}, updated {stats.get('updated')}, "
                f"deleted {stats.get('deleted')}, drift events {stats.get('drift_events')}."
            )
        )
