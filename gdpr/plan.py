"""From a discovery to an erasure plan: per table, delete / anonymise / keep, in FK order.

Rules (documented in docs/gdpr.md):

* Only base tables get steps; views are listed and never written (their base tables are).
* Default action: **delete** the matched rows.
* An active legal hold on the table (or its source), for every subject or this one, turns
  the step into **keep** (no change) or **anonymise** (personal columns only), with its reason.
* A table referenced by retained rows (a child kept or anonymised) cannot lose its rows
  without breaking the foreign key: it is **anonymised** instead.
* Anonymisation uses deterministic operators from ``privacy.masking`` only (``nullify`` for
  nullable columns, ``redact`` to a constant for NOT NULL text), so re-running a step changes
  nothing; NOT NULL non-text columns are left and reported.
* Order: children before parents (from ``Asset.references``), ties by FQN.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone

from gdpr import identifiers as ids
from gdpr.discovery import Discovery, Finding, TableInfo
from gdpr.models import HoldAction, LegalHold, StepAction

REDACTED_VALUE = "[erased]"
KEY_ROLES = ("key", "fk", "copy")
_TEXT_TYPES = ("char", "text", "string", "clob", "varchar")


@dataclass
class PlannedStep:
    finding: Finding
    action: str
    reason: str = ""
    columns: list[dict[str, Any]] = field(default_factory=list)
    untouched: list[str] = field(default_factory=list)

    @property
    def table(self) -> TableInfo:
        return self.finding.table

    def summary(self, position: int) -> dict[str, Any]:
        return {
            "position": position,
            "table": self.table.fqn,
            "rows": self.finding.rows,
            "action": self.action,
            "columns": self.columns,
            "untouched_columns": self.untouched,
            "matched_on": [m.describe() for m in self.finding.matches.values()],
            "reason": self.reason,
        }


def active_holds(table: TableInfo, subject_ref: str) -> list[LegalHold]:
    now = timezone.now()
    return list(
        LegalHold.objects.filter(Q(table_id=table.id) | Q(source_id=table.source_id, table=None))
        .filter(released_at=None)
        .filter(Q(expires_at=None) | Q(expires_at__gt=now))
        .filter(Q(subject_ref="") | Q(subject_ref=subject_ref))
        .order_by("action")  # "anonymise" < "keep": keep wins below
    )


def anonymise_columns(finding: Finding) -> tuple[list[dict[str, Any]], list[str]]:
    """Columns to anonymise in a retained table and their operator; and those left as is."""
    matched = {m.column for m in finding.matches.values() if m.role in ("identifier", "hash")}
    out: list[dict[str, Any]] = []
    untouched: list[str] = []
    for col in finding.table.columns.values():
        if col.is_pk or col.references_id or col.name.lower() in ids.KEY_COLUMN_NAMES:
            continue
        personal = (
            col.name in matched
            or bool(col.entities)
            or col.name.lower() in ids.PERSONAL_COLUMN_NAMES
            or ids.kind_for_column(col.name, col.entities) is not None
        )
        if not personal:
            continue
        if col.nullable:
            out.append({"name": col.name, "operator": "nullify"})
        elif any(t in col.data_type.lower() for t in _TEXT_TYPES):
            out.append({"name": col.name, "operator": "redact", "value": REDACTED_VALUE})
        else:
            untouched.append(col.name)
    return out, untouched


def build_plan(discovery: Discovery, *, subject_ref: str) -> list[PlannedStep]:
    steps: dict[int, PlannedStep] = {}
    for finding in discovery.base_findings():
        if not finding.rows:
            continue
        holds = active_holds(finding.table, subject_ref)
        keep = [h for h in holds if h.action == HoldAction.KEEP]
        anon = [h for h in holds if h.action == HoldAction.ANONYMISE]
        if keep:
            steps[finding.table.id] = PlannedStep(
                finding, StepAction.KEEP, f"legal hold #{keep[0].pk}: {keep[0].reason}"
            )
        elif anon:
            steps[finding.table.id] = PlannedStep(
                finding, StepAction.ANONYMISE, f"legal hold #{anon[0].pk}: {anon[0].reason}"
            )
        else:
            steps[finding.table.id] = PlannedStep(finding, StepAction.DELETE, "")
    _protect_referenced_parents(discovery, steps)
    for step in steps.values():
        if step.action == StepAction.ANONYMISE:
            step.columns, step.untouched = anonymise_columns(step.finding)
            if not step.columns:
                step.action = StepAction.KEEP
                step.reason += " (no personal columns to anonymise)"
    return _fk_order(discovery, steps)


def _parents(discovery: Discovery, table: TableInfo) -> set[int]:
    """Tables (in the discovery) that ``table`` references through a foreign key."""
    owner = discovery.column_owner()
    parents = {owner[c.references_id] for c in table.columns.values() if c.references_id in owner}
    return parents - {table.id}


def _protect_referenced_parents(discovery: Discovery, steps: dict[int, PlannedStep]) -> None:
    changed = True
    while changed:
        changed = False
        for step in steps.values():
            if step.action == StepAction.DELETE:
                continue
            for parent_id in _parents(discovery, step.table):
                parent = steps.get(parent_id)
                if parent is not None and parent.action == StepAction.DELETE:
                    parent.action = StepAction.ANONYMISE
                    parent.reason = (
                        f"referenced by retained rows of {step.table.fqn} ({step.reason}); "
                        "deleting would break the foreign key"
                    )
                    changed = True


def _fk_order(discovery: Discovery, steps: dict[int, PlannedStep]) -> list[PlannedStep]:
    pending = dict(steps)
    parents = {tid: _parents(discovery, s.table) & set(steps) for tid, s in steps.items()}
    ordered: list[PlannedStep] = []
    while pending:
        # a table is ready once no pending table references it (children go first)
        ready = [
            tid
            for tid in pending
            if not any(tid in parents[other] for other in pending if other != tid)
        ]
        if not ready:  # FK cycle: fall back to name order for the rest
            ready = list(pending)
        for tid in sorted(ready, key=lambda t: pending[t].table.fqn):
            ordered.append(pending.pop(tid))
    return ordered


def plan_document(discovery: Discovery, steps: list[PlannedStep]) -> dict[str, Any]:
    """The reviewable plan (no identifier values: counts, columns and reasons only)."""
    planned = {s.table.id for s in steps}
    return {
        "steps": [s.summary(i) for i, s in enumerate(steps, start=1)],
        "unchanged": [
            {
                "table": f.table.fqn,
                "type": f.table.type,
                "rows": f.rows,
                "matched_on": [m.describe() for m in f.matches.values()],
                "why": "view: its base tables are handled"
                if f.table.type == "view"
                else "no matching rows",
            }
            for f in sorted(discovery.findings.values(), key=lambda f: f.table.fqn)
            if f.table.id not in planned
        ],
        "totals": {
            "tables": len(steps),
            "rows": sum(s.finding.rows or 0 for s in steps),
            "delete": sum(1 for s in steps if s.action == StepAction.DELETE),
            "anonymise": sum(1 for s in steps if s.action == StepAction.ANONYMISE),
            "keep": sum(1 for s in steps if s.action == StepAction.KEEP),
        },
        "lineage_used": discovery.lineage_used,
        "notes": discovery.notes,
        "rows_scanned": discovery.rows_scanned,
        "seconds": {k: round(v, 4) for k, v in discovery.seconds.items()},
    }


def plan_hash(document: dict[str, Any], predicates: list[Any]) -> str:
    """Binds an approval to exactly this plan: its steps and their sealed-away predicates."""
    body = json.dumps(
        {"steps": document["steps"], "predicates": predicates}, sort_keys=True, default=str
    )
    return hashlib.sha256(body.encode()).hexdigest()
