"""``manage.py audit_seal``: sign the chain head (run it periodically, e.g. every 5 minutes)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from audit.services import seal
from custos.context import command_context


class Command(BaseCommand):
    help = "Create a signed checkpoint of the audit chain head if events were added since the last one."

    def handle(self, *args: Any, **options: Any) -> None:
        with command_context("audit_seal"):
            cp = seal()
        if cp is None:
            self.stdout.write("Nothing new to seal.")
        else:
            self.stdout.write(
                self.style.SUCCESS(f"Sealed seq {cp.seq} (hash {cp.head_hash}, key {cp.key_id}).")
            )
