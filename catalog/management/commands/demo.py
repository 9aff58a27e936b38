"""``manage.py demo``: build the Custos Air demo databases and catalog them (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.demo import SIZES
from catalog.demo_setup import TARGETS, demo_password, run_demo
from custos.context import command_context


class Command(BaseCommand):
    help = "Build the demo airline databases, register them as sources and catalog them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", default="small", choices=sorted(SIZES))
        parser.add_argument(
            "--targets",
            default="sqlite,postgres,mariadb",
            help="Comma list of sqlite, postgres, mariadb (unreachable servers are skipped).",
        )
        parser.add_argument("--seed", type=int, default=42)

    def handle(self, *args: Any, **options: Any) -> None:
        targets = [t.strip() for t in options["targets"].split(",") if t.strip()]
        unknown = [t for t in targets if t not in TARGETS]
        if unknown:
            raise CommandError(
                f"Unknown target(s) {', '.join(unknown)}; choose from {', '.join(TARGETS)}."
            )
        with command_context("demo"):
            self.stdout.write(f"Building the Custos Air demo ({options['size']})")
            try:
                report = run_demo(
                    size=options["size"],
                    targets=targets,
                    seed=options["seed"],
                    log=self.stdout.write,
                )
            except Exception as exc:
                raise CommandError(f"Demo failed: {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready: {len(report.sources)} source(s). Sign in as admin, sam (steward), alice (analyst) "
                f"or victor (viewer) with password '{demo_password()}'."
            )
        )
