"""``manage.py expire_grants``: end grants past their expiry (idempotent; cron-friendly)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from access import services
from custos.context import command_context


class Command(BaseCommand):
    help = "Remove the permissions of access grants past their expiry and audit each."

    def handle(self, *args: Any, **options: Any) -> None:
        with command_context("expire_grants"):
            count = services.expire_grants()
        self.stdout.write(self.style.SUCCESS(f"Expired {count} grant(s)."))
