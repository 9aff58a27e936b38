"""Load test: search, lineage and governed queries at once against the production stack.

Starts the production stack on loopback (gunicorn with ``deploy/gunicorn.conf.py``, RQ
workers on Redis, PostgreSQL, ``custos.settings.production``: the harness of the ops
tests, its own database and Redis db, removed afterwards), loads the small demo, then
drives it with an asyncio HTTP client: ``--users`` virtual users per step, each looping
over a weighted mix for ``--seconds`` seconds:

* ``search``     GET /api/v1/search?q=<word>             (admin token)      40 %
* ``lineage``    GET /api/v1/lineage/<mart>?depth=5       (analyst token)   30 %
* ``query``      POST /api/v1/query with masks + filter  (analyst token)   20 %
* ``table``      GET /api/v1/tables/<fqn>                (analyst token)   10 %

Prints per endpoint: requests, errors, throughput, p50/p95/p99 latency; the total
throughput; and the peak RSS of the web processes. Loopback only, bounded in time.

Run::  .venv/bin/python bench/load_test.py [--users 8,32] [--seconds 20] [--web-workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.ops.prodstack import DEMO_SOURCE, ProdStack, services_available  # noqa: E402

WORDS = ["passenger", "email", "booking", "flight", "loyalty", "payment", "crew", "mart", "phone"]
QUERIES = [
    "SELECT first_name, email, phone FROM raw_passengers LIMIT 50",
    "SELECT lower(email), count(*) FROM raw_passengers GROUP BY 1 ORDER BY 2 DESC LIMIT 20",
    "SELECT p.email, b.status FROM raw_passengers p JOIN raw_bookings b "
    "ON b.passenger_id = p.passenger_id LIMIT 100",
]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else 0.0


def rss_peak_mb(stack: ProdStack) -> float:
    """Largest VmHWM among the stack's gunicorn processes."""
    peak = 0
    for pid_dir in Path("/proc").iterdir():
        if not pid_dir.name.isdigit():
            continue
        try:
            env = (pid_dir / "environ").read_bytes()
            cmd = (pid_dir / "cmdline").read_bytes()
            status = (pid_dir / "status").read_text()
        except OSError:
            continue
        if f"CUSTOS_PRODSTACK_ID={stack.id}".encode() not in env or b"gunicorn" not in cmd:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]))
    return peak / 1024


def discover(stack: ProdStack) -> dict[str, list[str]]:
    tables = stack.api("GET", "/search", params={"q": "mart", "type": "table"}).json()
    marts = [r["fqn"] for r in tables["results"] if r["fqn"].startswith(DEMO_SOURCE + ".")]
    raw = stack.api("GET", "/search", params={"q": "raw", "type": "table"}).json()
    raws = [r["fqn"] for r in raw["results"] if r["fqn"].startswith(DEMO_SOURCE + ".")]
    if not marts or not raws:
        raise SystemExit(f"demo catalog not found: {tables} {raw}")
    return {"marts": marts, "tables": marts + raws}


async def user_loop(
    client: httpx.AsyncClient,
    tokens: dict[str, dict[str, str]],
    targets: dict[str, list[str]],
    until: float,
    seed: int,
    results: dict[str, list[float]],
    errors: dict[str, list[str]],
) -> None:
    rng = random.Random(seed)
    mix = [("search", 0.4), ("lineage", 0.3), ("query", 0.2), ("table", 0.1)]
    while time.monotonic() < until:
        roll, acc, kind = rng.random(), 0.0, "table"
        for name, weight in mix:
            acc += weight
            if roll <= acc:
                kind = name
                break
        if kind == "search":
            req = client.build_request(
                "GET", "/api/v1/search", params={"q": rng.choice(WORDS)}, headers=tokens["admin"]
            )
        elif kind == "lineage":
            fqn = rng.choice(targets["marts"])
            req = client.build_request(
                "GET", f"/api/v1/lineage/{fqn}", params={"depth": "5"}, headers=tokens["alice"]
            )
        elif kind == "query":
            body = {"source": DEMO_SOURCE, "sql": rng.choice(QUERIES), "limit": 100}
            req = client.build_request("POST", "/api/v1/query", json=body, headers=tokens["alice"])
        else:
            fqn = rng.choice(targets["tables"])
            req = client.build_request("GET", f"/api/v1/tables/{fqn}", headers=tokens["alice"])
        started = time.perf_counter()
        try:
            resp = await client.send(req)
            ok = resp.status_code == 200
            detail = f"{resp.status_code} {resp.text[:120]}"
        except httpx.HTTPError as exc:
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        elapsed = (time.perf_counter() - started) * 1000
        if ok:
            results[kind].append(elapsed)
        else:
            errors[kind].append(detail)


async def run_step(
    stack: ProdStack,
    tokens: dict[str, dict[str, str]],
    targets: dict[str, list[str]],
    users: int,
    secs: int,
) -> dict[str, Any]:
    results: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, list[str]] = defaultdict(list)
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=60, limits=limits) as client:
        until = time.monotonic() + secs
        started = time.perf_counter()
        await asyncio.gather(
            *(user_loop(client, tokens, targets, until, i, results, errors) for i in range(users))
        )
        wall = time.perf_counter() - started
    return {"results": results, "errors": errors, "wall": wall}


def report(users: int, step: dict[str, Any]) -> None:
    results, errors, wall = step["results"], step["errors"], step["wall"]
    print(f"\n{users} concurrent users, {wall:.1f} s")
    print(
        f"  {'endpoint':<10} {'ok':>7} {'errors':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
    )
    total = 0
    for kind in ("search", "lineage", "query", "table"):
        times = results.get(kind, [])
        total += len(times)
        p50 = statistics.median(times) if times else 0.0
        print(
            f"  {kind:<10} {len(times):>7} {len(errors.get(kind, [])):>7} {len(times) / wall:>8.1f} "
            f"{p50:>8.1f} {pct(times, 95):>8.1f} {pct(times, 99):>8.1f}"
        )
    all_times = [t for v in results.values() for t in v]
    n_err = sum(len(v) for v in errors.values())
    print(
        f"  {'all':<10} {total:>7} {n_err:>7} {total / wall:>8.1f} "
        f"{statistics.median(all_times) if all_times else 0:>8.1f} {pct(all_times, 95):>8.1f} "
        f"{pct(all_times, 99):>8.1f}"
    )
    for kind, errs in errors.items():
        print(f"  first {kind} error: {errs[0]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", default="8,32", help="comma list of concurrency steps")
    parser.add_argument("--seconds", type=int, default=20, help="per step")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--web-threads", type=int, default=4, help="threads per web worker")
    args = parser.parse_args()
    if not services_available():
        raise SystemExit("needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379")
    with tempfile.TemporaryDirectory(prefix="custos-load-") as tmp:
        stack = ProdStack(Path(tmp), web_workers=args.web_workers, web_threads=args.web_threads)
        try:
            t0 = time.perf_counter()
            stack.start(workers=1)
            print(
                f"production stack up in {time.perf_counter() - t0:.0f} s: gunicorn "
                f"{args.web_workers} workers x {args.web_threads} threads, PostgreSQL, Redis/RQ"
            )
            alice = stack.manage("create_token", "alice", "--name", "load", "--days", "1")
            tokens = {
                "admin": {"Authorization": f"Token {stack.token}"},
                "alice": {"Authorization": f"Token {alice.strip().splitlines()[-1]}"},
            }
            targets = discover(stack)
            for users in [int(u) for u in args.users.split(",") if u.strip()]:
                step = asyncio.run(run_step(stack, tokens, targets, users, args.seconds))
                report(users, step)
            print(f"\npeak RSS of a web process: {rss_peak_mb(stack):.0f} MB")
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
