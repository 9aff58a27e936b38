"""Lineage benchmark: Custos' engine (lineage/sql) against sqllineage on the same cases.

How to run (from the repository root)::

    make -f mk/bench.mk bench-env      # once: builds .venv-bench with sqllineage
    .venv/bin/python bench/lineage_bench.py [--rounds 3] [--verbose]

(``make bench-env`` works too where the Makefile includes mk/bench.mk.)

The cases are in ``bench/lineage_cases/cases.py``: SQL across dialects with hand-written
table-level and column-level answers. Our engine runs in this process (.venv: sqlglot with
its compiled modules); sqllineage runs in a subprocess with ``.venv-bench/bin/python``
(it pins packages that conflict with ours), executing this same file with
``--peer-worker``. Both are timed the same way: wall time of each call, every call
cold (our result cache is cleared before each call; sqllineage has none).

Printed for both: table-level and column-level precision / recall / F1 / exact-match,
statements per second, p50/p95 latency per statement, peak memory (tracemalloc during
one pass, and the process's max RSS), and our/peer ratios.

Caveat: the cases and their answers were written by the engine's authors, alongside
the engine; a perfect score on them shows the documented conventions are met, not that
the engine is perfect on SQL in the wild. Add cases freely, especially failing ones.

Scoring rules, applied identically to both tools:
* names are lowercased, double quotes and sqllineage's ``<default>.`` prefix removed;
* tables: (case, table, read|write) triples; exact-match = both sets equal;
* columns: (case, "src.col -> tgt.col") pairs, *value* lineage only (our filter and
  join-key edges are not scored, sqllineage has no such notion), only on cases with a
  target table (plain SELECTs are scored on tables only); for sqllineage each lineage
  path counts as first -> last column.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO))

from lineage_cases.cases import CASES, Case  # noqa: E402

PEER_PYTHON = REPO / ".venv-bench" / "bin" / "python"
SQLFLUFF_DIALECTS = {
    "postgres": "postgres",
    "mysql": "mysql",
    "sqlite": "sqlite",
    "snowflake": "snowflake",
    "bigquery": "bigquery",
    "redshift": "redshift",
    "tsql": "tsql",
    "spark": "sparksql",
    "databricks": "databricks",
    "hive": "hive",
    "duckdb": "duckdb",
}


def norm(name: str) -> str:
    name = name.strip().lower().replace('"', "")
    return name.removeprefix("<default>.")


# ------------------------------------------------------------------------- runners


def run_ours(rounds: int) -> dict[str, Any]:
    from lineage.sql import analyze, clear_cache

    outputs: dict[str, Any] = {}
    timings: dict[str, list[float]] = {c.name: [] for c in CASES}
    for c in CASES:  # warm-up: imports, dialect objects
        analyze(c.sql, c.dialect, c.schema or None)
    for _ in range(rounds):
        for c in CASES:
            clear_cache()
            start = time.perf_counter()
            result = analyze(c.sql, c.dialect, c.schema or None)
            timings[c.name].append(time.perf_counter() - start)
            outputs[c.name] = {
                "read": result.tables_read,
                "write": result.tables_written,
                "columns": [
                    f"{e.source} -> {e.target}"
                    for e in result.edges
                    if e.transform not in ("filter", "join_key")
                ],
                "statements": len(result.statements),
                "error": "; ".join(result.errors) or None,
            }
    for c in CASES:  # fill the cache, then time pure cache hits
        analyze(c.sql, c.dialect, c.schema or None)
    start = time.perf_counter()
    for c in CASES:
        analyze(c.sql, c.dialect, c.schema or None)
    cached = time.perf_counter() - start
    clear_cache()
    tracemalloc.start()
    for c in CASES:
        analyze(c.sql, c.dialect, c.schema or None)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    import sqlglot
    import sqlglot.parser

    return {
        "outputs": outputs,
        "timings": timings,
        "cached_seconds": cached,
        "tracemalloc_peak": peak,
        "max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "version": f"custos lineage/sql on sqlglot {sqlglot.__version__}"
        + (" (compiled)" if sqlglot.parser.__file__.endswith(".so") else " (pure Python)"),
    }


def _peer_one(c: Case) -> dict[str, Any]:
    import warnings

    from sqllineage.core.metadata.dummy import DummyMetaDataProvider
    from sqllineage.runner import LineageRunner

    provider = DummyMetaDataProvider({k: list(v) for k, v in c.schema.items()})
    errors = []
    for dialect in (SQLFLUFF_DIALECTS.get(c.dialect, "ansi"), "non-validating"):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                runner = LineageRunner(c.sql, dialect=dialect, metadata_provider=provider)
                read = [str(t) for t in runner.source_tables]
                write = [str(t) for t in runner.target_tables]
                columns = [f"{path[0]} -> {path[-1]}" for path in runner.get_column_lineage()]
            return {"read": read, "write": write, "columns": columns, "error": None}
        except Exception as error:  # the peer gets a second chance with its lenient parser
            errors.append(f"{dialect}: {type(error).__name__}: {str(error)[:200]}")
    return {"read": [], "write": [], "columns": [], "error": " | ".join(errors)}


def peer_worker(rounds: int) -> None:
    """Runs inside .venv-bench: prints one JSON object with sqllineage's answers."""
    import sqlfluff
    import sqllineage

    outputs: dict[str, Any] = {}
    timings: dict[str, list[float]] = {c.name: [] for c in CASES}
    _peer_one(CASES[0])  # warm-up
    for _ in range(rounds):
        for c in CASES:
            start = time.perf_counter()
            outputs[c.name] = _peer_one(c)
            timings[c.name].append(time.perf_counter() - start)
    tracemalloc.start()
    for c in CASES:
        _peer_one(c)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        json.dumps(
            {
                "outputs": outputs,
                "timings": timings,
                "tracemalloc_peak": peak,
                "max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                "version": f"sqllineage {sqllineage.VERSION} (sqlfluff {sqlfluff.__version__})",
            }
        )
    )


def run_peer(rounds: int) -> dict[str, Any] | None:
    if not PEER_PYTHON.exists():
        print(f"!! {PEER_PYTHON} missing: run `make -f mk/bench.mk bench-env` first")
        return None
    done = subprocess.run(
        [str(PEER_PYTHON), __file__, "--peer-worker", "--rounds", str(rounds)],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    if done.returncode != 0:
        print("!! peer worker failed:\n" + done.stderr[-2000:])
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------- scoring


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def score(outputs: dict[str, Any]) -> dict[str, Any]:
    t_tp = t_fp = t_fn = t_exact = 0
    c_tp = c_fp = c_fn = c_exact = c_cases = 0
    misses: list[str] = []
    for c in CASES:
        out = outputs[c.name]
        got_tables = {("r", norm(t)) for t in out["read"]} | {("w", norm(t)) for t in out["write"]}
        want_tables = {("r", norm(t)) for t in c.read} | {("w", norm(t)) for t in c.write}
        t_tp += len(got_tables & want_tables)
        t_fp += len(got_tables - want_tables)
        t_fn += len(want_tables - got_tables)
        table_ok = got_tables == want_tables
        t_exact += table_ok
        column_ok = True
        if c.columns is not None:
            c_cases += 1
            got = {norm(e) for e in out["columns"]}
            want = {norm(e) for e in c.columns}
            c_tp += len(got & want)
            c_fp += len(got - want)
            c_fn += len(want - got)
            column_ok = got == want
            c_exact += column_ok
            if not column_ok:
                misses.append(
                    f"{c.name}: columns missing {sorted(want - got)} extra {sorted(got - want)}"
                )
        if not table_ok:
            misses.append(
                f"{c.name}: tables missing {sorted(want_tables - got_tables)} "
                f"extra {sorted(got_tables - want_tables)}"
            )
    return {
        "tables": (*prf(t_tp, t_fp, t_fn), t_exact / len(CASES)),
        "columns": (*prf(c_tp, c_fp, c_fn), c_exact / c_cases),
        "errors": sum(1 for c in CASES if outputs[c.name]["error"]),
        "misses": misses,
    }


def speed(run: dict[str, Any], statements: dict[str, int]) -> dict[str, float]:
    total_time = sum(sum(v) for v in run["timings"].values())
    rounds = len(next(iter(run["timings"].values())))
    total_statements = sum(statements.values()) * rounds
    per_statement = sorted(
        t / max(statements[name], 1) for name, times in run["timings"].items() for t in times
    )
    return {
        "stmts_per_s": total_statements / total_time,
        "p50_ms": statistics.median(per_statement) * 1e3,
        "p95_ms": per_statement[int(0.95 * (len(per_statement) - 1))] * 1e3,
        "peak_mib": run["tracemalloc_peak"] / 2**20,
        "rss_mib": run["max_rss_kb"] / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--peer-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--verbose", action="store_true", help="list every imperfect case")
    args = parser.parse_args()
    if args.peer_worker:
        peer_worker(args.rounds)
        return

    ours = run_ours(args.rounds)
    statements = {name: out["statements"] for name, out in ours["outputs"].items()}
    peer = run_peer(args.rounds)
    n_columns = sum(1 for c in CASES if c.columns is not None)
    print(
        f"lineage bench: {len(CASES)} cases ({n_columns} with column answers), "
        f"{sum(statements.values())} statements, {args.rounds} cold rounds, "
        f"Python {platform.python_version()}"
    )
    runs = [("ours", ours)] + ([("sqllineage", peer)] if peer else [])
    results = {}
    for label, run in runs:
        results[label] = (score(run["outputs"]), speed(run, statements))
        print(f"  {label:<11} {run['version']}")
    header = (
        f"{'':<11} {'tbl P':>6} {'tbl R':>6} {'tbl F1':>6} {'tbl EM':>6} "
        f"{'col P':>6} {'col R':>6} {'col F1':>6} {'col EM':>6} {'errors':>6}"
    )
    print("\nquality\n" + header)
    for label, (sc, _) in results.items():
        tp, tr, tf, te = sc["tables"]
        cp, cr, cf, ce = sc["columns"]
        print(
            f"{label:<11} {tp:6.3f} {tr:6.3f} {tf:6.3f} {te:6.3f} "
            f"{cp:6.3f} {cr:6.3f} {cf:6.3f} {ce:6.3f} {sc['errors']:6d}"
        )
    print(
        "\nspeed and memory\n"
        f"{'':<11} {'stmts/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'peak MiB':>9} {'RSS MiB':>8}"
    )
    for label, (_, sp) in results.items():
        print(
            f"{label:<11} {sp['stmts_per_s']:9.1f} {sp['p50_ms']:8.2f} {sp['p95_ms']:8.2f} "
            f"{sp['peak_mib']:9.1f} {sp['rss_mib']:8.1f}"
        )
    cached_rate = sum(statements.values()) / ours["cached_seconds"]
    print(f"ours, cache hits: {cached_rate:,.0f} stmts/s")
    if "sqllineage" in results:
        o, p = results["ours"][1], results["sqllineage"][1]
        oq, pq = results["ours"][0], results["sqllineage"][0]
        print("\nratios (ours / sqllineage)")
        print(
            f"  throughput x{o['stmts_per_s'] / p['stmts_per_s']:.1f}, "
            f"p50 latency x{o['p50_ms'] / p['p50_ms']:.3f}, "
            f"peak traced memory x{o['peak_mib'] / p['peak_mib']:.2f}"
        )
        print(
            f"  table F1 {oq['tables'][2]:.3f} vs {pq['tables'][2]:.3f}, "
            f"column F1 {oq['columns'][2]:.3f} vs {pq['columns'][2]:.3f}"
        )
    for label, (sc, _) in results.items():
        shown = sc["misses"] if args.verbose else sc["misses"][:0]
        print(
            f"\n{label}: {len(sc['misses'])} imperfect case answers"
            + (" (--verbose lists them)" if not args.verbose else "")
        )
        for miss in shown:
            print("   - " + miss)


if __name__ == "__main__":
    main()
