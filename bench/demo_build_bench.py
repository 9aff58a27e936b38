"""Build-time benchmark of the airline demo: seconds, rows/s and peak memory per target/size.

Usage:
    .venv/bin/python bench/demo_build_bench.py                  # small + medium on all targets
    .venv/bin/python bench/demo_build_bench.py --large          # also large on PostgreSQL
    .venv/bin/python bench/demo_build_bench.py --targets sqlite --sizes medium

Each case builds into a throwaway database (dropped afterwards) in a fresh child process, so
"peak MiB" is that process's maximum resident set size (interpreter, Faker and the driver
included). "load s" covers generation, bulk load and constraint/index creation; "sql s" the
transformation scripts.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import tempfile
import time
import uuid
from multiprocessing.queues import Queue
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from catalog.demo import build_airline, drop_database, server_available

SERVERS = {
    "postgres": "postgresql+psycopg://postgres@127.0.0.1:5432",
    "mariadb": "mysql+pymysql://root@127.0.0.1:3306",
}


def target_url(target: str, workdir: Path) -> str:
    if target == "sqlite":
        return f"sqlite:///{workdir / f'bench_{uuid.uuid4().hex[:8]}.db'}"
    return f"{SERVERS[target]}/custos_bench_{uuid.uuid4().hex[:8]}"


def build_case(url: str, size: str, results: Queue) -> None:
    """Child process: build, measure, drop; put (seconds, raw rows, load s, sql s, peak KiB)."""
    marks: dict[str, float] = {"start": time.perf_counter()}

    def progress(step: str, done: int, total: int) -> None:
        if step.startswith("script:") and "scripts" not in marks:
            marks["scripts"] = time.perf_counter()

    try:
        result = build_airline(url, size=size, progress=progress)
    finally:
        drop_database(url)
    end = marks["start"] + result.seconds
    raw_rows = sum(n for key, n in result.tables.items() if _is_raw(key))
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    load_s = marks["scripts"] - marks["start"]
    results.put((result.seconds, raw_rows, load_s, end - marks["scripts"], peak_kib))


def _is_raw(key: str) -> bool:
    schema, name = key.split(".")
    return schema.endswith("raw") or name.startswith("raw_")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--targets", default="sqlite,postgres,mariadb")
    parser.add_argument("--sizes", default="small,medium")
    parser.add_argument("--large", action="store_true", help="also build large on PostgreSQL")
    args = parser.parse_args()
    cases = [(t, s) for s in args.sizes.split(",") for t in args.targets.split(",")]
    if args.large:
        cases.append(("postgres", "large"))
    context = multiprocessing.get_context("spawn")
    print(
        f"{'target':<9} {'size':<7} {'raw rows':>11} {'seconds':>8} {'rows/s':>9} "
        f"{'load s':>7} {'sql s':>6} {'peak MiB':>9}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for target, size in cases:
            url = target_url(target, Path(tmp))
            if not server_available(url):
                print(f"{target:<9} {size:<7} skipped: server not reachable")
                continue
            results: Queue = context.Queue()
            child = context.Process(target=build_case, args=(url, size, results))
            child.start()
            seconds, rows, load_s, sql_s, peak_kib = results.get()
            child.join()
            print(
                f"{target:<9} {size:<7} {rows:>11,} {seconds:>8.2f} {rows / seconds:>9,.0f} "
                f"{load_s:>7.2f} {sql_s:>6.2f} {peak_kib / 1024:>9.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
