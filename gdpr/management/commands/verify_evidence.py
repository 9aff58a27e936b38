"""``manage.py verify_evidence FILE [--keys KEYS]``: check a signed evidence document offline.

Needs no database. ``--keys`` takes the audit public keys (``manage.py audit_keys`` output,
PEM or base64); without it the embedded public key is used (integrity only: pass the keys
to also check *who* signed).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from audit.chain import signing
from gdpr.evidence import verify_signed


class Command(BaseCommand):
    help = "Verify a GDPR evidence document (JSON) offline."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--keys", help="Trusted audit public keys (JSON, PEM or base64).")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            data = json.loads(Path(opts["file"]).read_text())
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read {opts['file']}: {exc}") from exc
        trusted = None
        if opts.get("keys"):
            trusted = signing.load_public_keys(Path(opts["keys"]).read_text())
        ok, message = verify_signed(data, trusted)
        if not ok:
            raise CommandError(f"NOT VERIFIED: {message}")
        self.stdout.write(f"OK: {message}")
