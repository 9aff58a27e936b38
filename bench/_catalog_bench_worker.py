"""One backend's run of the catalog bench (helper of ``bench/catalog_bench.py``).

Started as ``python bench/_catalog_bench_worker.py CONFIG_JSON OUT_FILE`` with
``DATABASE_URL`` and ``CUSTOS_DATA_DIR`` pointing at a fresh, empty Custos database.
Migrates, ingests the generated source twice (first ingest, then a no-change drift
check), tags PII-like columns, grants a restricted user some tables, runs the searches
and writes the figures as JSON to OUT_FILE. Progress goes to stderr. With ``"reuse": true``
the database is one this worker filled before: it is migrated, the source is only read
(for the query mix) and the searches run again.
"""

from __future__ import annotations

import cProfile
import io
import json
import math
import os
import pstats
import random
import re
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "custos.settings")
os.environ.setdefault("CUSTOS_DEBUG", "0")  # production-like: no SQL kept in memory
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from guardian.shortcuts import assign_perm  # noqa: E402

from catalog import search, services  # noqa: E402
from catalog.ingest import native  # noqa: E402
from catalog.ingest.apply import apply_snapshot  # noqa: E402
from catalog.ingest.snapshot import SourceSnap  # noqa: E402
from catalog.models import Asset, AssetType, Source, Tag, TagAssignment  # noqa: E402
from custos.context import command_context  # noqa: E402

Query = dict[str, str]
START = time.perf_counter()


def log(message: str) -> None:
    print(f"  [{connection.vendor} {time.perf_counter() - START:7.1f}s] {message}", file=sys.stderr)
    sys.stderr.flush()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return 0.0
    index = max(0, min(len(sorted_values) - 1, math.ceil(p * len(sorted_values)) - 1))
    return sorted_values[index]


def ingest(source: Source, url: str, profile_to: str = "") -> tuple[dict[str, Any], SourceSnap]:
    c0, t0 = time.process_time(), time.perf_counter()
    snap = native.read_source(url)
    c1, t1 = time.process_time(), time.perf_counter()
    profiler = cProfile.Profile() if profile_to else None
    if profiler:
        profiler.enable()
    stats = apply_snapshot(source=source, snapshot=snap)
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile_to)
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
        print(out.getvalue(), file=sys.stderr)
    c2, t2 = time.process_time(), time.perf_counter()
    counts = snap.counts()
    changes = sum(stats.created.values()) + stats.updated + stats.deleted + stats.drift
    figures = {
        "read_s": t1 - t0,
        "apply_s": t2 - t1,
        "total_s": t2 - t0,
        "read_cpu_s": c1 - c0,
        "apply_cpu_s": c2 - c1,
        "cpu_columns_per_s": counts["columns"] / max(c2 - c0, 1e-9),
        "tables_per_s": counts["tables"] / (t2 - t0),
        "columns_per_s": counts["columns"] / (t2 - t0),
        "read_columns_per_s": counts["columns"] / (t1 - t0),
        "apply_columns_per_s": counts["columns"] / (t2 - t1),
        "assets": sum(stats.created.values()),
        "changes": changes,
        "stats": stats.as_dict(),
        "peak_rss_mb": peak_rss_mb(),
        **counts,
    }
    return figures, snap


def tag_pii(pii_columns: list[str]) -> dict[str, Any]:
    """Tag PII-like columns ``pii`` in bulk and refresh their search entries."""
    t0 = time.perf_counter()
    pattern = re.compile(r"^(" + "|".join(map(re.escape, pii_columns)) + r")(_\d+)?$")
    with transaction.atomic():
        tag = Tag.objects.create(name="pii", description="Personal data (bench)")
        columns = [
            a
            for a in Asset.objects.filter(type=AssetType.COLUMN).only(
                "id", "type", "source", "fqn", "name", "description", "deleted_at"
            )
            if pattern.match(a.name)
        ]
        TagAssignment.objects.bulk_create(
            [TagAssignment(asset=a, tag=tag, source="detected") for a in columns], batch_size=2000
        )
        search.index_assets(columns)
    return {"seconds": time.perf_counter() - t0, "tagged": len(columns)}


def make_queries(snap: SourceSnap, n: int, seed: int) -> list[tuple[str, Query]]:
    rng = random.Random(seed)
    tables = [t for d in snap.databases for s in d.schemas for t in s.tables]
    columns = [c.name for t in tables for c in t.columns if c.name != "id"]
    words = sorted({w for c in columns for w in c.split("_") if len(w) > 3 and not w.isdigit()})
    kinds: list[tuple[str, float, Callable[[], Query]]] = [
        ("exact", 0.25, lambda: {"q": rng.choice(columns)}),
        ("prefix", 0.20, lambda: {"q": rng.choice(words)[: rng.randint(3, 5)]}),
        ("multiword", 0.20, lambda: {"q": " ".join(rng.sample(words, 2))}),
        ("type=column", 0.15, lambda: {"q": rng.choice(words), "type": "column"}),
        ("tag=pii", 0.10, lambda: {"q": rng.choice(["email", "phone", "name", ""]), "tag": "pii"}),
        ("table", 0.10, lambda: {"q": rng.choice(tables).name, "type": "table"}),
    ]
    out: list[tuple[str, Query]] = []
    for _ in range(n):
        roll, acc = rng.random(), 0.0
        for kind, weight, make in kinds:
            acc += weight
            if roll <= acc or kind == kinds[-1][0]:
                out.append((kind, make()))
                break
    return out


def run_searches(user: Any, queries: list[tuple[str, Query]]) -> dict[str, Any]:
    for _kind, query in queries[:20]:  # warm caches and connections, not counted
        search.search(user, query.get("q", ""), type=query.get("type"), tag=query.get("tag"))
    timings: list[tuple[float, str, Query, str]] = []
    t_all = time.perf_counter()
    for kind, query in queries:
        t0 = time.perf_counter()
        result = search.search(
            user, query.get("q", ""), type=query.get("type"), tag=query.get("tag")
        )
        capped = getattr(result, "total_is_lower_bound", False)  # absent before bounded search
        hits = f"{result.total:,}{'+' if capped else ''}" if result.total else ""
        timings.append(((time.perf_counter() - t0) * 1000, kind, query, hits))
    elapsed = time.perf_counter() - t_all
    values = sorted(t for t, *_ in timings)
    by_kind: dict[str, float] = {}
    p50_by_kind: dict[str, float] = {}
    for kind in dict.fromkeys(k for _t, k, *_ in timings):
        of_kind = sorted(t for t, k, *_ in timings if k == kind)
        by_kind[kind] = percentile(of_kind, 0.95)
        p50_by_kind[kind] = percentile(of_kind, 0.50)
    slowest = sorted(timings, key=lambda x: -x[0])[:3]
    return {
        "n": len(values),
        "p50_ms": percentile(values, 0.50),
        "p95_ms": percentile(values, 0.95),
        "p99_ms": percentile(values, 0.99),
        "max_ms": values[-1] if values else 0.0,
        "qps": len(values) / elapsed if elapsed else 0.0,
        "hit_rate": f"{sum(1 for *_, n in timings if n)}/{len(timings)}",
        "capped": f"{sum(1 for *_, n in timings if n.endswith('+'))}/{len(timings)}",
        "p95_by_kind": by_kind,
        "p50_by_kind": p50_by_kind,
        "slowest": [f"{json.dumps(q)} {t:.0f} ms ({n or 0} hits)" for t, _k, q, n in slowest],
    }


def run_rest(user: Any, queries: list[tuple[str, Query]], n: int) -> dict[str, Any]:
    client = Client()
    client.force_login(user)
    picked = queries[:: max(1, len(queries) // n)][:n]
    client.get("/api/v1/search", {"q": "warm"})
    values: list[float] = []
    for _kind, query in picked:
        t0 = time.perf_counter()
        response = client.get("/api/v1/search", {**query, "page_size": "50"})
        values.append((time.perf_counter() - t0) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"REST search failed: {response.status_code} {response.content!r}")
    values.sort()
    return {"n": len(values), "p50_ms": percentile(values, 0.5), "p95_ms": percentile(values, 0.95)}


def db_size_mb() -> float:
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_database_size(current_database())")
            return int(cur.fetchone()[0]) / 1e6
    path = Path(str(connection.settings_dict["NAME"]))
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 1e6


def main() -> None:
    config = json.loads(sys.argv[1])
    out_file = Path(sys.argv[2])
    result: dict[str, Any] = {"vendor": connection.vendor}

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    result["migrate_s"] = time.perf_counter() - t0
    log(f"migrated in {result['migrate_s']:.1f} s")

    User = get_user_model()
    if config.get("reuse"):
        admin, snap = (
            User.objects.get(username="bench-admin"),
            native.read_source(config["source_url"]),
        )
        bob = User.objects.get(username="bench-bob")
        result["grants"] = {"visible": Asset.objects.restrict(bob, "view").count()}
        log("reusing the database: migrated, source read for the query mix")
    else:
        admin, bob, snap = ingest_and_grant(config, result)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")  # autovacuum would do this on a live server
    result["db_size_mb"] = db_size_mb()
    run_all_searches(admin, bob, snap, config, result)
    result["peak_rss_mb"] = peak_rss_mb()
    out_file.write_text(json.dumps(result, indent=2))


def ingest_and_grant(config: dict[str, Any], result: dict[str, Any]) -> tuple[Any, Any, Any]:
    """Ingest twice, tag PII-like columns, grant the restricted user some tables."""
    User = get_user_model()
    admin = User.objects.create_superuser("bench-admin", "admin@example.com", "x")
    bob = User.objects.create_user("bench-bob", "bob@example.com", "x")
    with command_context("catalog_bench", admin):
        source = services.create_source(actor=admin, name="bench", dsn=config["source_url"])
        result["ingest"], snap = ingest(source, config["source_url"], config["profile"])
        log(
            f"first ingest: read {result['ingest']['read_s']:.1f} s, "
            f"apply {result['ingest']['apply_s']:.1f} s, "
            f"{result['ingest']['columns_per_s']:,.0f} columns/s"
        )
        result["reingest"], _ = ingest(source, config["source_url"])
        log(
            f"re-ingest: {result['reingest']['total_s']:.1f} s, {result['reingest']['changes']} changes"
        )
        result["tagging"] = tag_pii(config["pii_columns"])
        log(
            f"tagged {result['tagging']['tagged']:,} columns in {result['tagging']['seconds']:.1f} s"
        )

        rng = random.Random(config["seed"])
        tables = list(Asset.objects.filter(type=AssetType.TABLE).order_by("id"))
        granted = rng.sample(tables, min(config["grants"], len(tables)))
        for table in granted:
            assign_perm("catalog.view_asset", bob, table)
        bob = User.objects.get(pk=bob.pk)  # fresh permission caches
        result["grants"] = {
            "tables": len(granted),
            "visible": Asset.objects.restrict(bob, "view").count(),
        }
    return admin, bob, snap


def run_all_searches(
    admin: Any, bob: Any, snap: Any, config: dict[str, Any], result: dict[str, Any]
) -> None:
    queries = make_queries(snap, config["queries"], config["seed"])
    result["search"] = {
        "admin": run_searches(admin, queries),
        "restricted": run_searches(bob, queries),
    }
    kinds = result["search"]["admin"]["p95_by_kind"]
    result["search"]["by_kind"] = {
        k: {"admin": v, "restricted": result["search"]["restricted"]["p95_by_kind"].get(k, 0.0)}
        for k, v in kinds.items()
    }
    result["search"]["p50_by_kind"] = {
        k: {
            "admin": result["search"]["admin"]["p50_by_kind"][k],
            "restricted": result["search"]["restricted"]["p50_by_kind"].get(k, 0.0),
        }
        for k in kinds
    }
    log(
        f"search p50/p95 admin {result['search']['admin']['p50_ms']:.1f}/"
        f"{result['search']['admin']['p95_ms']:.1f} ms, restricted "
        f"{result['search']['restricted']['p50_ms']:.1f}/"
        f"{result['search']['restricted']['p95_ms']:.1f} ms"
    )
    try:
        result["rest"] = run_rest(admin, queries, 20)
    except Exception as exc:  # the URLconf imports every app: report, keep the other figures
        result["rest"] = {"n": 0, "p50_ms": 0.0, "p95_ms": 0.0, "error": repr(exc)[:300]}
        log(f"REST search failed: {exc!r}"[:300])


if __name__ == "__main__":
    main()
