"""Authorization matrix: every persona x every access endpoint/page x own/other object.

Personas (tests/conftest.py): admin (Admin, superuser), sam (Steward), alice (Analyst),
victor (Viewer; metadata view of the mart tables only), nobody (no role). Invisible
objects are 404; visible but forbidden are 403; lists never show others' objects.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

HIDDEN = "air.airline.main.raw_passengers"
MART = "air.airline.main.mart_passenger_360"
WHO = ("admin", "sam", "alice", "victor", "nobody")


@pytest.fixture
def world(
    admin: Any, sam: Any, alice: Any, victor_granted: Any, nobody: Any, api: Any
) -> dict[str, Any]:
    from access import requests as workflow
    from access import services

    people = {
        "admin": admin,
        "sam": sam,
        "alice": alice,
        "victor": victor_granted,
        "nobody": nobody,
    }
    victors = workflow.create_request(
        requester=victor_granted, assets=[MART], reason="need the marts", duration_days=5
    )
    alices = workflow.create_request(
        requester=alice, assets=[HIDDEN], reason="secret reason of alice", duration_days=5
    )
    policy = services.create_policy(
        actor=admin,
        kind="masking",
        data={
            "name": "p",
            "target_kind": "classification",
            "entity": "EMAIL_ADDRESS",
            "operator": "redact",
        },
    )
    return {
        "people": people,
        "victor_req": victors,
        "alice_req": alices,
        "policy": policy,
        "clients": {w: api(people[w]) for w in WHO},
    }


def call(world: dict[str, Any], who: str, method: str, url: str, body: Any = None) -> Any:
    client = world["clients"][who]
    return (
        getattr(client, method)(url, body, format="json")
        if body is not None
        else getattr(client, method)(url)
    )


MATRIX = [
    # (method, url, body, {who: status})
    (
        "post",
        "/api/v1/query",
        {"source": "air", "sql": f"SELECT 1 AS x FROM {HIDDEN.split('.')[-1]}"},
        {"admin": 200, "sam": 200, "alice": 200, "victor": 404, "nobody": 404},
    ),
    (
        "post",
        "/api/v1/query",
        {"source": "air", "sql": f"SELECT 1 AS x FROM {MART.split('.')[-1]}"},
        {"admin": 200, "sam": 200, "alice": 200, "victor": 403, "nobody": 404},
    ),
    (
        "post",
        "/api/v1/query/export",
        {"source": "air", "sql": f"SELECT 1 AS x FROM {MART.split('.')[-1]}"},
        {"admin": 200, "sam": 200, "alice": 200, "victor": 403, "nobody": 404},
    ),
    (
        "get",
        f"/api/v1/tables/{HIDDEN}/preview",
        None,
        {"admin": 200, "sam": 200, "alice": 200, "victor": 404, "nobody": 404},
    ),
    (
        "get",
        f"/api/v1/tables/{MART}/preview",
        None,
        {"admin": 200, "sam": 200, "alice": 200, "victor": 403, "nobody": 404},
    ),
    (
        "get",
        f"/api/v1/access/simulate?column={HIDDEN}.email",
        None,
        {"admin": 200, "sam": 200, "alice": 403, "victor": 404, "nobody": 404},
    ),
    (
        "get",
        f"/api/v1/access/simulate?column={MART}.email",
        None,
        {"admin": 200, "sam": 200, "alice": 403, "victor": 403, "nobody": 404},
    ),
    (
        "get",
        f"/api/v1/access/simulate?table={MART}",
        None,
        {"admin": 200, "sam": 200, "alice": 200, "victor": 200, "nobody": 404},
    ),
    (
        "get",
        f"/api/v1/access/simulate?table={MART}&user=admin",
        None,
        {"admin": 200, "sam": 200, "alice": 403, "victor": 403, "nobody": 404},
    ),
    ("get", "/api/v1/access/simulate", None, dict.fromkeys(WHO, 400)),
    (
        "get",
        "/api/v1/access/masked-views?source=air&role=Analyst",
        None,
        {"admin": 200, "sam": 403, "alice": 403, "victor": 403, "nobody": 403},
    ),
    (
        "get",
        "/api/v1/access/policies/masking",
        None,
        {"admin": 200, "sam": 200, "alice": 403, "victor": 403, "nobody": 403},
    ),
    (
        "get",
        "/api/v1/access/policies/masking/{policy}",
        None,
        {"admin": 200, "sam": 200, "alice": 404, "victor": 404, "nobody": 404},
    ),
    (
        "get",
        "/api/v1/access/policies/masking/{policy}/versions",
        None,
        {"admin": 200, "sam": 200, "alice": 404, "victor": 404, "nobody": 404},
    ),
    (
        "patch",
        "/api/v1/access/policies/masking/{policy}",
        {"operator": "nullify"},
        {"admin": 200, "sam": 403, "alice": 404, "victor": 404, "nobody": 404},
    ),
    (
        "post",
        "/api/v1/access/policies/rule",
        {"name": "x", "asset": MART},
        {"admin": 201, "sam": 403, "alice": 403, "victor": 403, "nobody": 403},
    ),
    (
        "post",
        "/api/v1/access/policies/test",
        {"kind": "rule"},
        {"admin": 400, "sam": 403, "alice": 403, "victor": 403, "nobody": 403},
    ),
    (
        "get",
        "/api/v1/access/users/alice/attributes",
        None,
        {"admin": 200, "sam": 403, "alice": 200, "victor": 403, "nobody": 403},
    ),
    (
        "put",
        "/api/v1/access/users/alice/attributes",
        {"attributes": {"region": "DE"}},
        {"admin": 200, "sam": 403, "alice": 403, "victor": 403, "nobody": 403},
    ),
    (
        "get",
        "/api/v1/access-requests/{victor_req}",
        None,
        {"admin": 200, "sam": 404, "alice": 404, "victor": 200, "nobody": 404},
    ),
    (
        "get",
        "/api/v1/access-requests/{alice_req}",
        None,
        {"admin": 200, "sam": 404, "alice": 200, "victor": 404, "nobody": 404},
    ),
    (
        "post",
        "/api/v1/access-requests/{victor_req}/approve",
        {},
        {"admin": 200, "sam": 404, "alice": 404, "victor": 403, "nobody": 404},
    ),
    (
        "post",
        "/api/v1/access-requests/{alice_req}/deny",
        {},
        {"admin": 200, "sam": 404, "alice": 403, "victor": 404, "nobody": 404},
    ),
    ("get", "/api/v1/access/grants", None, dict.fromkeys(WHO, 200)),
    ("get", "/api/v1/access/notifications", None, dict.fromkeys(WHO, 200)),
]


@pytest.mark.parametrize(
    ("method", "url", "body", "expected"), MATRIX, ids=[f"{m[0]} {m[1][:60]}" for m in MATRIX]
)
def test_access_api_matrix(
    world: dict[str, Any], method: str, url: str, body: Any, expected: dict[str, int]
) -> None:
    url = url.format(
        policy=world["policy"].pk,
        victor_req=world["victor_req"].pk,
        alice_req=world["alice_req"].pk,
    )
    got = {}
    for who in WHO:
        resp = call(world, who, method, url, body)
        got[who] = resp.status_code
        if resp.status_code >= 400:
            assert "error" in resp.json(), (who, url)
    assert got == expected, url


def test_lists_never_leak_other_peoples_requests(world: dict[str, Any]) -> None:
    for who in ("sam", "victor", "nobody"):
        body = call(world, who, "get", "/api/v1/access-requests/").json()
        assert all(r["requester"] == who for r in body["results"]), who
        assert "secret reason of alice" not in str(body)
    admin_ids = {
        r["id"] for r in call(world, "admin", "get", "/api/v1/access-requests/").json()["results"]
    }
    assert {world["victor_req"].pk, world["alice_req"].pk} <= admin_ids


UI_PAGES = [
    ("/query/", dict.fromkeys(WHO, 200)),
    ("/access/requests/", dict.fromkeys(WHO, 200)),
    ("/access/my-requests/", dict.fromkeys(WHO, 200)),
    (
        "/access/requests/{alice_req}/",
        {"admin": 200, "sam": 404, "alice": 200, "victor": 404, "nobody": 404},
    ),
    (
        f"/access/preview/?table={HIDDEN}",
        {"admin": 200, "sam": 200, "alice": 200, "victor": 404, "nobody": 404},
    ),
    (f"/assets/{MART}/", {"admin": 200, "sam": 200, "alice": 200, "victor": 200, "nobody": 404}),
    (
        f"/assets/{MART}.email/",
        {"admin": 200, "sam": 200, "alice": 200, "victor": 200, "nobody": 404},
    ),
]


@pytest.mark.parametrize(("url", "expected"), UI_PAGES)
def test_access_ui_matrix(world: dict[str, Any], url: str, expected: dict[str, int]) -> None:
    url = url.format(alice_req=world["alice_req"].pk)
    got = {}
    for who in WHO:
        client = Client()
        client.force_login(world["people"][who])
        resp = client.get(url)
        got[who] = resp.status_code
        if who != "admin" and who != "alice":
            assert b"secret reason of alice" not in resp.content, (who, url)
    assert got == expected, url
    assert Client().get(url).status_code == 302  # anonymous -> login
