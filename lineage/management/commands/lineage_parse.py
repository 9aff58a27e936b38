"""``manage.py lineage_parse --input F --output G``: batch SQL lineage, JSON Lines in and out.

Contract in ``lineage.jsonl`` (DESIGN.md section 5); ``-`` is stdin/stdout. Pure: nothing
is stored. A bad line yields ``{"id", "error"}`` and the batch goes on.
"""

from __future__ import annotations

import sys
from contextlib import ExitStack
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lineage.jsonl import process


class Command(BaseCommand):
    help = "Column-level lineage of SQL statements (JSON Lines in, JSON Lines out)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--input", "-i", default="-", help="JSON Lines file, or - for stdin")
        parser.add_argument("--output", "-o", default="-", help="output file, or - for stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        with ExitStack() as stack:
            try:
                src: IO[str] = (
                    sys.stdin
                    if options["input"] == "-"
                    else stack.enter_context(open(options["input"], encoding="utf-8"))
                )
                dst: IO[str] = (
                    sys.stdout
                    if options["output"] == "-"
                    else stack.enter_context(open(options["output"], "w", encoding="utf-8"))
                )
            except OSError as exc:
                raise CommandError(str(exc)) from exc
            count = 0
            for line in process(src):
                dst.write(line + "\n")
                count += 1
            dst.flush()
        if options["output"] != "-":
            self.stderr.write(f"parsed {count} line(s) into {options['output']}")
