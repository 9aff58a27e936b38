"""``manage.py run_retention [--dry-run] [--policy ID ...]``: evaluate retention policies.

Schedule it (cron/systemd timer) or enqueue ``gdpr.tasks.run_retention``; run ``--dry-run``
first: it reports what each policy would change without touching any row.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from custos import context
from gdpr.models import RetentionPolicy
from gdpr.retention import evaluate_all


class Command(BaseCommand):
    help = "Evaluate retention policies (delete/anonymise rows past their retention period)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Report only; change nothing.")
        parser.add_argument("--policy", type=int, action="append", help="Only this policy id.")

    def handle(self, *args: Any, **opts: Any) -> None:
        with context.command_context("run_retention"):
            policies = RetentionPolicy.objects.filter(enabled=True).select_related("table")
            if opts.get("policy"):
                policies = policies.filter(pk__in=opts["policy"])
            for run in evaluate_all(dry_run=opts["dry_run"], policies=list(policies)):
                verb = "would change" if run.dry_run else "changed"
                self.stdout.write(
                    f"{run.policy.name}: {run.status}; {run.rows_matched} row(s) past retention, "
                    f"{verb} {run.rows_matched if run.dry_run else run.rows_affected} "
                    f"in {run.batches} batch(es){'; ' + run.error if run.error else ''}"
                )
