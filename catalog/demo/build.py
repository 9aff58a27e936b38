"""``build_airline``: create, load and transform one demo airline database."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from catalog.demo import load
from catalog.demo.databases import engine_for, ensure_database, layout_for
from catalog.demo.generate import AirlineGenerator
from catalog.demo.layout import LAYERS, Layout
from catalog.demo.sizes import SIZES, DemoSize
from catalog.demo.transform import DemoScript, run_script, transformation_scripts

Progress = Callable[[str, int, int], None]


@dataclass
class DemoResult:
    url: str
    dialect: str
    tables: dict[str, int]  # "schema.table" -> rows, for every table and view built
    scripts: list[DemoScript]
    seconds: float
    database: str = ""  # logical database name used in FQNs
    schemas: list[str] = field(default_factory=list)  # schema part of FQNs, raw -> marts


def build_airline(
    url: str,
    *,
    size: str = "small",
    seed: int = 42,
    progress: Progress | None = None,
) -> DemoResult:
    """Build the airline demo at ``url`` from scratch and return what was built.

    Creates the database if missing, drops and recreates every demo object, loads the raw
    tables and runs the transformation scripts. The same ``seed`` and ``size`` always give the
    same rows. ``progress(step, done, total)`` is called while loading (``step`` is
    ``"load:<table>"``, counts are rows, ``total`` an estimate) and per script
    (``"script:<name>"``, counts are scripts).
    """
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; expected one of {', '.join(SIZES)}")
    started = time.perf_counter()
    layout = layout_for(url)
    ensure_database(url)
    engine = engine_for(url, poolclass=NullPool)
    report = progress or (lambda step, done, total: None)
    try:
        finish = load.recreate_raw(engine, layout)
        _load_raw(engine, layout, SIZES[size], seed, report)
        load.finish_raw(engine, finish)
        scripts = transformation_scripts(layout.dialect, database=layout.database)
        for position, script in enumerate(scripts, start=1):
            report(f"script:{script.name}", position - 1, len(scripts))
            run_script(engine, script)
        report("done", len(scripts), len(scripts))
        tables = count_rows(engine, layout)
    finally:
        engine.dispose()
    return DemoResult(
        url=url,
        dialect=layout.dialect,
        tables=tables,
        scripts=scripts,
        seconds=time.perf_counter() - started,
        database=layout.database,
        schemas=list(dict.fromkeys(layout.schema(layer) for layer in LAYERS)),
    )


def estimated_rows(size: DemoSize) -> int:
    """Roughly how many raw rows a size produces (for progress bars)."""
    return int(size.passengers * 1.55 + size.flights * 7.9 + size.bookings * 2.4 + size.crew + 60)


def _load_raw(engine: Engine, layout: Layout, size: DemoSize, seed: int, report: Progress) -> None:
    total = estimated_rows(size)
    loaded = 0

    def on_rows(table: str, rows: int) -> None:
        nonlocal loaded
        loaded += rows
        report(f"load:{table}", min(loaded, total), total)

    load.load(engine, layout, AirlineGenerator(size, seed).batches(), on_rows)


def count_rows(engine: Engine, layout: Layout) -> dict[str, int]:
    """Rows in every demo table and view, keyed ``schema.table``, in a stable order."""
    counts: Counter[str] = Counter()
    with engine.connect() as connection:
        inspector = inspect(connection)
        for layer in LAYERS:
            schema = layout.schema(layer)
            names = inspector.get_table_names(schema) + inspector.get_view_names(schema)
            for name in sorted(set(names)):
                if layout.dialect == "sqlite" and not _in_layer(name, layer):
                    continue
                qualified = name if layout.dialect == "sqlite" else f"{schema}.{name}"
                rows = connection.execute(text(f"SELECT COUNT(*) FROM {qualified}")).scalar_one()
                counts[f"{schema}.{name}"] = int(rows)
    return dict(counts)


def _in_layer(name: str, layer: str) -> bool:
    if layer == "raw":
        return name.startswith("raw_")
    if layer == "staging":
        return name.startswith("stg_")
    return name.startswith("mart_")
