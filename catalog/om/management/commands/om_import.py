"""``manage.py om_import F``: import OpenMetadata JSON entities (tables, tags, glossary)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.om import exchange
from custos.context import command_context
from custos.errors import DomainError


class Command(BaseCommand):
    help = "Import an OpenMetadata entity document (as written by om_export); all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="JSON document")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            document = json.loads(Path(options["file"]).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc}") from exc
        system = get_user_model()(username="cli", is_superuser=True)  # unsaved operator
        try:
            with command_context("om_import"):
                counts = exchange.import_document(actor=system, document=document)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"Imported {counts}"))
