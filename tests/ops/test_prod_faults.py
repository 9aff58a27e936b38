"""Fault tests of the production stack: a worker killed mid-job and PostgreSQL restarted
mid-job. Each time the ingestion run ends succeeded, applied exactly once (every asset
once, one apply audit event), requeued once per loss, and the audit chain verifies.

The ingested source is a SQLite file of many wide tables, so the apply transaction lasts
seconds and the fault lands inside it (the run's message says "applying to catalog").
The stack runs with ``CUSTOS_RUN_STALE_SECONDS=5``.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.ops.prodstack import (
    ProdStack,
    make_wide_sqlite,
    postgres_down,
    postgres_ready,
    wait_for,
)

pytestmark = pytest.mark.prodstack

TABLES, COLUMNS = 400, 30  # + an id column each
RQ_ABANDON_STARTED_JOBS = """
import time
import django_rq
from django_tasks_rq import Job
from rq.registry import FailedJobRegistry, StartedJobRegistry
queue = django_rq.get_queue("default", job_class=Job)
StartedJobRegistry(queue=queue).cleanup(timestamp=time.time() + 86400)
print(len(FailedJobRegistry(queue=queue).get_job_ids()))
"""


def _ingest_wide_source(stack: ProdStack, name: str) -> int:
    dsn = make_wide_sqlite(stack.workdir / f"{name}.db", tables=TABLES, columns=COLUMNS)
    created = stack.api("POST", "/sources", json={"name": name, "dsn": dsn})
    assert created.status_code == 201, created.text
    started = stack.api("POST", f"/sources/{name}/ingest")
    assert started.status_code == 202, started.text
    run_id: int = started.json()["id"]
    return run_id


def _wait_for_apply(stack: ProdStack, run_id: int) -> dict[str, Any]:
    def applying() -> dict[str, Any] | None:
        row = stack.run_row(run_id)
        assert row["status"] in ("queued", "running"), row
        return row if row["message"] == "applying to catalog" else None

    row: dict[str, Any] = wait_for("the apply phase", applying, timeout=90, interval=0.05)
    return row


def _assert_applied_exactly_once(stack: ProdStack, name: str, run_id: int) -> dict[str, Any]:
    row = stack.run_row(run_id)
    assert row["status"] == "succeeded", row
    counts = dict(
        stack.sql(
            "SELECT a.type, count(*) FROM catalog_asset a JOIN catalog_source s"
            " ON s.id = a.source_id WHERE s.name = %s AND a.deleted_at IS NULL GROUP BY a.type",
            (name,),
        )
    )
    assert counts.get("table") == TABLES
    assert counts.get("column") == TABLES * (COLUMNS + 1)
    duplicates = stack.sql(
        "SELECT a.fqn FROM catalog_asset a JOIN catalog_source s ON s.id = a.source_id"
        " WHERE s.name = %s GROUP BY a.fqn HAVING count(*) > 1",
        (name,),
    )
    assert duplicates == []
    events = dict(
        stack.sql(
            "SELECT action, count(*) FROM audit_auditevent WHERE"
            " (object_type = 'ingestion_run' AND object_id = %s)"
            " OR (action = 'catalog.source.ingest' AND changes->>'run' = %s) GROUP BY action",
            (str(run_id), str(run_id)),
        )
    )
    assert events.get("catalog.source.ingest") == 1, events  # the apply, once
    assert events.get("catalog.ingest.succeeded") == 1, events
    assert events.get("catalog.ingest.requeue", 0) == row["attempts"] - 1, (events, row)
    assert "catalog.ingest.failed" not in events
    stack.manage("audit_verify")  # the live chain; exits non-zero (raising here) if broken
    return row


def test_killed_worker_run_is_requeued_once_and_completes(prodstack: ProdStack) -> None:
    stack = prodstack
    run_id = _ingest_wide_source(stack, "wide-killed")
    holder = _wait_for_apply(stack, run_id)["worker"]
    worker_name = holder.split("@", 1)[0]

    stack.kill_worker(worker_name)  # the worker and its work horse, kill -9, mid-transaction

    # Nothing of the killed attempt is in the catalog: the apply was one transaction.
    assets = stack.sql(
        "SELECT count(*) FROM catalog_asset a JOIN catalog_source s ON s.id = a.source_id"
        " WHERE s.name = 'wide-killed'"
    )
    assert assets == [(1,)]  # the source's own entry, created with the source
    replacement = stack.start_worker()

    finished = stack.wait_run(run_id, timeout=120)

    assert finished["status"] == "succeeded", (finished, stack.log_tail())
    row = _assert_applied_exactly_once(stack, "wide-killed", run_id)
    assert row["attempts"] == 2
    assert not row["worker"].startswith(worker_name + "@")
    # RQ, for its part, declares the killed job abandoned and never runs it again.
    failed_jobs = stack.manage("shell", "-c", RQ_ABANDON_STARTED_JOBS).strip().splitlines()[-1]
    assert failed_jobs == "1"
    time.sleep(2)
    assert stack.run_row(run_id)["attempts"] == 2
    assert replacement in stack.workers


def test_postgres_restart_mid_job(prodstack: ProdStack) -> None:
    stack = prodstack
    run_id = _ingest_wide_source(stack, "wide-restart")
    _wait_for_apply(stack, run_id)

    with postgres_down():
        unavailable = wait_for(
            "/readyz to report the database down",
            lambda: (r := stack.get("/readyz")).status_code == 503 and r,
            timeout=30,
        )
        assert unavailable.json()["status"] == "unavailable"
        assert stack.get("/healthz").status_code == 200  # the process itself is fine
        time.sleep(2)  # down across at least one heartbeat and recovery round

    assert postgres_ready()
    wait_for("/readyz to recover", lambda: stack.get("/readyz").status_code == 200, timeout=60)
    finished = stack.wait_run(run_id, timeout=150)

    assert finished["status"] == "succeeded", (finished, stack.log_tail())
    row = _assert_applied_exactly_once(stack, "wide-restart", run_id)
    # The apply in flight was rolled back with the lost connection and ran again.
    assert row["attempts"] == 2, row
