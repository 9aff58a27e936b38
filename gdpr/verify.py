"""Verification after execution: search for the subject again, from scratch.

The identifiers (still sealed while the request is open) and the subject keys frozen at plan
time are searched in every table discovery knows (classification, names, keys, FKs,
lineage); a table with remaining matches passes only when the plan justified it: a legal
hold kept it, or it was anonymised and nothing but pseudonymous keys remain.
"""

from __future__ import annotations

import time
from typing import Any

from catalog.ingest.native import connect
from catalog.models import Source
from gdpr.discovery import discover
from gdpr.models import StepAction, SubjectRequest
from gdpr.sourcesql import count


def run_verification(
    request: SubjectRequest,
    *,
    sources: list[Source],
    identifiers: dict[str, list[str]],
    known_keys: dict[int, list[Any]],
) -> dict[str, Any]:
    started = time.perf_counter()
    found = discover(sources=sources, identifiers=identifiers, known_keys=known_keys)
    steps = {s.table_id: s for s in request.steps.all()}
    checked: list[str] = []
    remaining: list[dict[str, Any]] = []
    engines: dict[int, Any] = {}
    try:
        for finding in sorted(found.base_findings(), key=lambda f: f.table.fqn):
            checked.append(finding.table.fqn)
            if not finding.rows:
                continue
            step = steps.get(finding.table.id)
            entry: dict[str, Any] = {
                "table": finding.table.fqn,
                "rows": finding.rows,
                "matched_on": [m.describe() for m in finding.matches.values()],
            }
            if step is not None and step.action == StepAction.KEEP:
                entry.update(justified=True, reason=step.reason)
            elif step is not None and step.action == StepAction.ANONYMISE:
                direct = [
                    m.clause() for m in finding.matches.values() if m.role in ("identifier", "hash")
                ]
                left = 0
                if direct:
                    sid = finding.table.source_id
                    if sid not in engines:
                        engines[sid] = connect(_dsn(sources, sid))
                    with engines[sid].connect() as conn:
                        left = count(conn, finding.table.ref, direct)
                if left == 0:
                    entry.update(
                        justified=True,
                        reason=f"anonymised; only pseudonymous keys remain ({step.reason})",
                    )
                else:
                    entry.update(
                        justified=False, reason=f"{left} row(s) still hold identifier values"
                    )
            else:
                entry.update(
                    justified=False,
                    reason="rows remain after deletion"
                    if step is not None
                    else "not in the approved plan (new data?): re-plan and execute again",
                )
            remaining.append(entry)
    finally:
        for engine in engines.values():
            engine.dispose()
    return {
        "passed": all(r["justified"] for r in remaining),
        "checked_tables": checked,
        "remaining": remaining,
        "lineage_used": found.lineage_used,
        "seconds": round(time.perf_counter() - started, 4),
    }


def _dsn(sources: list[Source], source_id: int) -> str:
    from catalog.services import source_dsn

    return source_dsn(next(s for s in sources if s.pk == source_id))
