"""``manage.py audit_verify``: verify the live hash chain (bundles: see audit exports)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.services import verify_live


class Command(BaseCommand):
    help = "Verify the audit hash chain; exit non-zero with the first broken record."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("bundle", nargs="?", help="Exported bundle to verify offline")

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("bundle"):
            raise CommandError(
                "Bundle verification arrives with audit exports; verify the live chain "
                "by running without an argument."
            )
        result = verify_live()
        if not result.ok:
            raise CommandError(result.summary())
        self.stdout.write(self.style.SUCCESS(result.summary()))
