"""``manage.py masked_views SOURCE --role R``: print CREATE VIEW statements for one role."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser

from access import masked_views
from catalog.models import Source


class Command(BaseCommand):
    help = "Print dialect-specific CREATE VIEW statements applying a role's masks and row filters."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="Source name")
        parser.add_argument("--role", required=True, help="Role or group name (e.g. Analyst)")

    def handle(self, *args: Any, **options: Any) -> None:
        source = Source.objects.filter(name=options["source"]).first()
        if source is None:
            raise CommandError(f"No source named {options['source']!r}.")
        group = Group.objects.filter(name=options["role"]).first()
        if group is None:
            raise CommandError(f"No role or group named {options['role']!r}.")
        for item in masked_views.statements(source=source, group=group):
            if "sql" in item:
                self.stdout.write(f"-- {item['table']}\n{item['sql']}\n")
            else:
                self.stdout.write(f"-- {item['table']}: skipped ({item['skipped']})\n")
