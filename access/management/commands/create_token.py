"""``manage.py create_token USERNAME``: issue an API token and print it (once)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from access.tokens import create_token
from custos.context import command_context
from custos.errors import DomainError


class Command(BaseCommand):
    help = "Create an API token for a user and print it. It cannot be shown again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="cli")
        parser.add_argument(
            "--days", type=int, default=None, help="Lifetime in days (0 = never expires)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {options['username']!r}.")
        with command_context("create_token"):
            try:
                _, plain = create_token(user=user, name=options["name"], days=options["days"])
            except DomainError as exc:
                raise CommandError(exc.message) from exc
        self.stdout.write(plain)
