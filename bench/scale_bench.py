"""Scale-out bench: ingestion + PII scan throughput with 1, 2 and 4 RQ workers.

Starts the production stack on loopback (gunicorn, RQ workers on Redis, PostgreSQL,
``custos.settings.production``; the ops tests' harness, private database and Redis db),
builds one synthetic source (``--tables`` tables x ``--columns`` columns x ``--rows`` rows
of names, e-mails, phones, dates, codes, amounts) and copies it to ``--sources`` SQLite
files. For each worker count it registers the copies as fresh sources, queues one
ingestion per source through the REST API at once, and times until every ingestion has
finished; then queues a full PII scan per source at once and times until every scan has
finished.

Prints per worker count: wall times, columns/s ingested and scanned, the speed-up of each
over one worker and the efficiency (speed-up / workers), and the machine's CPU count:
workers on one machine cannot scale past its cores.

Run::  .venv/bin/python bench/scale_bench.py [--workers 1,2,4] [--sources 8]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.ops.prodstack import ProdStack, services_available, wait_for  # noqa: E402

FIRST = ["Ana", "Budi", "Chen", "Dewi", "Emma", "Farid", "Grace", "Hiro", "Ines", "Jonas"]
LAST = ["Santoso", "Müller", "Okafor", "Tanaka", "Silva", "Novak", "Haddad", "Larsen"]
KINDS = ["email", "phone", "first_name", "birth_date", "order_code", "amount", "status", "note"]


def value(kind: str, rng: random.Random, i: int) -> Any:
    if kind == "email":
        return f"{rng.choice(FIRST).lower()}.{rng.choice(LAST).lower()}{i}@example.com"
    if kind == "phone":
        return f"+44 20 7{rng.randint(100, 999)} {rng.randint(1000, 9999)}"
    if kind == "first_name":
        return rng.choice(FIRST)
    if kind == "birth_date":
        return f"19{rng.randint(50, 99)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if kind == "order_code":
        return f"ORD{rng.randint(10**9, 10**10 - 1)}"
    if kind == "amount":
        return round(rng.uniform(5, 2000), 2)
    if kind == "status":
        return rng.choice(["open", "closed", "pending"])
    return rng.choice(["ok", "call back", "n/a", "priority"])


def build_source(path: Path, tables: int, columns: int, rows: int) -> int:
    rng = random.Random(7)
    conn = sqlite3.connect(path)
    total = 0
    for t in range(tables):
        kinds = [KINDS[(t + c) % len(KINDS)] for c in range(columns)]
        names = [f"{k}_{c}" for c, k in enumerate(kinds)]
        cols = ", ".join(f'"{n}" TEXT' for n in names)
        conn.execute(f"CREATE TABLE t{t:04d} (id INTEGER PRIMARY KEY, {cols})")
        marks = ", ".join("?" * (columns + 1))
        conn.executemany(
            f"INSERT INTO t{t:04d} VALUES ({marks})",
            [[i, *(value(k, rng, i) for k in kinds)] for i in range(rows)],
        )
        total += columns + 1
    conn.commit()
    conn.close()
    return total


def run_step(
    stack: ProdStack, template: Path, workers: int, n_sources: int, step: int
) -> dict[str, Any]:
    names = [stack.start_worker(wait=False) for _ in range(workers)]
    for name in names:
        stack.wait_worker(name)
    sources = []
    for i in range(n_sources):
        path = stack.workdir / f"src-{step}-{i}.db"
        shutil.copyfile(template, path)
        name = f"scale-{step}-{i}"
        resp = stack.api("POST", "/sources", json={"name": name, "dsn": f"sqlite:///{path}"})
        assert resp.status_code == 201, resp.text
        sources.append(name)
    started = time.perf_counter()
    runs = []
    for name in sources:
        resp = stack.api("POST", f"/sources/{name}/ingest")
        assert resp.status_code in (200, 201, 202), resp.text
        runs.append(resp.json()["id"])
    for run in runs:
        body = stack.wait_run(run, timeout=1800)
        assert body["status"] == "succeeded", body
    ingested = time.perf_counter() - started
    started = time.perf_counter()  # a first ingestion queues no scan: start full scans
    for name in sources:
        resp = stack.api("POST", "/privacy/scans", json={"source": name})
        assert resp.status_code in (200, 201, 202), resp.text

    def scans_done() -> bool:
        placeholders = ",".join(["%s"] * len(sources))
        rows = stack.sql(
            "SELECT r.status FROM privacy_scanrun r JOIN catalog_source s ON s.id = r.source_id "
            f"WHERE s.name IN ({placeholders})",
            tuple(sources),
        )
        return len(rows) >= len(sources) and all(r[0] in ("succeeded", "failed") for r in rows)

    wait_for("the scans", scans_done, timeout=1800, interval=0.5)
    scanned = time.perf_counter() - started
    failed = stack.sql(
        "SELECT count(*) FROM privacy_scanrun r JOIN catalog_source s ON s.id = r.source_id "
        f"WHERE s.name LIKE 'scale-{step}-%%' AND r.status = 'failed'"
    )[0][0]
    for name in names:
        stack.kill_worker(name)
    return {"ingest_s": ingested, "scan_s": scanned, "failed_scans": failed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--sources", type=int, default=8)
    parser.add_argument("--tables", type=int, default=40)
    parser.add_argument("--columns", type=int, default=24)
    parser.add_argument("--rows", type=int, default=200)
    args = parser.parse_args()
    if not services_available():
        raise SystemExit("needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379")
    counts = [int(w) for w in args.workers.split(",") if w.strip()]
    with tempfile.TemporaryDirectory(prefix="custos-scale-") as tmp:
        stack = ProdStack(Path(tmp))
        try:
            template = Path(tmp) / "template.db"
            per_source = build_source(template, args.tables, args.columns, args.rows)
            total = per_source * args.sources
            stack.start(workers=0)
            print(
                f"{args.sources} sources x {args.tables} tables x {args.columns + 1} columns "
                f"({total:,} columns, {args.rows} rows per table); machine CPUs: {os.cpu_count()}"
            )
            print(
                f"\n{'workers':>7} {'ingest s':>9} {'col/s':>8} {'speed-up':>9} {'effic.':>7} "
                f"{'scan s':>8} {'col/s':>8} {'speed-up':>9} {'effic.':>7}"
            )
            base: tuple[float, float] | None = None
            for step, workers in enumerate(counts):
                res = run_step(stack, template, workers, args.sources, step)
                ingest, scan = total / res["ingest_s"], total / res["scan_s"]
                base = base or (ingest, scan)
                up_i, up_s = ingest / base[0], scan / base[1]
                print(
                    f"{workers:>7} {res['ingest_s']:>9.1f} {ingest:>8,.0f} {up_i:>8.2f}x "
                    f"{up_i / workers:>7.0%} {res['scan_s']:>8.1f} {scan:>8,.0f} {up_s:>8.2f}x "
                    f"{up_s / workers:>7.0%}"
                    + (f"  ({res['failed_scans']} scans failed)" if res["failed_scans"] else "")
                )
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
