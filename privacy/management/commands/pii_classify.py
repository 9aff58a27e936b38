"""``manage.py pii_classify --input F --output G``: JSON Lines PII classification.

In: ``{"id", "name", "values": [...], "table"?, "comment"?}`` per line; out: ``{"id",
"entity", "score", "explanation", ...}`` per line, in order (``-`` = stdin/stdout).
A bad line yields ``{"id", "error"}`` and the batch goes on. Pure: nothing is stored.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import ExitStack
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from privacy.detect.jsonl import classify_jsonl


class Command(BaseCommand):
    help = "Classify columns (JSON Lines in, JSON Lines out) with the offline PII classifier."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--input", "-i", default="-", help="JSON Lines file, or - for stdin")
        parser.add_argument("--output", "-o", default="-", help="output file, or - for stdout")
        parser.add_argument("--no-explain", action="store_true", help="omit the explanation field")

    def handle(self, *args: Any, **options: Any) -> None:
        with ExitStack() as stack:
            try:
                src: IO[str] = (
                    sys.stdin
                    if options["input"] == "-"
                    else stack.enter_context(open(options["input"], encoding="utf-8"))
                )
                dst: IO[str] | None = (
                    None
                    if options["output"] == "-"
                    else stack.enter_context(open(options["output"], "w", encoding="utf-8"))
                )
            except OSError as exc:
                raise CommandError(str(exc)) from exc
            count = 0
            for line in classify_jsonl(_lines(src), explain=not options["no_explain"]):
                if dst is None:
                    self.stdout.write(line)
                else:
                    dst.write(line + "\n")
                count += 1
        if options["output"] != "-":
            self.stderr.write(f"classified {count} line(s) into {options['output']}")


def _lines(src: IO[str]) -> Iterator[str]:
    yield from src
