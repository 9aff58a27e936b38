"""``manage.py audit_keys [--rotate] [--output FILE]``: print (or rotate) the audit public keys.

Give the printed JSON to auditors out of band: ``audit_verify BUNDLE --key keys.json``
then proves a bundle was signed by this instance.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from audit import keyfiles
from audit.chain.signing import export_public_keys
from custos.context import command_context


class Command(BaseCommand):
    help = "Print the audit signing public keys as JSON; --rotate creates a new signing key first."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rotate", action="store_true", help="Create a new signing key")
        parser.add_argument("--output", help="Write the JSON to this file instead of stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rotate"]:
            from django.db import transaction

            from audit import services

            with command_context("audit_keys"), transaction.atomic():
                kid = keyfiles.rotate_signing_key()
                services.record(
                    action="audit.key.rotate",
                    object_type="signing_key",
                    object_id=kid,
                    object_repr=f"audit signing key {kid}",
                )
            self.stderr.write(f"New signing key {kid}.")
        doc = json.dumps(export_public_keys(keyfiles.public_keys()), indent=2)
        if options.get("output"):
            Path(options["output"]).write_text(doc + "\n")
            self.stderr.write(f"Public keys written to {options['output']}.")
        else:
            self.stdout.write(doc)
