"""``manage.py om_export --output F``: the catalog as OpenMetadata JSON entities."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from catalog.om import exchange
from catalog.om.views import dumps


class Command(BaseCommand):
    help = "Export tables, tags and the glossary in OpenMetadata's JSON entity format."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", "-o", default="-", help="File to write ('-': stdout)")
        parser.add_argument("--source", action="append", help="Only these sources (repeatable)")

    def handle(self, *args: Any, **options: Any) -> None:
        text = dumps(exchange.export_document(sources=options["source"]))
        if options["output"] == "-":
            sys.stdout.write(text + "\n")
            return
        Path(options["output"]).write_text(text + "\n", encoding="utf-8")
        self.stderr.write(self.style.SUCCESS(f"Wrote {options['output']}"))
