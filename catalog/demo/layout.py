"""Where each demo object lives on each engine.

Three logical layers, ``raw`` -> ``staging`` -> ``marts``, mapped per dialect:

==========  =============================  ==================================  =====================
layer       PostgreSQL (schemas)           MariaDB (one database per layer)    SQLite (one file)
==========  =============================  ==================================  =====================
raw         ``raw.passengers``             ``<db>_raw.passengers``             ``raw_passengers``
staging     ``staging.stg_passengers``     ``<db>_staging.stg_passengers``     ``stg_passengers``
marts       ``marts.passenger_360``        ``<db>_marts.passenger_360``        ``mart_passenger_360``
==========  =============================  ==================================  =====================

``<db>`` is the database named in the URL (default ``custos_demo``); on MariaDB that database
itself stays empty and is only the connection's home. Column FQNs are
``database.schema.table.column``: the database part is the URL's database on PostgreSQL and
MariaDB and the SQLite file's stem (``airline`` for ``airline.db``); the schema part is the
real schema (PostgreSQL), the per-layer database (MariaDB) or ``main`` (SQLite).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Dialect = Literal["sqlite", "postgres", "mysql"]
Layer = Literal["raw", "staging", "marts"]
LAYERS: tuple[Layer, ...] = ("raw", "staging", "marts")

DEFAULT_DATABASE: dict[str, str] = {
    "sqlite": "airline",
    "postgres": "custos_demo",
    "mysql": "custos_demo",
}


def as_dialect(name: str) -> Dialect:
    """Narrow a dialect name, refusing unknown ones."""
    if name == "sqlite":
        return "sqlite"
    if name == "postgres":
        return "postgres"
    if name == "mysql":
        return "mysql"
    raise ValueError(f"unknown dialect {name!r}; expected sqlite, postgres or mysql")


def as_layer(name: str) -> Layer:
    if name == "raw":
        return "raw"
    if name == "staging":
        return "staging"
    if name == "marts":
        return "marts"
    raise ValueError(f"unknown layer {name!r}")


_SQLITE_PREFIX: dict[str, str] = {"raw": "raw_", "staging": "", "marts": "mart_"}


@dataclass(frozen=True)
class Layout:
    dialect: Dialect
    database: str

    def schema(self, layer: Layer) -> str:
        """The schema part of FQNs for ``layer``."""
        if self.dialect == "postgres":
            return layer
        if self.dialect == "mysql":
            return f"{self.database}_{layer}"
        return "main"

    def table_name(self, layer: Layer, table: str) -> str:
        """The unqualified table name (SQLite carries the layer as a prefix)."""
        if self.dialect == "sqlite":
            return _SQLITE_PREFIX[layer] + table
        return table

    def qualified(self, layer: Layer, table: str) -> str:
        """The name to use in SQL text."""
        if self.dialect == "sqlite":
            return self.table_name(layer, table)
        return f"{self.schema(layer)}.{table}"

    def key(self, layer: Layer, table: str) -> str:
        """``schema.table``: the key used in ``DemoResult.tables``."""
        return f"{self.schema(layer)}.{self.table_name(layer, table)}"

    def fqn(self, layer: Layer, table: str, column: str) -> str:
        return f"{self.database}.{self.key(layer, table)}.{column}"

    def placeholders(self) -> dict[str, str]:
        """Values for the ``{raw}``, ``{staging}``, ``{marts}`` markers in the SQL scripts."""
        return {layer: self.schema(layer) for layer in LAYERS}
