"""``manage.py lineage_parse`` (exact JSON Lines contract) and ``POST /api/v1/lineage/parse``."""

from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

from django.core.management import call_command

from lineage.models import ColumnLineage

ROOT = Path(__file__).resolve().parents[2]


def test_cli_contract_with_bad_lines(tmp_path: Path) -> None:
    rows = [
        json.dumps(
            {
                "id": "q1",
                "sql": "INSERT INTO shop.public.totals SELECT id, SUM(amount) AS total "
                "FROM shop.public.orders GROUP BY id",
                "dialect": "postgres",
                "schema": {
                    "shop.public.totals": {"id": "int", "total": "numeric"},
                    "shop.public.orders": {"id": "int", "amount": "numeric"},
                },
            }
        ),
        "{broken json",
        json.dumps([1, 2]),
        json.dumps({"id": 3, "sql": 42}),
        json.dumps({"id": 4, "sql": "SELEC nonsense FROM"}),
        "",
        json.dumps({"id": 5, "sql": "select 1", "dialect": "klingon"}),
        json.dumps({"id": 6, "sql": "insert into t select a from s", "schema": "not a dict"}),
    ]
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("\n".join(rows) + "\n", encoding="utf-8")
    call_command("lineage_parse", "--input", str(src), "--output", str(dst), stderr=StringIO())
    out = [json.loads(line) for line in dst.read_text(encoding="utf-8").splitlines()]
    assert len(out) == 7  # the blank line is skipped, every other line answers
    first = out[0]
    assert set(first) == {"id", "tables", "columns"}
    assert first["id"] == "q1"
    assert first["tables"] == {"read": ["shop.public.orders"], "write": ["shop.public.totals"]}
    assert {
        "source": "shop.public.orders.amount",
        "target": "shop.public.totals.total",
        "transform": "aggregate",
        "confidence": 1.0,
    } in first["columns"]
    assert set(first["columns"][0]) == {"source", "target", "transform", "confidence"}
    assert out[1]["id"] is None and "not JSON" in out[1]["error"]
    assert out[2]["id"] is None and "object" in out[2]["error"]
    assert out[3] == {"id": 3, "error": "sql must be a non-empty string"}
    assert out[4]["id"] == 4 and out[4]["error"] and out[4]["tables"] == {"read": [], "write": []}
    assert out[5]["id"] == 5 and "dialect" in out[5]["error"]
    assert out[6]["id"] == 6 and "schema" in out[6]["error"]


def test_cli_stdin_to_stdout() -> None:
    line = json.dumps({"id": 1, "sql": "CREATE TABLE b AS SELECT a.x FROM a", "dialect": "sqlite"})
    done = subprocess.run(
        [sys.executable, "manage.py", "lineage_parse", "--input", "-", "--output", "-"],
        input=line + "\n{bad\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    out = [json.loads(x) for x in done.stdout.splitlines() if x.startswith("{")]
    assert out[0]["columns"] == [
        {"source": "a.x", "target": "b.x", "transform": "identity", "confidence": 1.0}
    ]
    assert "error" in out[1] and len(out) == 2


def test_parse_api_is_pure(api: Any, alice: Any) -> None:
    body = {
        "sql": "INSERT INTO t (a) SELECT md5(email) FROM users; SELEC oops",
        "dialect": "postgres",
        "schema": {"users": {"email": "text"}},
    }
    resp = api(alice).post("/api/v1/lineage/parse", body, format="json")
    assert resp.status_code == 200
    data = resp.json()
    assert data["columns"][0]["transform"] == "hash"
    assert data["tables"]["write"] == ["t"]
    assert data["statements"][0]["kind"] == "insert"
    assert data["statements"][1]["error"] and data["error"] and data["errors"]
    assert not ColumnLineage.objects.exists()  # nothing stored


def test_parse_api_bad_input(api: Any, alice: Any, settings: Any) -> None:
    client = api(alice)
    for body in (
        {},
        {"sql": ""},
        {"sql": "select 1", "dialect": "klingon"},
        {"sql": "x", "schema": {"t": "no"}},
    ):
        resp = client.post("/api/v1/lineage/parse", body, format="json")
        assert resp.status_code == 400, body
        assert resp.json()["error"]["code"] == "validation_error"
    settings.CUSTOS_MAX_SQL_CHARS = 100
    resp = client.post("/api/v1/lineage/parse", {"sql": "select 1 " * 50}, format="json")
    assert resp.status_code == 413 and resp.json()["error"]["code"] == "payload_too_large"
    assert api(None).post(
        "/api/v1/lineage/parse", {"sql": "select 1"}, format="json"
    ).status_code in (
        401,
        403,
    )
