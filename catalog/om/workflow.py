"""Workflow configs for the stock ``metadata ingest`` CLI, and reading its output (pure).

The config is written as JSON, which is YAML too, so the web process needs no YAML library.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import make_url

SOURCE_TYPES = {"postgresql": "postgres", "mysql": "mysql"}
CONNECTION_TYPES = {"postgresql": "Postgres", "mysql": "Mysql"}
DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306}


class WorkflowError(ValueError):
    """The source cannot be ingested through OpenMetadata (message safe to show)."""


def connection_config(kind: str, dsn: str) -> dict[str, Any]:
    """OpenMetadata's ``serviceConnection.config`` for a Custos source DSN."""
    if kind not in CONNECTION_TYPES:
        raise WorkflowError(
            f"OpenMetadata ingestion supports PostgreSQL and MySQL/MariaDB sources, not {kind}."
        )
    url = make_url(dsn)
    host_port = f"{url.host or 'localhost'}:{url.port or DEFAULT_PORTS[kind]}"
    config: dict[str, Any] = {
        "type": CONNECTION_TYPES[kind],
        "username": url.username or "",
        "authType": {"password": url.password or ""},
        "hostPort": host_port,
    }
    if kind == "postgresql":
        config["database"] = url.database or "postgres"
        config["ingestAllDatabases"] = False
    return config


def _server(server_url: str, token: str) -> dict[str, Any]:
    return {
        "loggerLevel": "INFO",
        "openMetadataServerConfig": {
            "hostPort": server_url.rstrip("/") + "/om/api",
            "authProvider": "openmetadata",
            "securityConfig": {"jwtToken": token},
        },
    }


def _schema_filter(include: list[str], exclude: list[str]) -> dict[str, Any]:
    pattern: dict[str, list[str]] = {"excludes": [r"^information_schema$", r"^pg_.*", r"^sys$"]}
    pattern["excludes"] += [r"^mysql$", r"^performance_schema$"]
    pattern["excludes"] += [f"^{re.escape(s)}$" for s in exclude]
    if include:
        pattern["includes"] = [f"^{re.escape(s)}$" for s in include]
    return pattern


def metadata_workflow(
    *,
    service_name: str,
    kind: str,
    dsn: str,
    server_url: str,
    token: str,
    include: list[str] | None = None,
    exclude: list[str] | None = None,
) -> dict[str, Any]:
    """The metadata workflow: services, databases, schemas, tables, views, constraints."""
    include, exclude = include or [], exclude or []
    return {
        "source": {
            "type": SOURCE_TYPES.get(kind, kind),
            "serviceName": service_name,
            "serviceConnection": {"config": connection_config(kind, dsn)},
            "sourceConfig": {
                "config": {
                    "type": "DatabaseMetadata",
                    "markDeletedTables": True,
                    "includeTables": True,
                    "includeViews": True,
                    "includeTags": True,
                    "includeDDL": False,
                    "includeStoredProcedures": False,
                    "schemaFilterPattern": _schema_filter(include, exclude),
                }
            },
        },
        "sink": {"type": "metadata-rest", "config": {}},
        "workflowConfig": _server(server_url, token),
    }


def lineage_workflow(
    *,
    service_name: str,
    kind: str,
    dsn: str,
    server_url: str,
    token: str,
    include: list[str] | None = None,
    exclude: list[str] | None = None,
) -> dict[str, Any]:
    """The lineage workflow, restricted to view lineage (views parsed from their SQL)."""
    include, exclude = include or [], exclude or []
    return {
        "source": {
            "type": SOURCE_TYPES.get(kind, kind) + "-lineage",
            "serviceName": service_name,
            "serviceConnection": {"config": connection_config(kind, dsn)},
            "sourceConfig": {
                "config": {
                    "type": "DatabaseLineage",
                    "processViewLineage": True,
                    "processQueryLineage": False,
                    "processStoredProcedureLineage": False,
                    "processCrossDatabaseLineage": False,
                    "schemaFilterPattern": _schema_filter(include, exclude),
                }
            },
        },
        "sink": {"type": "metadata-rest", "config": {}},
        "workflowConfig": _server(server_url, token),
    }


@dataclass
class CliSummary:
    """What the CLI reported: records written, warnings, failures and the last lines."""

    records: int = 0
    updated: int = 0
    warnings: int = 0
    failures: int = 0
    filtered: int = 0
    errors: list[str] = field(default_factory=list)
    tail: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "updated_records": self.updated,
            "warnings": self.warnings,
            "failures": self.failures,
            "filtered": self.filtered,
        }


_SUMMARY = {
    "records": re.compile(r"Processed records:\s*(\d+)", re.I),
    "updated": re.compile(r"Updated records:\s*(\d+)", re.I),
    "warnings": re.compile(r"Warnings:\s*(\d+)", re.I),
    "failures": re.compile(r"Errors:\s*(\d+)", re.I),
    "filtered": re.compile(r"Filtered:\s*(\d+)", re.I),
}
_SECRETS = re.compile(r"(password|jwtToken|token)(['\"]?\s*[:=]\s*['\"]?)[^'\",\s}]+", re.I)


def redact(line: str, *secrets: str) -> str:
    for secret in secrets:
        if secret:
            line = line.replace(secret, "***")
    return _SECRETS.sub(r"\1\2***", line)


def parse_summary_line(summary: CliSummary, line: str) -> None:
    """Fold one line of CLI output into ``summary`` (step summaries are summed)."""
    for key, pattern in _SUMMARY.items():
        for m in pattern.finditer(line):
            setattr(summary, key, getattr(summary, key) + int(m.group(1)))
    if " ERROR " in line or line.startswith("ERROR") or "Traceback" in line:
        summary.errors.append(line.strip()[:300])
    summary.tail.append(line.rstrip()[:300])
    if len(summary.tail) > 40:
        del summary.tail[0]
