"""OpenMetadata workflow into Custos vs. the native ingester, on the same database.

Generates a fresh PostgreSQL database with N tables (default 1,200 across 6 schemas, 8-16
columns each, comments, primary keys, a foreign key per table and one view per 20 tables),
then times, into two separate throwaway Custos catalogs (SQLite files):

* native:       ``catalog.services.ingest_now`` (SQLAlchemy inspector -> apply_snapshot)
* openmetadata: ``manage.py om_ingest`` semantics: the stock ``metadata ingest`` CLI
                (metadata workflow only; --lineage adds the view-lineage workflow) talking
                HTTP to a private Custos, staged, committed in one transaction.

Prints tables/s and columns/s for both and the ratio. Usage::

    .venv/bin/python bench/om_ingest_bench.py [--tables 1200] [--lineage] [--keep]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG = "postgresql://postgres@127.0.0.1:5432/{db}"


def build_database(url: str, tables: int, schemas: int = 6) -> tuple[int, int]:
    """Create ``tables`` tables (+ views) in a fresh database; returns (tables, columns)."""
    import random

    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    sys.path.insert(0, str(ROOT))
    from catalog.demo import ensure_database

    ensure_database(url.replace("postgresql://", "postgresql+psycopg://"))
    engine = create_engine(
        url.replace("postgresql://", "postgresql+psycopg://"), poolclass=NullPool
    )
    rng = random.Random(7)
    n_tables = n_cols = 0
    with engine.begin() as conn:
        for s in range(schemas):
            conn.execute(text(f"CREATE SCHEMA s{s}"))
            conn.execute(text(f"COMMENT ON SCHEMA s{s} IS 'Bench schema {s}'"))
        per_schema = tables // schemas
        for s in range(schemas):
            for t in range(per_schema):
                cols = rng.randint(8, 16)
                parts = ["id bigint PRIMARY KEY"]
                parts += [f"c{i} varchar({rng.choice([20, 50, 200])})" for i in range(cols - 2)]
                if t:
                    parts.append(f"t{t - 1}_id bigint REFERENCES s{s}.t{t - 1}(id)")
                else:
                    parts.append("created_at timestamp NOT NULL")
                conn.execute(text(f"CREATE TABLE s{s}.t{t} ({', '.join(parts)})"))
                conn.execute(text(f"COMMENT ON TABLE s{s}.t{t} IS 'Bench table {s}.{t}'"))
                conn.execute(text(f"COMMENT ON COLUMN s{s}.t{t}.c0 IS 'First payload column'"))
                n_tables += 1
                n_cols += cols
                if t % 20 == 19:
                    conn.execute(
                        text(
                            f"CREATE VIEW s{s}.v{t} AS SELECT a.id, a.c0, b.c1 "
                            f"FROM s{s}.t{t} a JOIN s{s}.t{t - 1} b ON a.t{t - 1}_id = b.id"
                        )
                    )
                    n_tables += 1
                    n_cols += 3
    engine.dispose()
    return n_tables, n_cols


def run_custos(data_dir: Path, code: str) -> str:
    env = {
        **os.environ,
        "CUSTOS_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "custos.settings",
    }
    env.pop("CUSTOS_OM_SERVER_URL", None)
    proc = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-4000:])
    return proc.stdout.strip().splitlines()[-1]


SETUP = """
import django, time, json
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth import get_user_model
from catalog import services
actor = get_user_model()(username="bench", is_superuser=True)
source = services.create_source(actor=actor, name="bench", dsn={dsn!r})
"""
NATIVE = (
    SETUP
    + """
t0 = time.perf_counter()
run = services.ingest_now(actor=actor, source=source)
assert run.status == "succeeded", run.error
print(json.dumps({{"seconds": time.perf_counter() - t0, **{{k: run.stats[k] for k in ("tables", "columns")}}}}))
"""
)
OPENMETADATA = (
    SETUP
    + """
from catalog.om import services as om_services
t0 = time.perf_counter()
run = om_services.om_ingest_now(actor=actor, source=source, lineage={lineage!r})
assert run.status == "succeeded", run.error
keys = ("tables", "columns", "lineage_edges")
print(json.dumps({{"seconds": time.perf_counter() - t0, **{{k: run.stats.get(k) for k in keys}}}}))
"""
)


def main() -> None:
    import json

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tables", type=int, default=1200)
    parser.add_argument("--lineage", action="store_true", help="also run view lineage")
    parser.add_argument("--keep", action="store_true", help="keep the generated database")
    args = parser.parse_args()
    if not (ROOT / ".venv-ingest" / "bin" / "metadata").exists():
        raise SystemExit(".venv-ingest is absent: make -f mk/ingest.mk ingest-env")
    db = f"om_bench_{uuid.uuid4().hex[:8]}"
    url = PG.format(db=db)
    t0 = time.perf_counter()
    tables, columns = build_database(url, args.tables)
    print(
        f"database {db}: {tables} tables/views, {columns} columns (built in {time.perf_counter() - t0:.1f} s)"
    )
    try:
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            native = json.loads(run_custos(Path(a), NATIVE.format(dsn=url)))
            om = json.loads(run_custos(Path(b), OPENMETADATA.format(dsn=url, lineage=args.lineage)))
    finally:
        if not args.keep:
            from catalog.demo import drop_database

            drop_database(url.replace("postgresql://", "postgresql+psycopg://"))
    print(f"{'path':<14}{'seconds':>9}{'tables':>8}{'columns':>9}{'tables/s':>10}{'columns/s':>11}")
    rows = [("native", native), ("openmetadata", om)]
    for name, r in rows:
        print(
            f"{name:<14}{r['seconds']:>9.1f}{r['tables']:>8}{r['columns']:>9}"
            f"{r['tables'] / r['seconds']:>10.1f}{r['columns'] / r['seconds']:>11.1f}"
        )
    ratio = om["seconds"] / native["seconds"]
    print(
        f"openmetadata workflow / native: {ratio:.2f}x the time "
        f"(includes ~10 s CLI start-up per workflow; lineage={'on' if args.lineage else 'off'})"
    )
    if om["tables"] != native["tables"] or om["columns"] != native["columns"]:
        print(f"WARNING: counts differ: native {native}, openmetadata {om}")


if __name__ == "__main__":
    main()
