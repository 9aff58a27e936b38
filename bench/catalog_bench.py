"""Catalog scale bench: generate N tables x M columns, ingest, index, search.

Generates a real source schema (``CREATE TABLE`` statements in a fresh SQLite file, or in
a fresh PostgreSQL database ``custos_bench_src``) with airline/customer column names, some
PII-like, comments on some tables and columns (PostgreSQL only: SQLite has no comments)
and a few foreign keys. Then, for each of Custos' own database backends, it runs Django in
a fresh database (a SQLite file in a temp dir, or a PostgreSQL database ``custos_bench_<pid>``
that the bench creates and drops) in a subprocess (``bench/_catalog_bench_worker.py``) and
measures:

* first ingestion: reading the source (``native.read_source``) and applying it
  (``apply_snapshot``: diff, bulk upsert, drift, audit, search index), separately and in
  total, as tables/s and columns/s, with the worker's peak RSS;
* a re-ingestion with no changes (the drift check);
* ``--queries`` catalog searches (exact column names, prefixes, multi-word, ``type=column``,
  ``tag=``) as an admin and as a user who holds object grants on some tables: p50/p95/p99
  latency and queries/s;
* a handful of the same searches through the REST endpoint (``GET /api/v1/search``, Django
  test client, so routing + auth + serialisation are included).

Search figures: p50/p95/p99 per backend and user, p95 by query kind, and how many totals
were capped (reported as a lower bound, "1,000+").

Run (from the repository root)::

    .venv/bin/python bench/catalog_bench.py                      # 2,000 x 50 = 100k columns
    .venv/bin/python bench/catalog_bench.py --scale full --backends sqlite,postgres
    .venv/bin/python bench/catalog_bench.py --tables 200 --columns 20 --json var/bench.json

PostgreSQL is reached at ``--pg-url`` (default ``postgresql://postgres@127.0.0.1:5432``);
the bench creates and drops its own databases there. It is a bench, not a test: it prints.

Iterating at a million columns (generating the SQLite source takes ~5 min, ingesting ~7)::

    # keep the generated source (SQLite: a file in the temp dir; PostgreSQL: custos_bench_src)
    # and the ingested Custos database, whose URL is printed at the end
    .venv/bin/python bench/catalog_bench.py --backends postgres --tables 20000 --columns 50 \
        --reuse-source --keep
    # then search again on that database (migrated first, so new indexes apply)
    .venv/bin/python bench/catalog_bench.py --backends postgres --tables 20000 --columns 50 \
        --reuse-source --reuse-custos postgresql://postgres@127.0.0.1:5432/custos_bench_<pid>
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
WORKER = Path(__file__).resolve().parent / "_catalog_bench_worker.py"
SRC_DB = "custos_bench_src"
CUSTOS_DB = f"custos_bench_{os.getpid()}"  # per run: two benches never share one
SCALES = {"default": (2000, 50), "full": (10_000, 100)}
GENERATOR_VERSION = 1

# -- realistic names -------------------------------------------------------------------------

DOMAINS = {
    "bookings": ["booking", "reservation", "ticket", "fare", "itinerary", "segment", "coupon"],
    "customers": ["customer", "passenger", "traveller", "member", "contact", "profile"],
    "operations": ["flight", "aircraft", "crew", "gate", "airport", "schedule", "delay"],
    "loyalty": ["loyalty", "miles", "tier", "reward", "voucher", "partner"],
    "finance": ["payment", "invoice", "refund", "ledger", "settlement", "tax"],
}
TABLE_SUFFIXES = ["events", "history", "snapshot", "daily", "staging", "facts", "dim", "log"]
QUALIFIERS = [
    "origin", "destination", "departure", "arrival", "booking", "cabin", "seat", "baggage",
    "fare", "ticket", "flight", "passenger", "customer", "billing", "home", "work", "primary",
    "secondary", "emergency", "loyalty", "promo", "currency", "base", "net", "gross", "last",
    "first", "scheduled", "actual", "estimated", "checkin", "boarding", "refund", "partner",
]  # fmt: skip
NOUNS = [
    "id", "code", "status", "date", "time", "timestamp", "amount", "count", "type", "class",
    "number", "name", "description", "city", "country", "terminal", "gate", "weight",
    "duration", "distance", "rate", "flag", "reason", "channel", "source", "version", "note",
    "level", "score", "total", "fee", "balance", "region", "zone", "category", "label",
]  # fmt: skip
PII_COLUMNS = [
    "email", "email_address", "phone_number", "mobile_phone", "first_name", "last_name",
    "full_name", "date_of_birth", "passport_number", "national_id", "street_address",
    "postal_code", "credit_card_number", "iban", "ip_address", "frequent_flyer_number",
]  # fmt: skip
TYPES = [
    "integer", "bigint", "varchar(64)", "varchar(255)", "text", "date", "timestamp",
    "numeric(12,2)", "boolean", "double precision", "char(3)",
]  # fmt: skip
COMMENTS = [
    "Business key as issued by the reservation system",
    "Amount in the fare currency, including taxes",
    "Set by the departure control system at check-in",
    "Personal data: contact detail of the passenger",
    "Derived nightly from the operations feed",
    "Loyalty programme status at the time of booking",
]


def column_name(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.08:
        return rng.choice(PII_COLUMNS)
    if roll < 0.4:
        return rng.choice(NOUNS) if rng.random() < 0.3 else f"{rng.choice(QUALIFIERS)}_id"
    return f"{rng.choice(QUALIFIERS)}_{rng.choice(NOUNS)}"


def generate_schema(
    tables: int, columns: int, seed: int
) -> list[tuple[str, str, list[tuple[str, str, str]], str, list[str]]]:
    """(schema, table, [(column, type, comment)], table comment, fk targets) per table."""
    rng = random.Random(seed)
    schemas = list(DOMAINS)
    out: list[tuple[str, str, list[tuple[str, str, str]], str, list[str]]] = []
    names_by_schema: dict[str, list[str]] = {s: [] for s in schemas}
    for i in range(tables):
        schema = schemas[i % len(schemas)]
        table = f"{rng.choice(DOMAINS[schema])}_{rng.choice(TABLE_SUFFIXES)}_{i:05d}"
        cols: list[tuple[str, str, str]] = [("id", "bigint", "")]
        seen = {"id"}
        while len(cols) < columns:
            name = column_name(rng)
            if name in seen:
                name = f"{name}_{len(cols)}"
            seen.add(name)
            comment = rng.choice(COMMENTS) if rng.random() < 0.1 else ""
            cols.append((name, rng.choice(TYPES), comment))
        earlier = names_by_schema[schema]
        fks = [rng.choice(earlier)] if earlier and rng.random() < 0.2 else []
        table_comment = f"{schema.title()} data: {table.rsplit('_', 1)[0].replace('_', ' ')}"
        out.append((schema, table, cols, table_comment if rng.random() < 0.3 else "", fks))
        earlier.append(table)
    return out


def _ddl(schema: str | None, table: str, cols: list[tuple[str, str, str]], fks: list[str]) -> str:
    def q(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    prefix = f"{q(schema)}." if schema else ""
    parts = [f"{q(c)} {t}" + (" PRIMARY KEY" if c == "id" else "") for c, t, _ in cols]
    for n, target in enumerate(fks):
        parts.append(f"{q(f'ref_{n}_id')} bigint REFERENCES {prefix}{q(target)} (id)")
    return f"CREATE TABLE {prefix}{q(table)} ({', '.join(parts)})"


def sqlite_source_path(workdir: Path, tables: int, columns: int, seed: int, reuse: bool) -> Path:
    """Where the SQLite source goes: the run's temp dir, or a file kept for reuse."""
    if not reuse:
        return workdir / "bench_src.sqlite3"
    name = f"custos_bench_src_v{GENERATOR_VERSION}_{tables}x{columns}_s{seed}.sqlite3"
    return Path(tempfile.gettempdir()) / name


def build_sqlite_source(path: Path, tables: int, columns: int, seed: int) -> None:
    if path.exists():
        path.unlink()
    # SQLite's CREATE TABLE slows down as the schema grows (20,000 tables: ~5 min), hence
    # --reuse-source; written under another name first, so that a stopped run leaves none.
    partial = path.with_suffix(".partial")
    if partial.exists():
        partial.unlink()
    con = sqlite3.connect(partial)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("BEGIN")
    for _schema, table, cols, _comment, fks in generate_schema(tables, columns, seed):
        # SQLite has one schema ("main") and no comments: FKs only to keep column counts equal
        con.execute(_ddl(None, table, cols[: columns - len(fks)], fks))
    con.execute("COMMIT")
    con.close()
    partial.rename(path)


def _signature(tables: int, columns: int, seed: int) -> str:
    return f"custos-bench v{GENERATOR_VERSION} tables={tables} columns={columns} seed={seed}"


def build_pg_source(pg_url: str, tables: int, columns: int, seed: int, reuse: bool) -> bool:
    """Create ``custos_bench_src``; returns False if an identical one was reused."""
    signature = _signature(tables, columns, seed)
    if reuse:
        try:
            with psycopg.connect(f"{pg_url}/{SRC_DB}", autocommit=True) as con:
                row = con.execute(
                    "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                    "WHERE datname = current_database()"
                ).fetchone()
            if row and row[0] == signature:
                return False
        except psycopg.OperationalError:
            pass
    recreate_pg_database(pg_url, SRC_DB)
    with psycopg.connect(f"{pg_url}/{SRC_DB}") as con:
        for schema in DOMAINS:
            con.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        statements: list[str] = []
        for schema, table, cols, comment, fks in generate_schema(tables, columns, seed):
            statements.append(_ddl(schema, table, cols[: columns - len(fks)], fks))
            target = sql.Identifier(schema, table)
            if comment:
                statements.append(
                    sql.SQL("COMMENT ON TABLE {} IS {}")
                    .format(target, sql.Literal(comment))
                    .as_string(con)
                )
            for name, _type, col_comment in cols:
                if col_comment:
                    statements.append(
                        sql.SQL("COMMENT ON COLUMN {} IS {}")
                        .format(sql.Identifier(schema, table, name), sql.Literal(col_comment))
                        .as_string(con)
                    )
            if len(statements) > 500:
                con.execute(";".join(statements).encode())
                statements = []
        if statements:
            con.execute(";".join(statements).encode())
        con.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(SRC_DB), sql.Literal(signature)
            )
        )
        con.commit()
    with psycopg.connect(f"{pg_url}/{SRC_DB}", autocommit=True) as con:
        con.execute("VACUUM ANALYZE")  # planner statistics, as a live database would have
    return True


def recreate_pg_database(pg_url: str, name: str) -> None:
    with psycopg.connect(f"{pg_url}/postgres", autocommit=True) as con:
        con.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        con.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_pg_database(pg_url: str, name: str) -> None:
    with psycopg.connect(f"{pg_url}/postgres", autocommit=True) as con:
        con.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


# -- running the worker -----------------------------------------------------------------------


@contextmanager
def custos_database(
    backend: str, pg_url: str, workdir: Path, keep: bool = False, reuse: str = ""
) -> Iterator[tuple[str, Path]]:
    data_dir = workdir / f"custos-{backend}"
    data_dir.mkdir(parents=True, exist_ok=True)
    if reuse:  # an ingested database of an earlier run: never dropped here
        if reuse.startswith("sqlite:///"):
            data_dir = Path(reuse.removeprefix("sqlite:///")).parent
        yield reuse, data_dir
        return
    if backend == "sqlite":
        yield f"sqlite:///{data_dir / 'custos.sqlite3'}", data_dir
        return
    recreate_pg_database(pg_url, CUSTOS_DB)
    try:
        yield f"{pg_url}/{CUSTOS_DB}", data_dir
    finally:
        if not keep:
            drop_pg_database(pg_url, CUSTOS_DB)


def run_worker(
    backend: str, config: dict[str, Any], pg_url: str, workdir: Path, keep: bool, reuse: str = ""
) -> dict[str, Any]:
    with custos_database(backend, pg_url, workdir, keep, reuse) as (database_url, data_dir):
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "CUSTOS_DATA_DIR": str(data_dir),
            "DJANGO_SETTINGS_MODULE": "custos.settings",
            "CUSTOS_DEBUG": "0",
            "PYTHONPATH": str(ROOT),
        }
        out_file = workdir / f"result-{backend}.json"
        proc = subprocess.run(
            [
                sys.executable,
                str(WORKER),
                json.dumps({**config, "reuse": bool(reuse)}),
                str(out_file),
            ],
            cwd=ROOT,
            env=env,
            check=False,
        )
        if proc.returncode != 0 or not out_file.exists():
            raise SystemExit(f"worker for {backend} failed with exit code {proc.returncode}")
        result: dict[str, Any] = json.loads(out_file.read_text())
        result["database_url"] = database_url
        return result


# -- report -----------------------------------------------------------------------------------


def _fmt(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def _cpu(phase: dict[str, Any]) -> str:
    return f"{phase['read_cpu_s']:.1f} / {phase['apply_cpu_s']:.1f}"


def print_report(meta: dict[str, Any], results: dict[str, dict[str, Any]]) -> None:
    backends = list(results)
    width = 16

    def row(label: str, values: list[str]) -> None:
        print(f"  {label:<38}" + "".join(f"{v:>{width}}" for v in values))

    print()
    print(
        f"Catalog bench: {meta['tables']:,} tables x {meta['columns']:,} columns = "
        f"{meta['total_columns']:,} columns; source {meta['source_kind']} "
        f"(generated in {meta['source_seconds']:.1f} s{', reused' if meta['source_reused'] else ''})"
    )
    print(
        f"  python {meta['python']}, {meta['cpus']} CPUs, load average {meta['load']}, "
        f"queries per user {meta['queries']}"
    )
    row("Custos database", backends)
    sections: list[tuple[str, list[tuple[str, Any]]]] = [
        (
            "first ingest",
            [
                ("read source (s)", lambda r: _fmt(r["ingest"]["read_s"])),
                ("apply + index (s)", lambda r: _fmt(r["ingest"]["apply_s"])),
                ("total (s)", lambda r: _fmt(r["ingest"]["total_s"])),
                ("tables/s (total)", lambda r: _fmt(r["ingest"]["tables_per_s"], 0)),
                ("columns/s (total)", lambda r: _fmt(r["ingest"]["columns_per_s"], 0)),
                ("columns/s (read only)", lambda r: _fmt(r["ingest"]["read_columns_per_s"], 0)),
                ("columns/s (apply only)", lambda r: _fmt(r["ingest"]["apply_columns_per_s"], 0)),
                ("worker CPU read / apply (s)", lambda r: _cpu(r["ingest"])),
                ("columns per worker CPU-s", lambda r: _fmt(r["ingest"]["cpu_columns_per_s"], 0)),
                ("assets created", lambda r: f"{r['ingest']['assets']:,}"),
                ("peak RSS after ingest (MB)", lambda r: _fmt(r["ingest"]["peak_rss_mb"], 0)),
            ],
        ),
        (
            "re-ingest, no changes (drift check)",
            [
                ("read source (s)", lambda r: _fmt(r["reingest"]["read_s"])),
                ("diff (s)", lambda r: _fmt(r["reingest"]["apply_s"])),
                ("total (s)", lambda r: _fmt(r["reingest"]["total_s"])),
                ("columns/s (total)", lambda r: _fmt(r["reingest"]["columns_per_s"], 0)),
                ("worker CPU read / diff (s)", lambda r: _cpu(r["reingest"])),
                ("changes found", lambda r: str(r["reingest"]["changes"])),
            ],
        ),
        (
            "setup for search",
            [
                ("tag PII columns + reindex (s)", lambda r: _fmt(r["tagging"]["seconds"], 2)),
                ("columns tagged 'pii'", lambda r: f"{r['tagging']['tagged']:,}"),
                ("restricted user: granted tables", lambda r: str(r["grants"]["tables"])),
                ("restricted user: visible assets", lambda r: f"{r['grants']['visible']:,}"),
                ("database size (MB)", lambda r: _fmt(r["db_size_mb"], 0)),
            ],
        ),
    ]
    for who in ("admin", "restricted"):
        sections.append(
            (
                f"search() as {who}",
                [
                    ("p50 (ms)", lambda r, w=who: _fmt(r["search"][w]["p50_ms"], 2)),
                    ("p95 (ms)", lambda r, w=who: _fmt(r["search"][w]["p95_ms"], 2)),
                    ("p99 (ms)", lambda r, w=who: _fmt(r["search"][w]["p99_ms"], 2)),
                    ("max (ms)", lambda r, w=who: _fmt(r["search"][w]["max_ms"], 1)),
                    ("queries/s", lambda r, w=who: _fmt(r["search"][w]["qps"], 0)),
                    ("queries with hits", lambda r, w=who: r["search"][w]["hit_rate"]),
                    ("totals capped (lower bound)", lambda r, w=who: r["search"][w]["capped"]),
                ],
            )
        )
    sections.append(
        (
            "REST GET /api/v1/search (admin, page 50)",
            [
                ("requests", lambda r: str(r["rest"]["n"])),
                ("p50 (ms)", lambda r: _fmt(r["rest"]["p50_ms"], 2)),
                ("p95 (ms)", lambda r: _fmt(r["rest"]["p95_ms"], 2)),
            ],
        )
    )

    def shown(get: Any, result: dict[str, Any]) -> str:
        try:
            return str(get(result))
        except KeyError:  # not measured (a reused database is not ingested again)
            return "-"

    for title, rows in sections:
        print(f" {title}")
        for label, get in rows:
            row(label, [shown(get, results[b]) for b in backends])
    print()
    for backend in backends:
        slow = results[backend]["search"]["admin"]["slowest"]
        for stat, key in (("p50", "p50_by_kind"), ("p95", "by_kind")):
            kinds = results[backend]["search"].get(key, {})
            print(f" {backend}: {stat} by query kind (admin / restricted, ms): ", end="")
            print(
                ", ".join(f"{k} {v['admin']:.1f}/{v['restricted']:.1f}" for k, v in kinds.items())
            )
        print(f" {backend}: slowest admin queries: " + "; ".join(slow))
        if meta.get("keep"):
            print(f" {backend}: database kept: {results[backend]['database_url']}")
        if results[backend]["rest"].get("error"):
            print(f" {backend}: REST search failed: {results[backend]['rest']['error']}")
    for note in meta["notes"]:
        print(f" note: {note}")


# -- main -------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--scale", choices=sorted(SCALES), help="default: 2000x50, full: 10000x100")
    parser.add_argument("--tables", type=int)
    parser.add_argument("--columns", type=int, help="columns per table")
    parser.add_argument("--backends", default="sqlite,postgres", help="Custos' own database(s)")
    parser.add_argument("--source-kind", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--queries", type=int, default=500, help="searches per user")
    parser.add_argument(
        "--grants", type=int, default=100, help="tables granted to the restricted user"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument(
        "--reuse-source",
        action="store_true",
        help="keep the generated source and reuse an identical one (SQLite file or PG database)",
    )
    parser.add_argument(
        "--reuse-custos",
        metavar="DATABASE_URL",
        default="",
        help="search again on a database ingested by an earlier --keep run (one backend)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temp dir and the PG databases"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the first apply")
    parser.add_argument("--json", type=Path, help="write the figures as JSON to this file")
    args = parser.parse_args(argv)

    tables, columns = SCALES[args.scale or "default"]
    tables = args.tables or tables
    columns = args.columns or columns
    if columns < 2 or tables < 1:
        parser.error("need at least 1 table and 2 columns per table")
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if not set(backends) <= {"sqlite", "postgres"}:
        parser.error("--backends takes sqlite and/or postgres")
    if args.reuse_custos and (
        len(backends) != 1 or args.reuse_custos.startswith("sqlite") != (backends == ["sqlite"])
    ):
        parser.error("--reuse-custos takes one database of the one backend in --backends")

    workdir = Path(tempfile.mkdtemp(prefix="custos-catalog-bench-"))
    notes: list[str] = []
    try:
        t0 = time.perf_counter()
        reused = False
        if args.source_kind == "sqlite":
            src_path = sqlite_source_path(workdir, tables, columns, args.seed, args.reuse_source)
            reused = args.reuse_source and src_path.exists()
            if not reused:
                build_sqlite_source(src_path, tables, columns, args.seed)
            source_url = f"sqlite:///{src_path}"
            notes.append("SQLite sources have no comments: comments are only in PostgreSQL sources")
        else:
            reused = not build_pg_source(args.pg_url, tables, columns, args.seed, args.reuse_source)
            source_url = f"{args.pg_url}/{SRC_DB}"
        source_seconds = time.perf_counter() - t0
        print(
            f"source: {tables:,} x {columns:,} = {tables * columns:,} columns "
            f"({args.source_kind}) in {source_seconds:.1f} s",
            flush=True,
        )
        config = {
            "source_url": source_url,
            "tables": tables,
            "columns": columns,
            "queries": args.queries,
            "grants": args.grants,
            "seed": args.seed,
            "pii_columns": PII_COLUMNS,
            "profile": str(workdir / "apply.prof") if args.profile else "",
        }
        if args.reuse_custos:
            notes.append(f"searched a database ingested earlier: {args.reuse_custos}")
        results: dict[str, dict[str, Any]] = {}
        for backend in backends:
            print(f"[{backend}] running worker ...", flush=True)
            results[backend] = run_worker(
                backend, config, args.pg_url, workdir, args.keep, args.reuse_custos
            )
        meta = {
            "tables": tables,
            "columns": columns,
            "total_columns": tables * columns,
            "source_kind": args.source_kind,
            "source_seconds": source_seconds,
            "source_reused": reused,
            "queries": args.queries,
            "python": sys.version.split()[0],
            "cpus": os.cpu_count(),
            "load": " ".join(f"{x:.1f}" for x in os.getloadavg()),
            "notes": notes,
            "keep": args.keep,
        }
        print_report(meta, results)
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps({"meta": meta, "results": results}, indent=2))
            print(f" figures written to {args.json}")
        if args.profile:
            print(f" profiles kept in {workdir}")
    finally:
        if not args.keep and not args.profile:
            shutil.rmtree(workdir, ignore_errors=True)
            if args.source_kind == "postgres" and not args.reuse_source:
                drop_pg_database(args.pg_url, SRC_DB)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
