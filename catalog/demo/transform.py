"""The transformation scripts (raw -> staging -> marts) and how they are executed.

Scripts live in ``scripts/<dialect>/NN_name.sql``, run in file-name order, one connection per
script so temporary tables survive between its statements. MariaDB scripts name their
databases ``{raw}``, ``{staging}`` and ``{marts}``; those markers are replaced with the
per-layer database names before execution, and ``DemoScript.sql`` is the text as executed.
Statements end with a semicolon at the end of a line (no semicolons inside literals).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from catalog.demo.layout import DEFAULT_DATABASE, Dialect, Layout, as_dialect

SCRIPT_DIR = Path(__file__).parent / "scripts"
DIALECTS: tuple[Dialect, ...] = ("sqlite", "postgres", "mysql")


@dataclass(frozen=True)
class DemoScript:
    name: str
    dialect: str
    sql: str


def transformation_scripts(dialect: str, *, database: str | None = None) -> list[DemoScript]:
    """The scripts for ``dialect`` ("sqlite", "postgres" or "mysql"), in execution order.

    ``database`` only matters on MariaDB, where it names the per-layer databases
    (default ``custos_demo`` -> ``custos_demo_raw`` ...).
    """
    layout = Layout(as_dialect(dialect), database or DEFAULT_DATABASE[dialect])
    scripts = []
    for path in sorted((SCRIPT_DIR / dialect).glob("*.sql")):
        sql = path.read_text(encoding="utf-8")
        if dialect == "mysql":
            sql = sql.format_map(layout.placeholders())
        scripts.append(DemoScript(name=path.stem, dialect=dialect, sql=sql))
    return scripts


def split_statements(sql: str) -> list[str]:
    """Split a script on semicolons that end a line; comment-only chunks are dropped."""
    statements: list[str] = []
    current: list[str] = []
    for line in sql.splitlines():
        current.append(line)
        if line.rstrip().endswith(";") and not line.lstrip().startswith("--"):
            statements.append("\n".join(current).rstrip().rstrip(";"))
            current = []
    statements.append("\n".join(current))
    return [s.strip() for s in statements if _has_code(s)]


def _has_code(statement: str) -> bool:
    return any(
        line.strip() and not line.strip().startswith("--") for line in statement.splitlines()
    )


def run_script(engine: Engine, script: DemoScript) -> None:
    """Execute every statement of ``script`` on one DBAPI connection, then commit."""
    raw = engine.raw_connection()
    try:
        # the DBAPI cursor is used directly so "%" in MariaDB's DATE_FORMAT is not a placeholder
        cursor: Any = raw.cursor()
        try:
            for statement in split_statements(script.sql):
                cursor.execute(statement)
        finally:
            cursor.close()
        raw.commit()
    except Exception:
        raw.rollback()
        raise
    finally:
        raw.close()
