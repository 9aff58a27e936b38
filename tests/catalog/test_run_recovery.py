"""Ingestion runs survive lost workers: one claim at a time, stale runs requeued once,
bounded attempts, a worker that lost its claim applies nothing.

The production-stack versions (a real worker killed, PostgreSQL restarted) are in
tests/ops/test_prod_faults.py.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone

from audit.models import AuditEvent
from catalog import services
from catalog.checks import check_run_recovery
from catalog.models import Asset, IngestionRun, RunStatus, Source
from catalog.tasks import ingest_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def source(admin: Any, demo_sqlite: str) -> Source:
    return services.create_source(actor=admin, name="air", dsn=demo_sqlite)


@pytest.fixture
def run(admin: Any, source: Source) -> IngestionRun:
    return services.start_ingestion(actor=admin, source=source)


def _silent_for(run: IngestionRun, seconds: int) -> None:
    IngestionRun.objects.filter(pk=run.pk).update(
        heartbeat_at=timezone.now() - timedelta(seconds=seconds)
    )


def _jobs(callbacks: list[Any]) -> list[Any]:
    """The ingestion jobs among on-commit callbacks (audit registers its own)."""
    return [cb for cb in callbacks if getattr(cb, "func", None) == ingest_source.enqueue]


def _events(run: IngestionRun, action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, object_id=str(run.pk)))


def test_a_queued_run_is_claimed_by_one_worker_only(run: IngestionRun) -> None:
    assert services.claim_run(run=run, worker="w1")
    assert not services.claim_run(run=run, worker="w2")
    run.refresh_from_db()
    assert (run.status, run.worker, run.attempts) == (RunStatus.RUNNING, "w1", 1)


@pytest.mark.django_db(transaction=True)  # the beat is written by another thread
def test_a_claimed_run_reports_a_heartbeat(admin: Any, demo_sqlite: str, settings: Any) -> None:
    settings.CUSTOS_RUN_STALE_SECONDS = 2  # a beat a second
    source = services.create_source(actor=admin, name="air", dsn=demo_sqlite)
    run = services.start_ingestion(actor=admin, source=source)
    services.claim_run(run=run, worker="w1")
    _silent_for(run, 60)

    with services.heartbeat(run=run, worker="w1"):
        time.sleep(1.6)

    run.refresh_from_db()
    assert run.heartbeat_at is not None
    assert timezone.now() - run.heartbeat_at < timedelta(seconds=2)


def test_a_job_for_a_run_that_is_not_queued_does_nothing(run: IngestionRun) -> None:
    services.claim_run(run=run, worker="w1")
    result = ingest_source.call(run.pk)
    assert result == {"status": "running", "skipped": True}
    run.refresh_from_db()
    assert run.worker == "w1" and run.attempts == 1


def test_a_run_whose_worker_went_silent_is_requeued_once(
    run: IngestionRun, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    services.claim_run(run=run, worker="w1")
    _silent_for(run, settings.CUSTOS_RUN_STALE_SECONDS + 1)

    with django_capture_on_commit_callbacks() as sent:
        report = services.recover_stale_runs()
    again = services.recover_stale_runs()

    assert report.requeued == [run.pk] and not again.requeued
    assert len(_jobs(sent)) == 1  # one job sent after commit
    run.refresh_from_db()
    assert (run.status, run.worker, run.attempts) == (RunStatus.QUEUED, "", 1)
    [event] = _events(run, "catalog.ingest.requeue")
    assert event.changes["reason"] == "worker lost" and event.changes["worker"] == "w1"


def test_the_requeued_run_completes_on_the_next_worker(
    run: IngestionRun, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    services.claim_run(run=run, worker="dead")
    _silent_for(run, settings.CUSTOS_RUN_STALE_SECONDS + 1)

    with django_capture_on_commit_callbacks(execute=True):  # the immediate backend runs it
        services.recover_stale_runs()

    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.attempts == 2 and run.worker != "dead"
    assert len(_events(run, "catalog.ingest.succeeded")) == 1


def test_a_live_run_is_left_alone(run: IngestionRun) -> None:
    services.claim_run(run=run, worker="w1")
    assert services.recover_stale_runs() == services.RecoveryReport()
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING and run.worker == "w1"


def test_a_run_out_of_attempts_fails(run: IngestionRun, settings: Any) -> None:
    services.claim_run(run=run, worker="w3")
    IngestionRun.objects.filter(pk=run.pk).update(attempts=settings.CUSTOS_INGEST_MAX_ATTEMPTS)
    _silent_for(run, settings.CUSTOS_RUN_STALE_SECONDS + 1)

    report = services.recover_stale_runs()

    assert report.failed == [run.pk]
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "Abandoned" in run.error
    assert len(_events(run, "catalog.ingest.failed")) == 1
    assert not _events(run, "catalog.ingest.requeue")


def test_a_lost_queued_job_is_sent_again_without_using_an_attempt(
    run: IngestionRun, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _silent_for(run, settings.CUSTOS_RUN_STALE_SECONDS + 1)
    with django_capture_on_commit_callbacks() as sent:
        report = services.recover_stale_runs()
    assert report.resent == [run.pk] and len(_jobs(sent)) == 1
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED and run.attempts == 0


def test_a_worker_that_lost_its_claim_applies_nothing(
    run: IngestionRun, source: Source, monkeypatch: pytest.MonkeyPatch
) -> None:
    read = services.native.read_source

    def read_then_lose_the_claim(*args: Any, **kwargs: Any) -> Any:
        snapshot = read(*args, **kwargs)
        # meanwhile the run was requeued and another worker claimed it
        IngestionRun.objects.filter(pk=run.pk).update(worker="w2", attempts=2)
        return snapshot

    monkeypatch.setattr(services.native, "read_source", read_then_lose_the_claim)

    result = services.run_ingestion(run=run, worker="w1")

    assert result.status == RunStatus.RUNNING and result.worker == "w2"
    assert not Asset.objects.filter(source=source, type="table").exists()
    assert not AuditEvent.objects.filter(action="catalog.source.ingest").exists()


def test_losing_the_database_mid_apply_hands_the_run_back(
    run: IngestionRun,
    source: Source,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    def connection_lost(**kwargs: Any) -> Any:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "apply_snapshot", connection_lost)

    with django_capture_on_commit_callbacks() as sent:
        result = services.run_ingestion(run=run, worker="w1")

    assert result.status == RunStatus.QUEUED and len(_jobs(sent)) == 1  # retried, not failed
    assert result.attempts == 1
    [event] = _events(run, "catalog.ingest.requeue")
    assert event.changes["reason"] == "database unavailable"
    assert not Asset.objects.filter(source=source, type="table").exists()


def test_recover_stale_runs_command_reports(
    run: IngestionRun, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    services.claim_run(run=run, worker="w1")
    _silent_for(run, settings.CUSTOS_RUN_STALE_SECONDS + 1)
    call_command("recover_stale_runs")
    out = capsys.readouterr().out
    assert "requeued 1" in out and f"run {run.pk}" in out
    [event] = _events(run, "catalog.ingest.requeue")
    assert event.channel == "cli:recover_stale_runs"


def test_recovery_settings_are_checked(settings: Any) -> None:
    settings.CUSTOS_RUN_STALE_SECONDS = 1
    settings.CUSTOS_INGEST_MAX_ATTEMPTS = 0
    assert {e.id for e in check_run_recovery(None)} == {"custos.E003", "custos.E004"}
