"""Crash injection: the executor is killed (``os._exit(9)``) at random source writes, before
or after the source commit or after the journal commit, then resumed; the end state and the
per-row touch log (written by triggers in the source) equal those of an uninterrupted run:
no row missed, none touched twice.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.gdpr.conftest import PG_BASE, server_or_skip

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.sources


def _drive(workdir: Path, ref_url: str, crash_url: str, seed: int) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTOS_GDPR_CRASH")}
    env.update(
        DJANGO_SETTINGS_MODULE="custos.settings",
        PYTHONPATH=str(ROOT),
        DATABASE_URL=f"sqlite:///{workdir / 'custos.db'}",
        CUSTOS_DATA_DIR=str(workdir / "data"),
    )
    out = subprocess.run(
        [sys.executable, "-m", "tests.gdpr.crash_helper", ref_url, crash_url, str(seed)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-4000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def _snapshot(url: str, tables: list[str]) -> tuple[dict[str, list[str]], Counter[str]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            state = {
                t: sorted(repr(tuple(r)) for r in conn.execute(sa.text(f"SELECT * FROM {t}")))
                for t in tables
            }
            log = Counter(
                f"{r[0]}|{r[1]}|{r[2]}"
                for r in conn.execute(sa.text("SELECT tbl, pk, op FROM touch_log"))
            )
    finally:
        engine.dispose()
    return state, log


def _sqlite_triggers(url: str) -> list[str]:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        tables = [
            r[0]
            for r in conn.execute(
                sa.text(
                    "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
                )
            )
        ]
        conn.execute(sa.text("CREATE TABLE touch_log (tbl TEXT, pk TEXT, op TEXT)"))
        for t in tables:
            for op in ("UPDATE", "DELETE"):
                conn.execute(
                    sa.text(
                        f"CREATE TRIGGER tl_{t}_{op[0]} AFTER {op} ON {t} BEGIN "
                        f"INSERT INTO touch_log VALUES ('{t}', OLD.rowid, '{op}'); END"
                    )
                )
    engine.dispose()
    return tables


def _pg_triggers(url: str) -> list[str]:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        tables = [
            f"{r[0]}.{r[1]}"
            for r in conn.execute(
                sa.text(
                    "SELECT table_schema, table_name FROM information_schema.tables WHERE "
                    "table_schema IN ('raw','staging','marts') AND table_type = 'BASE TABLE'"
                )
            )
        ]
        conn.execute(sa.text("CREATE TABLE public.touch_log (tbl text, pk text, op text)"))
        conn.execute(
            sa.text(
                "CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "INSERT INTO public.touch_log VALUES (TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME, "
                "row_to_json(OLD)::text, TG_OP); RETURN OLD; END $$"
            )
        )
        for i, t in enumerate(tables):
            conn.execute(
                sa.text(
                    f"CREATE TRIGGER tl_{i} AFTER UPDATE OR DELETE ON {t} "
                    "FOR EACH ROW EXECUTE FUNCTION public.touch()"
                )
            )
    engine.dispose()
    return tables


def _check(workdir: Path, ref_url: str, crash_url: str, tables: list[str], seed: int) -> None:
    result = _drive(workdir, ref_url, crash_url, seed)
    assert result["crashes"] >= 3, result["exits"]
    assert result["exits"][-1] == 0 and set(result["exits"][:-1]) == {9}
    final, ref = result["crash"], result["ref"]
    assert final["status"] == "completed" and ref["status"] == "completed"
    assert any(step[3] > 1 for step in final["steps"])  # some steps really were resumed
    ref_state, ref_log = _snapshot(ref_url, tables)
    state, log = _snapshot(crash_url, tables)
    assert state == ref_state  # no row missed (nor any extra row changed)
    assert log == ref_log  # every row touched exactly as often as in the clean run
    assert any(k.endswith("UPDATE") for k in log) and any(k.endswith("DELETE") for k in log)
    assert max(Counter(k.rsplit("|", 1)[0] for k in log).values()) == 1  # at most once each
    # the journal's counts (before/after/affected) survive the crashes too
    assert [(s[0], s[1], s[4], s[5], s[6]) for s in final["steps"]] == [
        (s[0], s[1], s[4], s[5], s[6]) for s in ref["steps"]
    ]


def test_kill_and_resume_is_exact_on_sqlite(tmp_path: Path, demo_template: Path) -> None:
    urls = {}
    for name in ("ref", "crash"):
        (tmp_path / name).mkdir()
        path = tmp_path / name / "airline.db"
        shutil.copyfile(demo_template, path)
        urls[name] = f"sqlite:///{path}"
    tables = _sqlite_triggers(urls["ref"])
    _sqlite_triggers(urls["crash"])
    _check(tmp_path, urls["ref"], urls["crash"], tables, seed=1)


def test_kill_and_resume_is_exact_on_postgres(tmp_path: Path) -> None:
    from catalog.demo import build_airline, drop_database

    base = f"gdpr_crash_{uuid.uuid4().hex[:6]}"
    urls = {"ref": PG_BASE + base + "_r", "crash": PG_BASE + base + "_c"}
    server_or_skip(urls["ref"])
    build_airline(urls["ref"], size="small", seed=7)
    try:
        admin = sa.create_engine(PG_BASE + "postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{base}_c" TEMPLATE "{base}_r"'))
        admin.dispose()
        tables = _pg_triggers(urls["ref"])
        _pg_triggers(urls["crash"])
        _check(tmp_path, urls["ref"], urls["crash"], tables, seed=3)
    finally:
        for url in urls.values():
            drop_database(url)
