"""Deterministic "Custos Air" demo dataset: raw airline data, staging views and marts.

Pure package (no Django). ``build_airline(url, size=..., seed=...)`` creates a database on
SQLite, PostgreSQL or MariaDB, loads generated raw data and runs the transformation scripts;
``transformation_scripts(dialect)`` returns that SQL for lineage parsing and
``expected_lineage(dialect)`` the column edges it must yield. Layout per engine: see
``catalog.demo.layout``.
"""

from catalog.demo.build import DemoResult, build_airline
from catalog.demo.databases import drop_database, ensure_database, server_available
from catalog.demo.layout import DEFAULT_DATABASE, Layout
from catalog.demo.lineage_expected import expected_lineage
from catalog.demo.sizes import SIZES, DemoSize
from catalog.demo.transform import DemoScript, transformation_scripts

__all__ = [
    "DEFAULT_DATABASE",
    "SIZES",
    "DemoResult",
    "DemoScript",
    "DemoSize",
    "Layout",
    "build_airline",
    "drop_database",
    "ensure_database",
    "expected_lineage",
    "server_available",
    "transformation_scripts",
]
