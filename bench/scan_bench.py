"""PII scan bench: end-to-end scan of the demo warehouse per backend.

For each target (SQLite, PostgreSQL, MariaDB) it builds the Custos Air demo (default size
``medium``: ~221k raw rows) in a throwaway database, registers and ingests it into a fresh
Custos instance (temp data dir, SQLite catalog), then times ``privacy.services.scan_now``
(sample at the source with pushed-down LIMIT/TABLESAMPLE, classify, write classifications
with audit events and search index) and prints, per backend: tables, columns, seconds,
columns/s, and the share of time in sampling, classification and writing. The classifier
is warmed up first (its one-off start-up, ~3 s, is printed separately).

Run (from the repository root)::

    .venv/bin/python bench/scan_bench.py
    .venv/bin/python bench/scan_bench.py --size small --targets sqlite,postgres

Servers: ``--pg-url`` (default postgresql+psycopg://postgres@127.0.0.1:5432/) and
``--my-url`` (default mysql+pymysql://root@127.0.0.1:3306/); the bench creates and drops
its own databases there. It is a bench, not a test: it prints.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _django(data_dir: str) -> None:
    os.environ["CUSTOS_DATA_DIR"] = data_dir
    os.environ["DATABASE_URL"] = f"sqlite:///{data_dir}/custos.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "custos.settings")
    os.environ["CUSTOS_TASKS_BACKEND"] = "django.tasks.backends.immediate.ImmediateBackend"
    import logging

    import django

    django.setup()
    logging.disable(logging.INFO)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _bench_one(target: str, url: str, size: str, operator: Any) -> dict[str, Any]:
    from catalog import services as catalog_services
    from catalog.demo import build_airline, drop_database
    from privacy import services

    started = time.perf_counter()
    build = build_airline(url, size=size, seed=42)
    built = time.perf_counter() - started
    try:
        # MariaDB: one database per layer; keep the server's other databases out.
        layers = [f"{build.database}_{layer}" for layer in ("raw", "staging", "marts")]
        source = catalog_services.create_source(
            actor=operator,
            name=f"bench-{target}-{uuid.uuid4().hex[:6]}",
            dsn=url,
            include_schemas=layers if target == "mariadb" else None,
        )
        run = catalog_services.ingest_now(actor=operator, source=source)
        assert run.status == "succeeded", run.error
        started = time.perf_counter()
        scan = services.scan_now(actor=operator, source=source)
        total = time.perf_counter() - started
        assert scan.status == "succeeded", scan.error
    finally:
        drop_database(url)
    stats = scan.stats
    seconds = stats["seconds"]
    return {
        "target": target,
        "rows": sum(build.tables.values()),
        "build_s": built,
        "tables": stats["tables"],
        "columns": stats["columns"],
        "pii": stats.get("pii_columns", 0),
        "total_s": total,
        "sampling_s": seconds["sampling"],
        "classification_s": seconds["classification"],
        "writing_s": seconds["writing"],
        "methods": stats["methods"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="medium", choices=["small", "medium", "large"])
    parser.add_argument("--targets", default="sqlite,postgres,mariadb")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/")
    parser.add_argument("--my-url", default="mysql+pymysql://root@127.0.0.1:3306/")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="custos-scan-bench-") as data_dir:
        _django(data_dir)
        from django.contrib.auth import get_user_model

        from catalog.demo import server_available
        from custos.context import command_context
        from privacy.detect import ColumnSample, get_classifier

        started = time.perf_counter()
        get_classifier().classify(ColumnSample(name="email", values=["a@example.com"]))
        warmup = time.perf_counter() - started
        operator = get_user_model()(username="bench", is_superuser=True)
        name = f"custos_scanbench_{uuid.uuid4().hex[:6]}"
        urls = {
            "sqlite": f"sqlite:///{data_dir}/{name}.db",
            "postgres": args.pg_url + name,
            "mariadb": args.my_url + name,
        }
        print(f"PII scan bench — demo size {args.size}; classifier start-up {warmup:.1f} s (once)")
        rows = []
        for target in [t.strip() for t in args.targets.split(",") if t.strip()]:
            url = urls[target]
            probe = url.rsplit("/", 1)[0] + ("/postgres" if target == "postgres" else "/")
            if target != "sqlite" and not server_available(probe):
                print(f"  {target}: server not reachable, skipped")
                continue
            with command_context("scan_bench"):
                rows.append(_bench_one(target, url, args.size, operator))
    header = (
        f"{'backend':<9}{'rows':>10}{'tables':>8}{'columns':>9}{'PII':>5}{'scan s':>8}"
        f"{'cols/s':>8}{'sampling':>10}{'classify':>10}{'writing':>9}  sampling methods"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        total = r["total_s"] or 1e-9
        print(
            f"{r['target']:<9}{r['rows']:>10}{r['tables']:>8}{r['columns']:>9}{r['pii']:>5}"
            f"{r['total_s']:>8.2f}{r['columns'] / total:>8.0f}"
            f"{r['sampling_s'] / total:>10.0%}{r['classification_s'] / total:>10.0%}"
            f"{r['writing_s'] / total:>9.0%}  {r['methods']}"
        )
    print(
        "scan s = sample + classify + write (classifications, audit events, search index); "
        "demo build and ingestion not included."
    )


if __name__ == "__main__":
    main()
