"""dbt ``manifest.json`` (schema v7 .. v12): models, sources, compiled SQL.

* A **model** becomes a provenance ``dbt`` / ``unique_id``. Its compiled SQL
  (``compiled_code``, or ``compiled_sql`` before dbt 1.3) is wrapped as
  ``CREATE TABLE|VIEW <database>.<schema>.<alias> AS ...`` and parsed by the engine,
  so column lineage comes out exactly as for hand-written SQL. Ephemeral models are not
  targets: dbt inlines them into their consumers' compiled SQL as CTEs.
* ``depends_on.nodes`` always gives table edges (also when the manifest was produced by
  ``dbt parse`` and has no compiled SQL: then lineage is table level only).
* **Sources** and **seeds** are relations (``database.schema.identifier``) that models read.
* Documented ``columns`` of models and sources feed the engine's schema, so ``SELECT *``
  over a model the catalog has not ingested yet still expands.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from custos.errors import ValidationFailed

# dbt adapter -> sqlglot dialect
DIALECTS = {
    "postgres": "postgres",
    "redshift": "redshift",
    "snowflake": "snowflake",
    "bigquery": "bigquery",
    "databricks": "databricks",
    "spark": "spark",
    "duckdb": "duckdb",
    "mysql": "mysql",
    "mariadb": "mysql",
    "sqlite": "sqlite",
    "trino": "trino",
    "sqlserver": "tsql",
    "fabric": "tsql",
}


@dataclass
class DbtModel:
    unique_id: str
    database: str | None
    schema: str | None
    alias: str
    materialized: str
    compiled_sql: str
    raw_sql: str
    depends_on: list[str] = field(default_factory=list)

    @property
    def relation(self) -> str:
        return _relation(self.database, self.schema, self.alias)


@dataclass
class DbtManifest:
    adapter: str
    dbt_version: str
    models: list[DbtModel]
    relations: dict[str, str]  # unique_id -> "database.schema.identifier"
    columns: dict[str, dict[str, str]]  # relation -> {column: type}

    def documented_columns(self) -> dict[str, dict[str, str]]:
        return {rel: cols for rel, cols in self.columns.items() if cols}


def _relation(database: str | None, schema: str | None, name: str) -> str:
    from catalog.ingest.snapshot import make_fqn

    return make_fqn(*[p for p in (database, schema, name) if p])


def load(manifest: dict[str, Any] | str | Path) -> dict[str, Any]:
    if isinstance(manifest, dict):
        return manifest
    try:
        data = json.loads(Path(manifest).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationFailed(f"Cannot read the dbt manifest: {exc}") from exc
    if not isinstance(data, dict):
        raise ValidationFailed("A dbt manifest is a JSON object.")
    return data


def _columns(node: dict[str, Any]) -> dict[str, str]:
    columns = node.get("columns") or {}
    if not isinstance(columns, dict):
        return {}
    out: dict[str, str] = {}
    for key, column in columns.items():
        if isinstance(column, dict):
            out[str(column.get("name") or key)] = str(column.get("data_type") or "")
    return out


def parse_manifest(data: dict[str, Any]) -> DbtManifest:
    nodes = data.get("nodes")
    if not isinstance(nodes, dict):
        raise ValidationFailed("Not a dbt manifest: no 'nodes' object.")
    metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    assert isinstance(metadata, dict)
    relations: dict[str, str] = {}
    columns: dict[str, dict[str, str]] = {}
    models: list[DbtModel] = []
    for unique_id, node in list(nodes.items()) + list((data.get("sources") or {}).items()):
        if not isinstance(node, dict):
            continue
        kind = node.get("resource_type")
        if kind not in ("model", "seed", "snapshot", "source"):
            continue
        name = node.get("identifier") if kind == "source" else node.get("alias")
        name = name or node.get("name")
        if not isinstance(name, str) or not name:
            continue
        relation = _relation(node.get("database"), node.get("schema"), name)
        relations[unique_id] = relation
        columns[relation] = _columns(node)
        if kind != "model":
            continue
        config = node.get("config") if isinstance(node.get("config"), dict) else {}
        assert isinstance(config, dict)
        materialized = str(config.get("materialized") or "view")
        if materialized == "ephemeral":
            continue
        depends = (node.get("depends_on") or {}).get("nodes") or []
        models.append(
            DbtModel(
                unique_id=unique_id,
                database=node.get("database"),
                schema=node.get("schema"),
                alias=name,
                materialized=materialized,
                compiled_sql=str(node.get("compiled_code") or node.get("compiled_sql") or ""),
                raw_sql=str(node.get("raw_code") or node.get("raw_sql") or ""),
                depends_on=[d for d in depends if isinstance(d, str)],
            )
        )
    return DbtManifest(
        adapter=str(metadata.get("adapter_type") or ""),
        dbt_version=str(metadata.get("dbt_version") or ""),
        models=models,
        relations=relations,
        columns=columns,
    )


def as_statement(model: DbtModel, dialect: str) -> str:
    """The model's compiled SELECT as the DDL dbt would run."""
    from sqlglot import exp

    table = exp.table_(model.alias, db=model.schema or None, catalog=model.database or None)
    if dialect == "mysql":  # no catalogs: dbt-mysql's schema is the database
        table = exp.table_(model.alias, db=model.schema or None)
    kind = "VIEW" if model.materialized == "view" else "TABLE"
    body = model.compiled_sql.strip().rstrip(";")
    return f"CREATE {kind} {table.sql(dialect=dialect)} AS {body}"
