"""``manage.py audit_verify [BUNDLE] [--key FILE]``.

With a bundle: verifies it offline. The bundle branch touches no database (no system
checks, no queries), so an auditor can run it on a copy of Custos with no database at all.
Without: verifies the live chain, its signed checkpoints and archives.
Exit 0 and a summary if intact; non-zero and the first problem otherwise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.chain.bundle import verify_bundle
from audit.chain.signing import load_public_keys


class Command(BaseCommand):
    help = "Verify the audit trail (or an exported bundle, offline); exit non-zero with the first problem."
    requires_system_checks: list[str] = []  # the bundle branch must not need a database

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("bundle", nargs="?", help="Exported bundle (.zip) to verify offline")
        parser.add_argument(
            "--key",
            action="append",
            default=[],
            help="Trusted public key file (audit_keys output, PEM or base64); repeatable. "
            "Without it the key embedded in the bundle is used and reported as not pinned.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("bundle"):
            self._verify_bundle(Path(options["bundle"]), options["key"])
            return
        from audit.services import verify_live
        from custos.context import command_context

        with command_context("audit_verify"):
            result = verify_live()
        if not result.ok:
            raise CommandError(result.summary())
        self.stdout.write(self.style.SUCCESS(result.summary()))

    def _verify_bundle(self, path: Path, key_files: list[str]) -> None:
        trusted: dict[str, bytes] | None = None
        if key_files:
            trusted = {}
            for name in key_files:
                try:
                    trusted.update(load_public_keys(Path(name).read_text()))
                except (OSError, ValueError) as exc:
                    raise CommandError(f"cannot read public key file {name}: {exc}") from exc
        if not path.exists():
            raise CommandError(f"no such bundle: {path}")
        result = verify_bundle(path, trusted_keys=trusted)
        if not result.ok:
            raise CommandError(result.summary())
        self.stdout.write(self.style.SUCCESS(result.summary()))
