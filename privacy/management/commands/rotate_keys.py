"""``manage.py rotate_keys``: new master key, re-wrap data keys and source DSNs under it.

``--data-key pseudonym|tokenise`` (repeatable) also makes a new data key active for that
purpose (old tokens keep working: their key id is inside them). Prints key ids and
counts only; key material is never printed or logged. Audited as ``keys.rotate``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser

from custos.context import command_context
from privacy import keys
from privacy.models import KeyPurpose


class Command(BaseCommand):
    help = "Rotate the master key (re-wrapping data keys and DSNs); optionally rotate data keys."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--data-key",
            action="append",
            choices=KeyPurpose.values,
            default=[],
            help="also rotate this data key (repeatable)",
        )
        parser.add_argument(
            "--no-master", action="store_true", help="only rotate the given data keys"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        operator = get_user_model()(username="cli", is_superuser=True)  # unsaved CLI operator
        with command_context("rotate_keys"):
            for purpose in options["data_key"]:
                row = keys.rotate_data_key(actor=operator, purpose=purpose)
                self.stdout.write(f"{purpose} data key rotated: new key id {row.kid}")
            if not options["no_master"]:
                summary = keys.rotate_master_key(actor=operator)
                self.stdout.write(
                    self.style.SUCCESS(
                        f"master key rotated: {summary['previous_master_kid']} -> "
                        f"{summary['master_kid']}; re-wrapped {summary['data_keys_rewrapped']} "
                        f"data key(s) and {summary['source_dsns_rewrapped']} source DSN(s)"
                    )
                )
        keys.data_keys().forget()
