"""Concurrent writers never fork the chain (PostgreSQL threads; SQLite processes)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection, connections, transaction

from audit import services
from audit.models import AuditEvent

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="threads with separate connections need a server database",
)
def test_parallel_writers_on_postgresql_keep_one_chain() -> None:
    threads, per_thread = 8, 25
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def writer(n: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                with transaction.atomic():
                    services.record(action=f"test.concurrent.{n}", changes={"i": i})
                    if i % 5 == 0:  # several events in one transaction, interleaved
                        services.record(action=f"test.concurrent.{n}.extra")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert not errors, errors
    expected = threads * (per_thread + per_thread // 5)
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, expected + 1))
    result = services.verify_live()
    assert result.ok, result.summary()
    assert result.checked == expected


@pytest.mark.skipif(
    "connection.vendor != 'sqlite'", reason="the SQLite file test runs in the SQLite suite"
)
def test_parallel_processes_on_sqlite_keep_one_chain(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'chain.sqlite3'}",
        "CUSTOS_DATA_DIR": str(tmp_path / "data"),
        "DJANGO_SETTINGS_MODULE": "custos.settings",
        "PYTHONPATH": str(ROOT),
    }
    run = lambda *args: subprocess.run(  # noqa: E731
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    migrated = run("manage.py", "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    procs = [
        subprocess.Popen(
            [sys.executable, "tests/audit/_chain_writer.py", "40", str(n)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    verified = run("manage.py", "audit_verify")
    assert verified.returncode == 0, verified.stderr
    assert "OK: 160 records intact (seq 1..160)" in verified.stdout


def test_vendor_is_known() -> None:
    assert connection.vendor in {"sqlite", "postgresql", "mysql"}
