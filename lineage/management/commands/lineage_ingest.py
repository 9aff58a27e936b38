"""``manage.py lineage_ingest SOURCE [--views] [--query-log F] [--pg-stat-statements]
[--dbt-manifest F] [--sql F]``: record lineage of a registered source.

Without an option, ``--views`` is implied. Each option is one batch (one audit event per
batch of up to 200 provenances) and prints a summary; re-running updates, never duplicates.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.models import Source
from custos.context import command_context
from custos.errors import DomainError
from lineage import services
from lineage.ingest.querylog import QueryEntry


class Command(BaseCommand):
    help = "Record lineage for a source from its views, query logs, dbt manifest or SQL files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="Source name")
        parser.add_argument("--views", action="store_true", help="parse the catalogued views")
        parser.add_argument(
            "--query-log",
            action="append",
            default=[],
            metavar="FILE",
            help="JSONL or CSV query log (repeatable; - for JSONL on stdin)",
        )
        parser.add_argument(
            "--pg-stat-statements",
            action="store_true",
            help="read writing statements from pg_stat_statements (PostgreSQL)",
        )
        parser.add_argument(
            "--dbt-manifest",
            action="append",
            default=[],
            metavar="FILE",
            help="dbt target/manifest.json (repeatable)",
        )
        parser.add_argument(
            "--sql",
            action="append",
            default=[],
            metavar="FILE",
            help="a SQL script run on the source (repeatable)",
        )
        parser.add_argument("--json", action="store_true", help="print reports as JSON lines")

    def handle(self, *args: Any, **options: Any) -> None:
        source = Source.objects.filter(name=options["source"]).first()
        if source is None:
            names = ", ".join(Source.objects.values_list("name", flat=True)) or "none registered"
            raise CommandError(f"No source named {options['source']!r} (known: {names}).")
        operator = get_user_model()(username="cli", is_superuser=True)  # unsaved operator
        chosen = any(
            (
                options["views"],
                options["query_log"],
                options["pg_stat_statements"],
                options["dbt_manifest"],
                options["sql"],
            )
        )
        reports: list[services.IngestReport] = []
        with command_context("lineage_ingest"):
            try:
                if options["views"] or not chosen:
                    reports.append(services.ingest_views(source=source, actor=operator))
                for path in options["query_log"]:
                    self._exists(path)
                    reports.append(
                        services.ingest_query_log(source=source, path=path, actor=operator)
                    )
                if options["pg_stat_statements"]:
                    reports.append(
                        services.ingest_pg_stat_statements(source=source, actor=operator)
                    )
                for path in options["dbt_manifest"]:
                    self._exists(path)
                    reports.append(
                        services.ingest_dbt_manifest(source=source, manifest=path, actor=operator)
                    )
                for path in options["sql"]:
                    self._exists(path)
                    text = Path(path).read_text(encoding="utf-8")
                    reports.append(
                        services.ingest_sql(
                            source=source,
                            entries=[QueryEntry(sql=text, label=Path(path).name)],
                            actor=operator,
                        )
                    )
            except DomainError as exc:
                raise CommandError(exc.message) from exc
        for report in reports:
            if options["json"]:
                self.stdout.write(json.dumps(report.as_dict()))
                continue
            self.stdout.write(self.style.SUCCESS(report.summary()))
            for error in report.errors[:10]:
                self.stdout.write(f"  ! {error}")

    @staticmethod
    def _exists(path: str) -> None:
        if path != "-" and not Path(path).is_file():
            raise CommandError(f"No such file: {path}")
