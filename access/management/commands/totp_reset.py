"""``manage.py totp_reset USERNAME``: remove a user's authenticator (lost phone; audited)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from access import mfa
from custos.context import command_context
from custos.errors import DomainError


class Command(BaseCommand):
    help = "Remove USERNAME's authenticator so they can sign in with the password and enrol again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user {options['username']!r}.")
        try:
            with command_context("totp_reset"):
                mfa.remove(actor=None, user=user)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"Removed the authenticator of {user.username}."))
