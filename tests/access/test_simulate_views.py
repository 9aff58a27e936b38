"""Who-can-see simulation, masked views, and the query / request UI."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client

from access import services
from tests.access.conftest import PASSENGERS

pytestmark = pytest.mark.django_db
EMAIL = f"{PASSENGERS}.email"


def test_simulate_column_explains_clear_masked_denied(
    api: Any, admin: Any, alice: Any, sam: Any, victor: Any, pii_source: Any
) -> None:
    Group.objects.get_or_create(name="DPO")[0].user_set.add(sam)
    services.create_policy(
        actor=admin,
        kind="masking",
        data={
            "name": "dpo",
            "target_kind": "classification",
            "entity": "EMAIL_ADDRESS",
            "group": "DPO",
            "operator": "clear",
        },
    )
    services.create_policy(
        actor=admin,
        kind="masking",
        data={
            "name": "analysts",
            "target_kind": "classification",
            "entity": "EMAIL_ADDRESS",
            "group": "Analyst",
            "operator": "partial",
        },
    )
    body = api(admin).get(f"/api/v1/access/simulate?column={EMAIL}").json()
    users = {u["name"]: u for u in body["users"]}
    assert users["sam"]["access"] == "clear" and "dpo" in users["sam"]["why"]["mask"]
    assert users["alice"]["access"] == "masked" and users["alice"]["operator"] == "partial"
    assert (
        users["admin"]["access"] == "masked" and users["admin"]["operator"] == "nullify"
    )  # default deny
    assert "default deny" in users["admin"]["why"]["mask"]
    assert users["victor"]["access"] == "denied"
    groups = {g["name"]: g for g in body["groups"]}
    assert groups["Analyst"]["operator"] == "partial" and groups["Viewer"]["access"] == "denied"
    assert body["pii"] == ["EMAIL_ADDRESS"]
    mine = api(alice).get(f"/api/v1/access/simulate?table={PASSENGERS}").json()
    cols = {c["name"]: c for c in mine["columns"]}
    assert (
        mine["allowed"]
        and cols["email"]["operator"] == "partial"
        and cols["city"]["access"] == "clear"
    )
    reverse = api(admin).get(f"/api/v1/access/simulate?user=victor&table={PASSENGERS}").json()
    assert reverse["allowed"] is False


def test_masked_views_per_role_are_valid_sql(
    admin: Any, pii_source: Any, demo_sqlite: str, capsys: Any
) -> None:
    import sqlite3

    services.create_policy(
        actor=admin,
        kind="row_filter",
        data={"name": "de", "table": PASSENGERS, "group": "Analyst", "predicate": "country = 'DE'"},
    )
    call_command("masked_views", "air", "--role", "Analyst")
    out = capsys.readouterr().out
    assert "raw_passengers__masked_analyst" in out and "CREATE VIEW" in out
    conn = sqlite3.connect(demo_sqlite.removeprefix("sqlite:///"))
    statements = [s for s in out.split(";\n") if "CREATE VIEW" in s]
    for stmt in statements:
        conn.execute(stmt.split("\n", 1)[1] if stmt.startswith("--") else stmt)
    rows = conn.execute(
        "SELECT DISTINCT email, country FROM raw_passengers__masked_analyst"
    ).fetchall()
    assert rows == [(None, "DE")]


def test_query_page_runs_and_exports(admin: Any, alice: Any, pii_source: Any) -> None:
    client = Client()
    client.force_login(alice)
    page = client.post(
        "/query/", {"source": "air", "sql": "SELECT city, email FROM raw_passengers", "limit": "5"}
    )
    assert page.status_code == 200 and b'id="result"' in page.content and b"nullify" in page.content
    assert b"SQL executed" not in page.content
    bad = client.post("/query/", {"source": "air", "sql": "DELETE FROM raw_passengers"})
    assert bad.status_code == 400 and b"not_read_only" in bad.content
    csv = client.post(
        "/query/", {"source": "air", "sql": "SELECT city FROM raw_passengers", "export": "csv"}
    )
    assert csv["Content-Type"].startswith("text/csv") and csv.content.decode().count("\n") == 201


def test_request_ui_flow(admin: Any, victor: Any, pii_source: Any) -> None:
    from guardian.shortcuts import assign_perm

    from access.models import AccessRequest
    from catalog.models import Asset

    assign_perm("catalog.view_asset", victor, Asset.objects.get(fqn=PASSENGERS))
    v = Client()
    v.force_login(victor)
    page = v.get(f"/assets/{PASSENGERS}/")
    assert b"Request access" in page.content and b"You may not read data" in page.content
    resp = v.post(
        "/access/requests/new/",
        {"assets": [PASSENGERS], "reason": "need it", "duration_days": "3", "next": "/"},
    )
    assert resp.status_code == 302
    req = AccessRequest.objects.get(requester=victor)
    a = Client()
    a.force_login(admin)
    queue = a.get("/access/requests/")
    assert f'value="{req.pk}"'.encode() in queue.content
    assert b'<span class="badge"' in queue.content  # pending badge in the nav
    detail = a.get(f"/access/requests/{req.pk}/")
    assert b"EMAIL_ADDRESS" in detail.content and b"lineage" in detail.content
    a.post("/access/requests/", {"ids": [req.pk], "action": "approve"})
    req.refresh_from_db()
    assert req.status == "approved"
    assert b"You may query this table" in v.get(f"/assets/{PASSENGERS}/").content
