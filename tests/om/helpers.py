"""Test helpers: the ingestion virtualenv, pydantic validation of answers, recorded bodies."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
INGEST_PYTHON = ROOT / ".venv-ingest" / "bin" / "python"
INGEST_CLI = ROOT / ".venv-ingest" / "bin" / "metadata"
RECORDED = Path(__file__).with_name("recorded")


def ingest_env_available() -> bool:
    return INGEST_PYTHON.exists() and INGEST_CLI.exists()


def skip_reason() -> str | None:
    """Why OpenMetadata-dependent tests cannot run, or None. CI must never skip them."""
    if ingest_env_available():
        return None
    if os.environ.get("CUSTOS_REQUIRE_SERVERS"):
        return None  # let the test fail loudly: CI promised the ingestion virtualenv
    return ".venv-ingest is absent (build it with `make -f mk/ingest.mk ingest-env`)"


def validate(pairs: list[tuple[str, Any]]) -> list[str]:
    """Validate (model name, data) pairs with OpenMetadata's models; returns the errors."""
    if not pairs:
        return []
    payload = "".join(json.dumps({"model": m, "data": d}) + "\n" for m, d in pairs)
    proc = subprocess.run(
        [str(INGEST_PYTHON), str(Path(__file__).with_name("om_validate.py"))],
        input=payload,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert len(results) == len(pairs), proc.stderr[-3000:]
    return [r["error"] for r in results if not r["ok"]]


_MODEL_BY_ENDPOINT: list[tuple[str, str, str]] = [
    ("GET", r"/om/api/v1/tables/name/.+", "Table"),
    ("PATCH", r"/om/api/v1/tables/(name/.+|[0-9a-f-]{36})", "Table"),
    ("GET", r"/om/api/v1/databases/name/.+", "Database"),
    ("GET", r"/om/api/v1/databaseSchemas/name/.+", "DatabaseSchema"),
    ("GET", r"/om/api/v1/services/databaseServices/name/.+", "DatabaseService"),
    ("PUT", r"/om/api/v1/services/databaseServices/?", "DatabaseService"),
    ("PUT", r"/om/api/v1/tables/?", "Table"),
    ("PUT", r"/om/api/v1/databases/?", "Database"),
    ("PUT", r"/om/api/v1/databaseSchemas/?", "DatabaseSchema"),
    ("PUT", r"/om/api/v1/classifications/?", "Classification"),
    ("PUT", r"/om/api/v1/tags/?", "Tag"),
    ("GET", r"/om/api/v1/services/testConnectionDefinitions/name/.+", "TestConnectionDefinition"),
    ("PUT", r"/om/api/v1/\w+/bulk/?", "BulkOperationResult"),
    ("DELETE", r"/om/api/v1/\w+/deleteStale/?", "BulkOperationResult"),
    ("GET", r"/om/api/v1/search/(fieldQuery|query)/?", "ESResponse"),
]


def model_for(method: str, path: str) -> str | None:
    for m, pattern, model in _MODEL_BY_ENDPOINT:
        if m == method and re.fullmatch(pattern, path):
            return model
    return None


def response_pairs(exchanges: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    """(model, data) for every successful recorded answer that has an OpenMetadata model."""
    pairs: list[tuple[str, Any]] = []
    for e in exchanges:
        if e["status"] != 200 or e.get("response") is None:
            continue
        if e["path"].startswith("/om/api/v1/lineage/getLineageEdge/"):
            edge = {
                k: v
                for k, v in e["response"]["edge"].items()
                if k not in ("fromEntity", "toEntity")
            }
            pairs.append(("LineageDetails", edge))
            continue
        model = model_for(e["method"], e["path"])
        if model:
            pairs.append((model, e["response"]))
    return pairs


def load_recorded(name: str) -> list[dict[str, Any]]:
    return [json.loads(x) for x in (RECORDED / name).read_text().splitlines() if x.strip()]
