"""Query-gateway bench: governed query vs the same query run directly, on PostgreSQL.

Builds a fresh PostgreSQL database ``custos_gateway_bench`` with a passengers-like table of
``--rows`` rows (default 1,000,000; ``generate_series``), registers it as a Custos source
(Custos' own database: a fresh SQLite file in a temp dir), classifies ``email``/``phone``,
and sets policies: EMAIL_ADDRESS -> ``partial`` for Analysts (phone: default deny,
``nullify``) and a row filter ``region = {user.region}``. Then, for each query:

* gateway: ``run_query`` as the analyst (parse, resolve, policy load, rewrite, execute on a
  read-only pooled connection, audit event) - p50/p95 over ``--runs`` runs;
* direct: the *same SQL text* on a plain psycopg connection (no masks, no filter), and the
  hand-written equivalent with the row filter (what a DBA would write) - p50/p95;
* overhead = gateway p50 / hand-written p50 (target < 1.5x): both return the same rows,
  so the ratio is what the gateway itself adds (parse, policies, rewrite, audit). The ratio
  to the unfiltered direct run is printed too: it also contains the cost of the row filter
  itself, which any enforcement of that policy pays (e.g. ``ORDER BY id LIMIT 500`` must read
  four times as many rows when only one region in four may be seen);

plus the rewrite throughput (parse + resolve + policies + rewrite, no execution) in
statements/s, and the Python peak memory (tracemalloc) of the gateway runs.

Run::  .venv/bin/python bench/gateway_bench.py [--rows 1000000] [--runs 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUERIES = {
    "aggregate": (
        "SELECT city, count(*) AS n, avg(amount) AS avg_amount FROM passengers "
        "WHERE created_at >= '2024-01-01' GROUP BY city ORDER BY n DESC LIMIT 20",
        "SELECT city, count(*) AS n, avg(amount) AS avg_amount FROM passengers "
        "WHERE created_at >= '2024-01-01' AND region = 'EU' GROUP BY city ORDER BY n DESC LIMIT 20",
    ),
    "masked rows": (
        "SELECT passenger_id, email, phone, city FROM passengers WHERE amount > 990 ORDER BY passenger_id LIMIT 500",
        "SELECT passenger_id, CASE WHEN email IS NULL THEN NULL ELSE repeat('*', length(email) - 4) || right(email, 4) END, "  # noqa: E501
        "NULL, city FROM passengers WHERE amount > 990 AND region = 'EU' ORDER BY passenger_id LIMIT 500",
    ),
    "join + masked probe": (
        "SELECT p.region, count(*) FROM passengers p JOIN passengers q ON q.passenger_id = p.passenger_id + 1 "
        "WHERE p.email LIKE '%@example.com' AND p.amount > 900 GROUP BY p.region",
        "SELECT p.region, count(*) FROM passengers p JOIN passengers q ON q.passenger_id = p.passenger_id + 1 "
        "WHERE p.email LIKE '%@example.com' AND p.amount > 900 AND p.region = 'EU' AND q.region = 'EU' GROUP BY p.region",  # noqa: E501
    ),
}


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def build_source(server: str, db: str, rows: int) -> str:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}"')
        conn.execute(f'CREATE DATABASE "{db}"')
    url = f"{server}/{db}"
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            """CREATE TABLE passengers (
                passenger_id bigint PRIMARY KEY, email text, phone text, region text, city text,
                created_at timestamp, amount numeric(10,2))"""
        )
        conn.execute(
            """INSERT INTO passengers
               SELECT g, 'user' || g || CASE WHEN g %% 3 = 0 THEN '@example.com' ELSE '@mail.test' END,
                      '+44 20 ' || lpad((g %% 10000000)::text, 8, '0'),
                      (ARRAY['EU','US','APAC','LATAM'])[1 + g %% 4],
                      'City' || (g %% 500),
                      timestamp '2023-01-01' + (g %% 730) * interval '1 day',
                      (g %% 100000) / 100.0
               FROM generate_series(1, %s) g""",
            [rows],
        )
        conn.execute("ANALYZE passengers")
    print(f"source: {rows:,} rows in {db} built in {time.perf_counter() - started:.1f} s")
    return url


def setup_django(tmp: Path) -> None:
    os.environ["CUSTOS_DATA_DIR"] = str(tmp)
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'custos.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "custos.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--keep", action="store_true", help="keep the source database")
    args = parser.parse_args()
    db = "custos_gateway_bench"
    url = build_source(args.server, db, args.rows)
    with tempfile.TemporaryDirectory(prefix="custos-gw-bench-") as tmp:
        setup_django(Path(tmp))
        try:
            run(url, args)
        finally:
            from access.gateway.execute import dispose_all

            dispose_all()
            if not args.keep:
                import psycopg

                with psycopg.connect(f"{args.server}/postgres", autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def run(url: str, args: argparse.Namespace) -> None:
    import psycopg
    from django.contrib.auth import get_user_model

    from access import services
    from access.gateway import engine
    from access.roles import ensure_roles
    from catalog import services as catalog
    from catalog.models import Asset, Classification

    roles = ensure_roles()
    User = get_user_model()
    admin = User.objects.create_user("bench-admin", is_superuser=True)
    analyst = User.objects.create_user("bench-analyst")
    analyst.groups.add(roles["Analyst"])
    source = catalog.create_source(actor=admin, name="bench", dsn=url)
    started = time.perf_counter()
    catalog.ingest_now(actor=admin, source=source)
    print(f"ingest: {time.perf_counter() - started:.1f} s")
    table = f"bench.{url.rsplit('/', 1)[1]}.public.passengers"
    for col, entity in (("email", "EMAIL_ADDRESS"), ("phone", "PHONE_NUMBER")):
        Classification.objects.get_or_create(
            asset=Asset.objects.get(fqn=f"{table}.{col}"), entity=entity, source="manual"
        )
    services.create_policy(
        actor=admin,
        kind="masking",
        data={
            "name": "email partial",
            "target_kind": "classification",
            "entity": "EMAIL_ADDRESS",
            "group": "Analyst",
            "operator": "partial",
        },
    )
    services.create_policy(
        actor=admin,
        kind="row_filter",
        data={"name": "own region", "table": table, "predicate": "region = {user.region}"},
    )
    services.set_user_attribute(actor=admin, user=analyst, key="region", value="EU")

    direct = psycopg.connect(url)
    direct.execute("SET default_transaction_read_only = on")

    def run_direct(sql: str) -> int:
        with direct.cursor() as cur:
            cur.execute(sql)
            n = len(cur.fetchall())
        direct.rollback()
        return n

    print(
        f"\n{'query':<22} {'gateway p50/p95 ms':>20} {'hand-written p50/p95':>21} "
        f"{'same SQL direct p50/p95':>24} {'overhead':>9} {'vs unfiltered':>14}"
    )
    overheads = []
    tracemalloc.start()
    for name, (sql, hand) in QUERIES.items():
        for _ in range(3):  # warm caches and pools
            engine.run_query(user=analyst, source="bench", sql=sql)
            run_direct(sql)
            run_direct(hand)
        gw, dr, hf = [], [], []
        for _ in range(args.runs):
            t = time.perf_counter()
            out = engine.run_query(user=analyst, source="bench", sql=sql)
            gw.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            run_direct(sql)
            dr.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            run_direct(hand)
            hf.append((time.perf_counter() - t) * 1000)
        assert out.row_filters and (out.masks or name == "aggregate"), out
        with direct.cursor() as cur:  # the baseline must answer exactly what the gateway does
            cur.execute(hand)
            expected = sorted(str([engine.json_value(v) for v in r]) for r in cur.fetchall())
        direct.rollback()
        assert expected == sorted(str(r) for r in out.rows), f"{name}: baseline differs"
        ratio = statistics.median(gw) / statistics.median(hf)
        raw_ratio = statistics.median(gw) / statistics.median(dr)
        overheads.append(ratio)
        print(
            f"{name:<22} {statistics.median(gw):>9.1f} / {pct(gw, 95):>8.1f} "
            f"{statistics.median(hf):>10.1f} / {pct(hf, 95):>8.1f} "
            f"{statistics.median(dr):>13.1f} / {pct(dr, 95):>8.1f} {ratio:>8.2f}x {raw_ratio:>13.2f}x"
        )
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"\noverhead (gateway p50 / hand-written policy-equivalent p50): max {max(overheads):.2f}x, "
        f"target < 1.5x -> {'OK' if max(overheads) < 1.5 else 'MISSED'}"
    )
    print(f"peak Python memory during gateway runs: {peak / 1e6:.1f} MB")

    n = 200
    statements = [q[0] for q in QUERIES.values()]
    t = time.perf_counter()
    for i in range(n):
        engine.plan(analyst, source, statements[i % len(statements)], limit=1000)
    plan_s = time.perf_counter() - t
    from access import policies
    from access.gateway import parse, resolve, rewrite

    facts_access = {}
    visible = resolve.visible_tables_of(analyst, source)
    dsn = catalog.source_dsn(source)
    subject = policies.subject_for_user(analyst)
    t = time.perf_counter()
    for i in range(n):
        parsed = parse.parse_readonly(statements[i % len(statements)], "postgres")
        tables = resolve.resolve(
            parsed.query, source=source, kind="postgresql", visible_tables=visible, dsn=dsn
        )
        for b in tables:
            if b.asset.id not in facts_access:
                facts_access[b.asset.id] = policies.evaluate(
                    subject, policies.load_facts(b.asset), dialect="postgres"
                )
        rewrite.rewrite(parsed.query, tables, facts_access, dialect="postgres", limit=1001)
    pure_s = time.perf_counter() - t
    print(
        f"rewrite: {n / plan_s:,.0f} statements/s ({plan_s / n * 1000:.2f} ms each) with policy loading from the database; "  # noqa: E501
        f"{n / pure_s:,.0f} statements/s ({pure_s / n * 1000:.2f} ms each) parse + qualify + rewrite only"
    )
    direct.close()


if __name__ == "__main__":
    main()
