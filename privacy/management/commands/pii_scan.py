"""``manage.py pii_scan SOURCE [--table FQN]``: run a PII scan now and print its stats."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.models import Asset, Source
from custos.context import command_context
from privacy import services


class Command(BaseCommand):
    help = "Sample a source's tables, classify their columns and update classifications."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="Source name")
        parser.add_argument("--table", help="FQN of one table or view to scan")

    def handle(self, *args: Any, **options: Any) -> None:
        source = Source.objects.filter(name=options["source"]).first()
        if source is None:
            raise CommandError(f"No source named {options['source']!r}.")
        table = None
        if options["table"]:
            table = Asset.objects.filter(source=source, fqn=options["table"]).first()
            if table is None:
                raise CommandError(f"No table {options['table']!r} in {source.name}.")
        operator = get_user_model()(username="cli", is_superuser=True)  # unsaved CLI operator
        with command_context("pii_scan"):
            scan = services.scan_now(actor=operator, source=source, table=table)
        if scan.status != "succeeded":
            raise CommandError(f"Scan failed: {scan.error}")
        self.stdout.write(json.dumps({"scan": scan.pk, **scan.stats}, indent=2))
