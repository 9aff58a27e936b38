"""Running a PII scan: sample at the source, classify, reconcile classifications.

Called by :func:`privacy.services.run_scan` (a background task). Each table is one unit:
one sampling query (see :mod:`privacy.sampling`), one classifier batch, one transaction
that writes classifications, their audit events and the search index. A table that fails
to sample is reported in the run's stats and the scan goes on.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

import audit.services as audit
from catalog import search
from catalog.ingest import native
from catalog.models import (
    Asset,
    AssetType,
    Classification,
    ClassificationStatus,
    LabelSource,
    RunStatus,
)
from privacy.detect import ColumnResult, ColumnSample, get_classifier
from privacy.models import ScanRun
from privacy.reconcile import Action, Existing, Verdict, decide
from privacy.sampling import Sampler, TableRef

_BINARY = re.compile(r"blob|bytea|binary|image|geometry|raster", re.I)
ACTIVE = (ClassificationStatus.PROPOSED, ClassificationStatus.CONFIRMED)


def evidence_of(result: ColumnResult, *, scan_id: int, method: str) -> dict[str, Any]:
    """The evidence JSON of a detection: recognizers, shares, terms; never sampled values."""
    focus = result.entity
    return {
        "fingerprint": {"entity": result.entity, "score": result.score},
        "sampled": result.sampled,
        "method": method,
        "scan_run": scan_id,
        "free_text": result.free_text,
        "entities_in_text": list(result.entities_in_text),
        "signals": [
            {
                "kind": e.kind,
                "detail": e.detail,
                "entity": e.entity,
                "share": e.share,
                "score": e.score,
            }
            for e in result.evidence
            if e.entity == focus or e.kind == "guard"
        ],
    }


def _existing(row: Classification) -> Existing:
    rejected = (row.evidence or {}).get("rejected") or {}
    return Existing(
        entity=row.entity,
        status=row.status,
        confidence=row.confidence,
        explanation=row.explanation,
        rejected_score=rejected.get("score"),
        flagged=bool((row.evidence or {}).get("review")),
    )


def _targets(scan: ScanRun) -> dict[str, list[str] | None]:
    if scan.targets:
        return dict(scan.targets)
    tables = Asset.objects.filter(
        source=scan.source, type=AssetType.TABLE, deleted_at__isnull=True
    ).order_by("fqn")
    return dict.fromkeys(tables.values_list("fqn", flat=True))


def _table_ref(table: Asset, columns: Sequence[Asset], kind: str) -> TableRef:
    schema = None if kind == "sqlite" or table.parent is None else table.parent.name
    return TableRef(
        name=table.name,
        columns=tuple(c.name for c in columns),
        schema=schema,
        row_count=table.row_count,
        is_view=table.type == AssetType.VIEW,
    )


def _columns(table: Asset, names: list[str] | None) -> list[Asset]:
    qs = Asset.objects.filter(parent=table, type=AssetType.COLUMN, deleted_at__isnull=True)
    if names is not None:
        qs = qs.filter(name__in=names)
    return [c for c in qs.order_by("position", "name") if not _BINARY.search(c.data_type or "")]


class ScanRunner:
    """Runs one :class:`ScanRun` to completion (status, progress, stats)."""

    def __init__(self, scan: ScanRun, dsn: str) -> None:
        self.scan = scan
        self.dsn = dsn
        self.stats: Counter[str] = Counter()
        self.seconds: dict[str, float] = {"sampling": 0.0, "classification": 0.0, "writing": 0.0}
        self.methods: Counter[str] = Counter()
        self.errors: list[dict[str, str]] = []

    def run(self) -> None:
        targets = _targets(self.scan)
        ScanRun.objects.filter(pk=self.scan.pk).update(
            targets=targets, progress_total=len(targets), message="connecting"
        )
        engine = native.connect(self.dsn)
        kind = native.kind_of(self.dsn)
        classifier = get_classifier()
        try:
            with Sampler(engine) as sampler:
                for done, (fqn, names) in enumerate(targets.items(), start=1):
                    self._scan_table(sampler, classifier, kind, fqn, names)
                    ScanRun.objects.filter(pk=self.scan.pk).update(
                        progress_done=done, message=fqn[-255:]
                    )
        finally:
            engine.dispose()

    def summary(self) -> dict[str, Any]:
        return {
            **dict(self.stats),
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
            "methods": dict(self.methods),
            "errors": self.errors[:50],
        }

    def _scan_table(
        self, sampler: Sampler, classifier: Any, kind: str, fqn: str, names: list[str] | None
    ) -> None:
        table = (
            Asset.objects.filter(source=self.scan.source, fqn=fqn, deleted_at__isnull=True)
            .select_related("parent")
            .first()
        )
        if table is None:
            self.errors.append({"table": fqn, "error": "table no longer in the catalog"})
            return
        columns = _columns(table, names)
        if not columns:
            return
        started = time.perf_counter()
        try:
            sample = sampler.sample(_table_ref(table, columns, kind))
        except Exception as exc:
            self.errors.append({"table": fqn, "error": native.safe_error(exc, self.dsn)})
            self.stats["tables_failed"] += 1
            return
        finally:
            self.seconds["sampling"] += time.perf_counter() - started
        self.methods[sample.method] += 1
        started = time.perf_counter()
        results = classifier.classify_many(
            ColumnSample(
                name=c.name,
                values=sample.values.get(c.name, []),
                table=table.name,
                comment=c.comment or c.description or None,
                data_type=c.data_type or None,
            )
            for c in columns
        )
        self.seconds["classification"] += time.perf_counter() - started
        started = time.perf_counter()
        self._apply(columns, results, sample.method)
        self.seconds["writing"] += time.perf_counter() - started
        self.stats["tables"] += 1
        self.stats["columns"] += len(columns)
        self.stats["pii_columns"] += sum(1 for r in results if r.entity)

    def _apply(self, columns: list[Asset], results: list[ColumnResult], method: str) -> None:
        with transaction.atomic():
            rows: dict[int, dict[str, Classification]] = {}
            for row in Classification.objects.select_for_update().filter(
                asset__in=columns, source=LabelSource.DETECTED
            ):
                rows.setdefault(row.asset_id, {})[row.entity] = row
            manual: dict[int, set[str]] = {}
            for asset_id, entity in Classification.objects.filter(
                asset__in=columns, source=LabelSource.MANUAL, status__in=ACTIVE
            ).values_list("asset_id", "entity"):
                manual.setdefault(asset_id, set()).add(entity)
            changed: list[Asset] = []
            for column, result in zip(columns, results, strict=True):
                mine = rows.get(column.pk, {})
                explanation = result.explain() if result.entity else ""
                verdict = Verdict(result.entity, result.score, explanation)
                actions = decide(
                    [_existing(r) for r in mine.values()],
                    verdict,
                    manual=manual.get(column.pk, ()),
                )
                for action in actions:
                    self._act(action, column, mine.get(action.entity), result, verdict, method)
                if actions:
                    changed.append(column)
            if changed:
                search.index_assets(changed)

    def _act(
        self,
        action: Action,
        column: Asset,
        row: Classification | None,
        result: ColumnResult,
        verdict: Verdict,
        method: str,
    ) -> None:
        scan_id = self.scan.pk
        self.stats[action.kind] += 1
        if action.kind == "create":
            row = Classification(
                asset=column,
                entity=action.entity,
                source=LabelSource.DETECTED,
                status=ClassificationStatus.PROPOSED,
            )
        assert row is not None
        before = {"status": row.status, "score": row.confidence}
        if action.kind in ("create", "refresh", "reraise"):
            history = {k: v for k, v in (row.evidence or {}).items() if k in ("rejected",)}
            row.confidence = verdict.score
            row.explanation = verdict.explanation
            row.evidence = {**evidence_of(result, scan_id=scan_id, method=method), **history}
            if action.kind == "reraise":
                row.status = ClassificationStatus.PROPOSED
                row.evidence["reraised"] = {"reason": action.reason, "scan_run": scan_id}
        elif action.kind == "withdraw":
            row.status = ClassificationStatus.WITHDRAWN
            row.evidence = {
                **(row.evidence or {}),
                "withdrawn": {"reason": action.reason, "scan_run": scan_id, "at": _now()},
            }
        elif action.kind == "flag":
            row.evidence = {
                **(row.evidence or {}),
                "review": {
                    "flag": "no_longer_detected",
                    "reason": action.reason,
                    "scan_run": scan_id,
                },
            }
        row.save()
        changes: dict[str, Any] = {"entity": row.entity, "scan_run": scan_id}
        if action.kind == "create":
            changes["score"] = row.confidence
        else:
            changes["before"] = before
            changes["after"] = {"status": row.status, "score": row.confidence}
        if action.reason:
            changes["reason"] = action.reason
        verb = {"create": "detect"}.get(action.kind, action.kind)
        audit.record(action=f"privacy.classification.{verb}", obj=column, changes=changes)


def _now() -> str:
    return timezone.now().isoformat()


def execute(scan: ScanRun, dsn: str) -> ScanRun:
    """Run ``scan`` (status running -> succeeded/failed) and return it refreshed."""
    ScanRun.objects.filter(pk=scan.pk).update(
        status=RunStatus.RUNNING, started_at=timezone.now(), message="starting"
    )
    runner = ScanRunner(scan, dsn)
    error = ""
    try:
        runner.run()
    except native.SourceError as exc:
        error = str(exc)
    except Exception as exc:  # report, never leave a run stuck in "running"
        error = f"{type(exc).__name__}: {native.safe_error(exc, dsn)}"
    with transaction.atomic():
        scan.refresh_from_db()
        scan.status = RunStatus.FAILED if error else RunStatus.SUCCEEDED
        scan.error = error
        scan.stats = runner.summary()
        scan.finished_at = timezone.now()
        scan.message = "failed" if error else "done"
        if not error:
            scan.progress_done = scan.progress_total
        scan.save()
        audit.record(
            action=f"privacy.scan.{scan.status}",
            obj=scan,
            object_repr=f"scan {scan.pk} of {scan.source.name}",
            changes={"error": error} if error else {"stats": scan.stats},
        )
    return scan
