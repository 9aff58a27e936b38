"""Authorization matrix: every catalog endpoint x persona, with and without permission.

Invisible objects are 404 (never 403): a Viewer cannot tell a hidden table from a
missing one. Writes need change permission (role, grant or ownership).
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db

HIDDEN_TABLE = "air.airline.main.raw_passengers"
GRANTED_TABLE = "air.airline.main.mart_passenger_360"

READS = [
    "/api/v1/tables/{t}",
    "/api/v1/tables/{t}/drift",
    "/api/v1/columns/{t}.email",
    "/api/v1/assets/{t}",
]
WRITES = [
    ("patch", "/api/v1/tables/{t}", {"description": "changed"}),
    ("patch", "/api/v1/columns/{t}.email", {"description": "changed"}),
    ("post", "/api/v1/assets/{t}/tags", {"tag": "reviewed"}),
    ("post", "/api/v1/assets/{t}/owners", {"user": "alice", "role": "owner"}),
]


@pytest.fixture
def personas(admin: Any, sam: Any, alice: Any, victor_granted: Any, nobody: Any) -> dict[str, Any]:
    return {"admin": admin, "sam": sam, "alice": alice, "victor": victor_granted, "nobody": nobody}


@pytest.mark.parametrize("url", READS)
@pytest.mark.parametrize(
    ("who", "table", "status"),
    [
        ("admin", HIDDEN_TABLE, 200),
        ("sam", HIDDEN_TABLE, 200),
        ("alice", HIDDEN_TABLE, 200),
        ("victor", GRANTED_TABLE, 200),
        ("victor", HIDDEN_TABLE, 404),
        ("nobody", HIDDEN_TABLE, 404),
    ],
)
def test_reads(
    api: Any, personas: dict[str, Any], url: str, who: str, table: str, status: int
) -> None:
    resp = api(personas[who]).get(url.format(t=table))
    assert resp.status_code == status, (who, url, resp.content[:200])


@pytest.mark.parametrize(("method", "url", "body"), WRITES)
@pytest.mark.parametrize(
    ("who", "table", "status"),
    [
        ("admin", HIDDEN_TABLE, (200, 201)),
        ("sam", HIDDEN_TABLE, (200, 201)),
        ("alice", HIDDEN_TABLE, (403,)),
        ("victor", GRANTED_TABLE, (403,)),
        ("victor", HIDDEN_TABLE, (404,)),
        ("nobody", HIDDEN_TABLE, (404,)),
    ],
)
def test_writes(
    api: Any,
    personas: dict[str, Any],
    method: str,
    url: str,
    body: dict[str, Any],
    who: str,
    table: str,
    status: tuple[int, ...],
) -> None:
    resp = getattr(api(personas[who]), method)(url.format(t=table), body, format="json")
    assert resp.status_code in status, (who, url, resp.content[:200])


def test_owner_can_edit_what_they_own(
    api: Any, admin: Any, alice: Any, catalog_source: Any
) -> None:
    api(admin).post(f"/api/v1/assets/{HIDDEN_TABLE}/owners", {"user": "alice"}, format="json")
    resp = api(alice).patch(
        f"/api/v1/columns/{HIDDEN_TABLE}.email", {"description": "mine"}, format="json"
    )
    assert resp.status_code == 200
    assert resp.json()["description"] == "mine"


def test_search_never_shows_invisible_assets(api: Any, personas: dict[str, Any]) -> None:
    hits = api(personas["victor"]).get("/api/v1/search?q=email&page_size=500").json()["results"]
    assert hits, "victor sees the granted mart columns"
    assert all(
        h["fqn"].startswith(GRANTED_TABLE) or "mart_" in h["fqn"] or h["type"] != "column"
        for h in hits
    )
    assert not any("raw_passengers" in h["fqn"] for h in hits)
    assert api(personas["nobody"]).get("/api/v1/search?q=email").json()["count"] == 0


def test_sources_and_runs_are_filtered(
    api: Any, personas: dict[str, Any], catalog_source: Any, django_capture_on_commit_callbacks: Any
) -> None:
    assert api(personas["nobody"]).get("/api/v1/sources").json()["count"] == 0
    assert api(personas["nobody"]).get("/api/v1/sources/air").status_code == 404
    assert api(personas["alice"]).post("/api/v1/sources/air/ingest").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        resp = api(personas["admin"]).post("/api/v1/sources/air/ingest")
    assert resp.status_code == 202
    run = api(personas["admin"]).get(f"/api/v1/ingestion-runs/{resp.json()['id']}").json()
    assert run["status"] == "succeeded"
    assert (
        api(personas["nobody"]).get(f"/api/v1/ingestion-runs/{resp.json()['id']}").status_code
        == 404
    )


def test_audit_events_only_for_auditors(api: Any, personas: dict[str, Any]) -> None:
    all_events = api(personas["admin"]).get("/api/v1/audit/events").json()
    assert all_events["results"]
    mine = api(personas["nobody"]).get("/api/v1/audit/events").json()["results"]
    assert all(e["actor_label"] == "nobody" for e in mine)
    assert api(personas["alice"]).get("/api/v1/audit/verify").status_code == 403
