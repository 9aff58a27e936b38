"""Lineage graph bench: traversal latency on a 1,000,000-edge column graph, and ingestion
throughput through the full path (parse + resolve + upsert).

    .venv/bin/python bench/lineage_graph_bench.py [--backends sqlite,postgres] [--edges 1000000]

Each backend runs in a fresh database (SQLite file / new PostgreSQL database) in its own
Django subprocess (``DATABASE_URL`` / ``CUSTOS_DATA_DIR``), migrated from scratch.

Graph shape (realistic for warehouses: a layered pipeline with local fan-in): L layers of T
tables with 10 columns; table i of layer k reads tables i and i+1 of layer k-1; column j
comes from column j of the first (identity) and column j+1 of the second (expression), and
the first's column 0 is a join key of every column: 3 column edges per column, 2 table
edges per table. A depth-10 upstream walk from a column then reaches ~100-300 columns,
the size of an answer a person reads. Bulk insert: PostgreSQL ``COPY``, SQLite
``executemany``. Edge provenance links are not generated (the REST figure includes the
provenance query, which finds none).

Printed: insert time; p50/p95 (ms) of depth-10 upstream (service level = ``graph.walk``;
REST level = ``GET /api/v1/lineage/{fqn}?direction=up&depth=10&level=column`` with
rendering and permission filtering), depth-10 downstream, table-level upstream and impact
analysis; and ingestion statements/s for the demo transformation scripts and a synthetic
query log (engine cache cleared: every statement is parsed).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PG_SERVER = os.environ.get("CUSTOS_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/")
COLUMNS = 10


# -- parent ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--edges", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    results = []
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        results.append(run_backend(backend, args))
    print()
    print(f"Lineage graph bench — {args.edges:,} column edges, {args.samples} samples per query")
    for res in results:
        if "skipped" in res:
            print(f"\n[{res['backend']}] skipped: {res['skipped']}")
            continue
        print(
            f"\n[{res['backend']}] graph: {res['columns']:,} columns, {res['column_edges']:,} column "
            f"edges, {res['table_edges']:,} table edges; bulk insert {res['insert_s']:.1f} s"
        )
        print(f"  {'query':<44} {'p50 ms':>8} {'p95 ms':>8} {'nodes':>7}")
        for name, q in res["queries"].items():
            print(f"  {name:<44} {q['p50']:8.1f} {q['p95']:8.1f} {q['nodes']:7.0f}")
        ing = res["ingest"]
        print(
            f"  ingestion (parse + resolve + upsert): demo scripts {ing['demo_sps']:.0f} statements/s "
            f"({ing['demo_statements']} statements x {ing['demo_rounds']} rounds); synthetic query log "
            f"{ing['log_sps']:.0f} statements/s ({ing['log_statements']} statements, "
            f"{ing['log_edges']} column edges)"
        )
    print("\nTarget: depth-10 upstream under 200 ms on PostgreSQL.")


def run_backend(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    data = Path(tempfile.mkdtemp(prefix=f"custos-lgbench-{backend}-"))
    env = {
        **os.environ,
        "CUSTOS_DATA_DIR": str(data),
        "DJANGO_SETTINGS_MODULE": "custos.settings",
        "CUSTOS_LOG_LEVEL": "WARNING",
        # persistent connections, as a deployment runs (else every REST call reconnects)
        "CUSTOS_DB_CONN_MAX_AGE": "600",
        "CUSTOS_TASKS_BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
    }
    dbname = None
    if backend == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{data / 'bench.sqlite3'}"
    elif backend == "postgres":
        dbname = f"custos_lgbench_{uuid.uuid4().hex[:8]}"
        try:
            _pg_admin(f'CREATE DATABASE "{dbname}"')
        except Exception as exc:
            return {"backend": backend, "skipped": f"PostgreSQL not reachable ({exc})"}
        env["DATABASE_URL"] = PG_SERVER + dbname
    else:
        return {"backend": backend, "skipped": "unknown backend"}
    print(f"[{backend}] migrating and generating {args.edges:,} edges ...", flush=True)
    try:
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                "--worker",
                backend,
                "--edges",
                str(args.edges),
                "--samples",
                str(args.samples),
            ],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            return {"backend": backend, "skipped": "worker failed:\n" + done.stderr[-3000:]}
        line = [x for x in done.stdout.splitlines() if x.startswith("{")][-1]
        return json.loads(line)
    finally:
        if dbname:
            _pg_admin(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_SERVER + "postgres", autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)


# -- worker (inside Django) ------------------------------------------------------------------


def worker(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    out: dict[str, Any] = {"backend": args.worker}
    started = time.perf_counter()
    shape = generate(args.edges)
    out["insert_s"] = time.perf_counter() - started
    out.update(shape["counts"])
    out["queries"] = measure(shape, args.samples)
    out["ingest"] = ingestion()
    print(json.dumps(out))


def _insert(model: Any, fields: list[str], rows: list[tuple[Any, ...]]) -> None:
    from django.db import connection

    table = model._meta.db_table
    columns = [model._meta.get_field(f).column for f in fields]
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            raw = cur.cursor
            with raw.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cur.executemany(f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({marks})', rows)


def _reset_sequences(*models: Any) -> None:
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cur:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models)):
            cur.execute(sql)


def generate(edges: int) -> dict[str, Any]:
    from django.db import transaction
    from django.utils import timezone

    from catalog.models import Asset, Source
    from lineage.models import ColumnLineage, TableLineage

    per_table = COLUMNS * 3
    tables_needed = -(-edges // per_table)
    width = 1000
    layers = tables_needed // width + 1 + 1
    width = -(-tables_needed // (layers - 1))
    now = timezone.now()
    source = Source.objects.create(name="bench", kind="postgresql", dsn_sealed="-")
    root = Asset.objects.create(type="source", source=source, name="bench", fqn="bench")
    db = Asset.objects.create(
        type="database", source=source, parent=root, root_ref=root, name="wh", fqn="bench.wh"
    )
    schema = Asset.objects.create(
        type="schema",
        source=source,
        parent=db,
        root_ref=root,
        database_ref=db,
        name="main",
        fqn="bench.wh.main",
    )
    next_id = schema.pk + 1
    table_id: dict[tuple[int, int], int] = {}
    col_id: dict[tuple[int, int, int], int] = {}
    asset_fields = [
        "id",
        "type",
        "source",
        "parent",
        "root_ref",
        "database_ref",
        "schema_ref",
        "table_ref",
        "name",
        "fqn",
        "description",
        "comment",
        "properties",
        "data_type",
        "position",
        "is_primary_key",
        "view_sql",
        "created",
        "updated",
    ]
    rows: list[tuple[Any, ...]] = []
    for layer in range(layers):
        for i in range(width):
            tid = next_id
            next_id += 1
            table_id[(layer, i)] = tid
            name = f"l{layer:02d}_t{i:04d}"
            rows.append(
                (
                    tid,
                    "table",
                    source.pk,
                    schema.pk,
                    root.pk,
                    db.pk,
                    schema.pk,
                    None,
                    name,
                    f"bench.wh.main.{name}",
                    "",
                    "",
                    "{}",
                    "",
                    None,
                    False,
                    "",
                    now,
                    now,
                )
            )
            for j in range(COLUMNS):
                cid = next_id
                next_id += 1
                col_id[(layer, i, j)] = cid
                rows.append(
                    (
                        cid,
                        "column",
                        source.pk,
                        tid,
                        root.pk,
                        db.pk,
                        schema.pk,
                        tid,
                        f"c{j}",
                        f"bench.wh.main.{name}.c{j}",
                        "",
                        "",
                        "{}",
                        "integer",
                        j + 1,
                        False,
                        "",
                        now,
                        now,
                    )
                )
    with transaction.atomic():
        _insert(Asset, asset_fields, rows)
    rows = []
    t_rows: list[tuple[Any, ...]] = []
    c_rows: list[tuple[Any, ...]] = []
    next_t, next_c, made = 1, 1, 0
    for layer in range(1, layers):
        for i in range(width):
            if made >= edges:
                break
            parents = [table_id[(layer - 1, i)], table_id[(layer - 1, (i + 1) % width)]]
            target = table_id[(layer, i)]
            t_ids = []
            for p in parents:
                t_rows.append(
                    (
                        next_t,
                        f"a{p}>a{target}",
                        p,
                        target,
                        "expression,identity,join_key",
                        1.0,
                        now,
                        now,
                    )
                )
                t_ids.append(next_t)
                next_t += 1
            a, b = (layer - 1, i), (layer - 1, (i + 1) % width)
            for j in range(COLUMNS):
                tgt = col_id[(layer, i, j)]
                for src, kind, tedge in (
                    (col_id[(*a, j)], "identity", t_ids[0]),
                    (col_id[(*b, (j + 1) % COLUMNS)], "expression", t_ids[1]),
                    (col_id[(*a, 0)], "join_key", t_ids[0]),
                ):
                    c_rows.append(
                        (next_c, f"a{src}>a{tgt}:{kind}", src, tgt, kind, 1.0, tedge, now, now)
                    )
                    next_c += 1
                    made += 1
    with transaction.atomic():
        _insert(
            TableLineage,
            ["id", "key", "source", "target", "transforms", "confidence", "created", "updated"],
            t_rows,
        )
        for start in range(0, len(c_rows), 100_000):
            _insert(
                ColumnLineage,
                [
                    "id",
                    "key",
                    "source",
                    "target",
                    "transform",
                    "confidence",
                    "table_edge",
                    "created",
                    "updated",
                ],
                c_rows[start : start + 100_000],
            )
    _reset_sequences(Asset, TableLineage, ColumnLineage)
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return {
        "layers": layers,
        "width": width,
        "table_id": table_id,
        "col_id": col_id,
        "last_full": made // (width * per_table),
        "counts": {"columns": len(col_id), "column_edges": len(c_rows), "table_edges": len(t_rows)},
    }


def _timed(fn: Any, samples: list[Any]) -> dict[str, float]:
    times, sizes = [], []
    for sample in samples:
        t0 = time.perf_counter()
        size = fn(sample)
        times.append((time.perf_counter() - t0) * 1000)
        sizes.append(size)
    times.sort()
    return {
        "p50": statistics.median(times),
        "p95": times[max(0, int(len(times) * 0.95) - 1)],
        "nodes": statistics.mean(sizes),
    }


def measure(shape: dict[str, Any], n: int) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient

    from catalog.models import Asset
    from lineage import graph, selectors

    rng = random.Random(7)
    width = shape["width"]
    last = shape["last_full"]
    deep_cols = [
        shape["col_id"][(last, rng.randrange(width), rng.randrange(COLUMNS))] for _ in range(n)
    ]
    first_cols = [
        shape["col_id"][(0, rng.randrange(width), rng.randrange(COLUMNS))] for _ in range(n)
    ]
    mid_cols = [
        shape["col_id"][(max(0, last - 12), rng.randrange(width), rng.randrange(COLUMNS))]
        for _ in range(n)
    ]
    deep_tables = [shape["table_id"][(last, rng.randrange(width))] for _ in range(n)]
    fqn = dict(Asset.objects.filter(pk__in=set(deep_cols + mid_cols)).values_list("id", "fqn"))
    admin = get_user_model().objects.create_superuser("bench-admin", "b@example.com", "x")
    client = APIClient()
    client.force_authenticate(admin)

    def walk_up(pk: int) -> int:
        return len(graph.walk([("a", pk)], level="column", direction="up", depth=10).depth)

    def rest_up(pk: int) -> int:
        resp = client.get(
            f"/api/v1/lineage/{fqn[pk]}", {"direction": "up", "depth": "10", "level": "column"}
        )
        assert resp.status_code == 200, resp.content[:300]
        return len(resp.json()["nodes"])

    def walk_down(pk: int) -> int:
        return len(graph.walk([("a", pk)], level="column", direction="down", depth=10).depth)

    def table_up(pk: int) -> int:
        return len(graph.walk([("a", pk)], level="table", direction="up", depth=10).depth)

    def impact(pk: int) -> int:
        return len(selectors.impact(admin, fqn[pk], depth=20)["columns"])

    walk_up(deep_cols[0])  # warm caches / connection
    return {
        "column upstream depth 10 (service)": _timed(walk_up, deep_cols),
        "column upstream depth 10 (REST)": _timed(rest_up, deep_cols),
        "column downstream depth 10 (service)": _timed(walk_down, first_cols),
        "table upstream depth 10 (service)": _timed(table_up, deep_tables),
        "impact, depth 20 (service)": _timed(impact, mid_cols[: max(10, n // 4)]),
    }


def ingestion() -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    from catalog import services as catalog_services
    from catalog.demo import build_airline, transformation_scripts
    from lineage import services
    from lineage.ingest.querylog import QueryEntry
    from lineage.sql import clear_cache

    path = Path(os.environ["CUSTOS_DATA_DIR"]) / "airline.db"
    build_airline(f"sqlite:///{path}", size="small", seed=1)
    admin = get_user_model().objects.get(username="bench-admin")
    source = catalog_services.create_source(actor=admin, name="air", dsn=f"sqlite:///{path}")
    run = catalog_services.ingest_now(actor=admin, source=source)
    assert run.status == "succeeded", run.error
    scripts = transformation_scripts("sqlite")
    rounds, statements = 5, 0
    t0 = time.perf_counter()
    for _ in range(rounds):
        clear_cache()
        report = services.ingest_sql(
            source=source, entries=[QueryEntry(sql=s.sql) for s in scripts]
        )
        statements += report.statements
    demo_sps = statements / (time.perf_counter() - t0)
    rng = random.Random(3)
    raw_cols = ["passenger_id", "first_name", "last_name", "email", "phone", "country", "city"]
    log = io.StringIO()
    entries = []
    for k in range(1500):
        cols = rng.sample(raw_cols, 3)
        exprs = [f"p.{cols[0]}", f"UPPER(p.{cols[1]})", f"COALESCE(p.{cols[2]}, 'n/a')"]
        sql = (
            f"INSERT INTO mart_marketing_contacts (passenger_id, first_name, email) "
            f"SELECT {', '.join(exprs)} FROM raw_passengers AS p "
            f"JOIN raw_loyalty_accounts AS l ON l.passenger_id = p.passenger_id "
            f"WHERE p.created_at > '2026-01-{1 + k % 28:02d}' AND l.points_balance > {k}"
        )
        entries.append(QueryEntry(sql=sql))
        log.write(json.dumps({"query": sql}) + "\n")
    clear_cache()
    t0 = time.perf_counter()
    report = services.ingest_sql(source=source, entries=entries)
    log_sps = report.statements / (time.perf_counter() - t0)
    return {
        "demo_sps": demo_sps,
        "demo_statements": statements // rounds,
        "demo_rounds": rounds,
        "log_sps": log_sps,
        "log_statements": report.statements,
        "log_edges": report.write.column_edges,
    }


if __name__ == "__main__":
    main()
