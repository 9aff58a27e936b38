"""``manage.py audit_prune [--before DATE] [--force]``: archive old events, then remove them.

Without ``--before`` the cut is the retention period (``CUSTOS_AUDIT_RETENTION_DAYS``).
The archive is a signed bundle under ``CUSTOS_DATA_DIR/audit-archive/``; the chain stays
verifiable across the cut.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from audit import retention
from custos.context import command_context
from custos.errors import DomainError


def _parse(value: str) -> datetime:
    when = parse_datetime(value)
    if when is None:
        day = parse_date(value)
        if day is None:
            raise CommandError(f"--before must be a date or datetime (ISO 8601), got {value!r}")
        when = datetime.combine(day, time.min)
    return when if timezone.is_aware(when) else timezone.make_aware(when, UTC)


class Command(BaseCommand):
    help = "Archive audit events older than a date to a signed bundle, then delete them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--before", help="Cut date (default: now minus the retention period)")
        parser.add_argument(
            "--force", action="store_true", help="Allow a cut inside the retention period"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        before = (
            _parse(options["before"]) if options.get("before") else retention.retention_cutoff()
        )
        try:
            with command_context("audit_prune"):
                archive = retention.prune(before=before, force=options["force"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if archive is None:
            self.stdout.write(f"No events before {before.isoformat()} to prune.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Archived and removed {archive.event_count} events (seq {archive.first_seq}.."
                f"{archive.last_seq}) to {archive.bundle_path}; chain head at the cut "
                f"{archive.head_hash}."
            )
        )
