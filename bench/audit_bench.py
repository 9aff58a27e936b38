"""Audit trail bench: chained appends vs plain inserts, export and verification speed.

    .venv/bin/python bench/audit_bench.py [--backends sqlite,postgres] [--appends 2000]
                                          [--batch 100] [--events 1000000]

For each backend a fresh database is created (a SQLite file in a temp dir; a new
PostgreSQL database on 127.0.0.1, dropped afterwards) and Django runs in a subprocess with
DATABASE_URL and CUSTOS_DATA_DIR set. Measured there:

* append: ``audit.services.record`` (advisory lock / IMMEDIATE transaction, head read,
  hash, INSERT) vs a plain ORM INSERT of the same row into an identical table without
  chaining; one event per transaction, and ``--batch`` events per transaction (plain:
  individual INSERTs and one bulk INSERT). p50/p95 latency per transaction.
* ``--events`` chained events are then loaded (bulk, hashes computed in Python: setup,
  not measured as appends), and timed: live verification (``verify_live``), export of all
  of them into a signed bundle, offline bundle verification. Peak RSS after each phase.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# -- worker (runs inside Django) -------------------------------------------------------------


def _plain_model() -> Any:
    from django.db import connection, models

    from audit.models import AuditEvent

    table = "bench_plain_event"
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # LIKE copies columns, defaults, constraints and indexes; not triggers.
            cur.execute(f"CREATE TABLE {table} (LIKE audit_auditevent INCLUDING ALL)")
        else:
            cur.execute(
                "SELECT sql FROM sqlite_master WHERE tbl_name = 'audit_auditevent' AND sql IS NOT NULL"
            )
            for (sql,) in cur.fetchall():
                sql = sql.replace('"audit_auditevent"', f'"{table}"')
                sql = sql.replace('CREATE INDEX "', f'CREATE INDEX "{table}_')
                sql = sql.replace('CREATE UNIQUE INDEX "', f'CREATE UNIQUE INDEX "{table}_')
                cur.execute(sql)
    attrs: dict[str, Any] = {"__module__": "audit.models"}
    for field in AuditEvent._meta.local_fields:
        clone = field.clone()
        if isinstance(clone, models.ForeignKey):
            clone.remote_field.related_name = "+"
        attrs[field.name] = clone
    attrs["Meta"] = type("Meta", (), {"db_table": table, "managed": False, "app_label": "audit"})
    return type("BenchPlainEvent", (models.Model,), attrs)


def _row_kwargs(i: int) -> dict[str, Any]:
    return {
        "action": "bench.asset.update",
        "object_type": "asset",
        "object_id": str(i % 1000),
        "object_repr": f"air.main.public.table_{i % 1000}",
        "changes": {"description": {"before": "old text", "after": f"new text {i}"}},
    }


def _append_bench(n: int, batch: int) -> dict[str, Any]:
    import hashlib

    from django.db import transaction
    from django.utils import timezone

    from audit import services
    from custos import context

    plain = _plain_model()
    ctx = context.Context(actor_label="bench", channel="bench")
    out: dict[str, Any] = {}

    def plain_row(i: int) -> Any:
        kw = _row_kwargs(i)
        return plain(
            seq=i + 1,
            timestamp=timezone.now(),
            actor_label=ctx.actor_label,
            request_id=ctx.request_id,
            channel=ctx.channel,
            prev_hash="0" * 64,
            hash=hashlib.sha256(str(i).encode()).hexdigest(),
            **kw,
        )

    with context.use(ctx):
        # warm-up (connection, statement caches)
        for i in range(50):
            with transaction.atomic():
                services.record(**_row_kwargs(i))
        # Phases are interleaved (one transaction of each in turn) so that load from other
        # processes on a shared machine hits both sides alike.
        single: dict[str, list[float]] = {"chained": [], "plain": []}
        for i in range(n):
            for phase in ("chained", "plain"):
                t0 = time.perf_counter()
                with transaction.atomic():
                    if phase == "chained":
                        services.record(**_row_kwargs(i))
                    else:
                        plain_row(10_000_000 + i).save()
                single[phase].append(time.perf_counter() - t0)
        for phase, lat in single.items():
            out[f"single_{phase}"] = {
                "events_per_s": n / sum(lat),
                "p50_ms": _pct(lat, 0.5) * 1000,
                "p95_ms": _pct(lat, 0.95) * 1000,
            }
        rounds = max(1, n // batch)
        batched: dict[str, list[float]] = {"chained": [], "plain": [], "plain_bulk": []}
        for r in range(rounds):
            for phase in batched:
                base = {"chained": 0, "plain": 20_000_000, "plain_bulk": 30_000_000}[phase]
                t0 = time.perf_counter()
                with transaction.atomic():
                    if phase == "chained":
                        for i in range(batch):
                            services.record(**_row_kwargs(i))
                    elif phase == "plain":
                        for i in range(batch):
                            plain_row(base + r * batch + i).save()
                    else:
                        plain.objects.bulk_create(
                            [plain_row(base + r * batch + i) for i in range(batch)]
                        )
                batched[phase].append(time.perf_counter() - t0)
        for phase, lat in batched.items():
            out[f"batch_{phase}"] = {
                "events_per_s": rounds * batch / sum(lat),
                "p50_ms": _pct(lat, 0.5) * 1000,
                "p95_ms": _pct(lat, 0.95) * 1000,
            }
    out["rss_mb"] = _rss_mb()
    return out


def _load_events(total: int) -> float:
    """Bulk-load ``total`` chained events after the current head (setup for the big runs)."""
    from datetime import UTC, datetime, timedelta

    from django.db import transaction

    from audit import chain, services
    from audit.models import AuditEvent, event_body

    start = time.perf_counter()
    with transaction.atomic():
        seq, prev = services._lock_and_read_head()
    t0 = datetime(2020, 1, 1, tzinfo=UTC)
    chunk = 5000
    done = 0
    while done < total:
        rows = []
        for _ in range(min(chunk, total - done)):
            seq += 1
            kw = _row_kwargs(seq)
            ts = t0 + timedelta(milliseconds=seq)
            body = event_body(
                seq,
                ts,
                None,
                "bench",
                kw["action"],
                kw["object_type"],
                kw["object_id"],
                kw["object_repr"],
                kw["changes"],
                "req",
                None,
                "bench",
            )
            h = chain.link_hash(prev, body)
            rows.append(
                AuditEvent(
                    seq=seq,
                    timestamp=ts,
                    actor_label="bench",
                    request_id="req",
                    channel="bench",
                    prev_hash=prev,
                    hash=h,
                    **kw,
                )
            )
            prev = h
        with transaction.atomic():
            AuditEvent.objects.bulk_create(rows)
        done += len(rows)
    return time.perf_counter() - start


def _big_bench(total: int, data_dir: Path) -> dict[str, Any]:
    from audit import exports, keyfiles, services
    from audit.chain.bundle import verify_bundle
    from audit.models import AuditEvent

    out: dict[str, Any] = {"load_s": _load_events(total)}
    head = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    services.seal()
    t = time.perf_counter()
    result = services.verify_live()
    elapsed = time.perf_counter() - t
    assert result.ok, result.summary()
    out["verify_live"] = {
        "events": result.checked,
        "s": elapsed,
        "events_per_s": result.checked / elapsed,
        "rss_mb": _rss_mb(),
    }
    path = data_dir / "bench-export.zip"
    t = time.perf_counter()
    manifest = exports.write_range(
        path, first_seq=1, last_seq=head, predicate=None, metadata={"scope": {"kind": "all"}}
    )
    elapsed = time.perf_counter() - t
    count = manifest["events"]["count"]
    out["export"] = {
        "events": count,
        "s": elapsed,
        "events_per_s": count / elapsed,
        "bundle_mb": path.stat().st_size / 1e6,
        "rss_mb": _rss_mb(),
    }
    t = time.perf_counter()
    check = verify_bundle(path, trusted_keys=keyfiles.public_keys())
    elapsed = time.perf_counter() - t
    assert check.ok, check.summary()
    out["verify_bundle"] = {
        "events": check.events,
        "s": elapsed,
        "events_per_s": check.events / elapsed,
        "rss_mb": _rss_mb(),
    }
    return out


def worker(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "custos.settings")
    import logging

    import django

    django.setup()
    logging.disable(logging.WARNING)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    result: dict[str, Any] = {"vendor": connection.vendor}
    result["append"] = _append_bench(args.appends, args.batch)
    if args.events:
        result["big"] = _big_bench(args.events, Path(os.environ["CUSTOS_DATA_DIR"]))
    result["peak_rss_mb"] = _rss_mb()
    print("RESULT " + json.dumps(result))


# -- driver -------------------------------------------------------------------------------------


def _run_backend(backend: str, args: argparse.Namespace) -> dict[str, Any] | None:
    tmp = Path(tempfile.mkdtemp(prefix=f"custos-audit-bench-{backend}-"))
    # DEBUG off: Django would otherwise keep every SQL string (and skew peak memory).
    env = {
        **os.environ,
        "CUSTOS_DATA_DIR": str(tmp),
        "PYTHONPATH": str(ROOT),
        "CUSTOS_DEBUG": "false",
        "CUSTOS_SECRET_KEY": "bench-only-" + uuid.uuid4().hex,
    }
    dbname = None
    if backend == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    else:
        import psycopg

        dbname = f"custos_audit_bench_{uuid.uuid4().hex[:8]}"
        try:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{dbname}"')
        except psycopg.OperationalError as exc:
            print(f"postgres: skipped ({exc})")
            return None
        env["DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:5432/{dbname}"
    try:
        cmd = [
            sys.executable,
            __file__,
            "--worker",
            "--appends",
            str(args.appends),
            "--batch",
            str(args.batch),
            "--events",
            str(args.events),
        ]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            print(f"{backend}: worker failed\n{proc.stderr[-3000:]}")
            return None
        line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT "))
        return json.loads(line[len("RESULT ") :])
    finally:
        if dbname:
            import psycopg

            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)


def report(backend: str, r: dict[str, Any], args: argparse.Namespace) -> None:
    a = r["append"]
    print(f"\n== {backend} ({r['vendor']}) ==")
    print(f"append, 1 event per transaction ({args.appends} transactions):")
    for k in ("single_chained", "single_plain"):
        v = a[k]
        print(
            f"  {k:<16} {v['events_per_s']:>9.0f} ev/s   p50 {v['p50_ms']:.3f} ms   p95 {v['p95_ms']:.3f} ms"
        )
    ratio = a["single_plain"]["events_per_s"] / a["single_chained"]["events_per_s"]
    print(f"  chaining cost: {ratio:.2f}x plain (target < 1.5x) {'OK' if ratio < 1.5 else 'OVER'}")
    print(f"append, {args.batch} events per transaction:")
    for k in ("batch_chained", "batch_plain", "batch_plain_bulk"):
        v = a[k]
        print(
            f"  {k:<16} {v['events_per_s']:>9.0f} ev/s   p50 {v['p50_ms']:.3f} ms/txn   p95 {v['p95_ms']:.3f} ms/txn"
        )
    ratio_b = a["batch_plain"]["events_per_s"] / a["batch_chained"]["events_per_s"]
    ratio_bulk = a["batch_plain_bulk"]["events_per_s"] / a["batch_chained"]["events_per_s"]
    print(f"  chaining cost: {ratio_b:.2f}x individual INSERTs, {ratio_bulk:.2f}x one bulk INSERT")
    big = r.get("big")
    if big:
        print(f"{big['verify_live']['events']:,} events (bulk-loaded in {big['load_s']:.0f} s):")
        for k, label in (
            ("verify_live", "live verification"),
            ("export", "export to bundle"),
            ("verify_bundle", "bundle verification (offline)"),
        ):
            v = big[k]
            extra = f"   bundle {v['bundle_mb']:.0f} MB" if "bundle_mb" in v else ""
            print(
                f"  {label:<30} {v['s']:>7.1f} s   {v['events_per_s']:>9.0f} ev/s"
                f"   peak RSS {v['rss_mb']:.0f} MB{extra}"
            )
    print(f"  peak RSS of the worker: {r['peak_rss_mb']:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--appends", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    print(f"Custos audit bench · python {sys.version.split()[0]} · {os.cpu_count()} CPUs")
    for backend in args.backends.split(","):
        result = _run_backend(backend.strip(), args)
        if result:
            report(backend, result, args)


if __name__ == "__main__":
    main()
