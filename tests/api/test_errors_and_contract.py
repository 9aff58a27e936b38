"""API contract: error shape, pagination shape, auth, trailing slashes, bad input never 500."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def _is_error(resp: Any, status: int, code: str | None = None) -> None:
    assert resp.status_code == status, resp.content
    body = resp.json()
    assert set(body) == {"error"}
    assert {"code", "message", "details"} <= set(body["error"])
    assert body["error"]["message"]
    if code:
        assert body["error"]["code"] == code


def test_unauthenticated_is_401_json(api: Any) -> None:
    _is_error(api(None).get("/api/v1/search?q=x"), 401)


def test_bad_token_is_401_json(api: Any) -> None:
    client = api(None)
    client.credentials(HTTP_AUTHORIZATION="Token cst_deadbeef_nope")
    _is_error(client.get("/api/v1/search"), 401, "authentication_failed")


def test_revoked_and_expired_tokens_are_refused(api: Any, alice: Any) -> None:
    from django.utils import timezone

    from access.models import ApiToken
    from access.tokens import create_token, revoke_token

    token, plain = create_token(user=alice, name="t1")
    client = api(None)
    client.credentials(HTTP_AUTHORIZATION=f"Token {plain}")
    assert client.get("/api/v1/me").status_code == 200
    revoke_token(token=token)
    _is_error(client.get("/api/v1/me"), 401)
    token2, plain2 = create_token(user=alice, name="t2", days=1)
    ApiToken.objects.filter(pk=token2.pk).update(expires_at=timezone.now())
    client.credentials(HTTP_AUTHORIZATION=f"Token {plain2}")
    _is_error(client.get("/api/v1/me"), 401)


def test_tokens_are_stored_hashed(api: Any, alice: Any) -> None:
    resp = api(alice).post("/api/v1/tokens", {"name": "ci"}, format="json")
    assert resp.status_code == 201
    plain = resp.json()["token"]
    from access.models import ApiToken

    stored = ApiToken.objects.get(pk=resp.json()["id"])
    assert plain.split("_")[-1] not in stored.secret_hash
    assert "token" not in api(alice).get("/api/v1/tokens").json()["results"][0]


def test_unknown_endpoint_is_json_404(api: Any, alice: Any) -> None:
    _is_error(api(alice).get("/api/v1/nope"), 404, "not_found")


def test_unknown_fqn_is_404(api: Any, alice: Any, catalog_source: Any) -> None:
    _is_error(api(alice).get("/api/v1/tables/air.airline.main.no_such_table"), 404, "not_found")
    _is_error(api(alice).get("/api/v1/columns/air.nope"), 404, "not_found")


def test_table_and_column_contract(api: Any, alice: Any, catalog_source: Any) -> None:
    client = api(alice)
    for url in (
        "/api/v1/tables/air.airline.main.raw_passengers",
        "/api/v1/tables/air.airline.main.raw_passengers/",
    ):
        body = client.get(url).json()
        assert body["type"] == "table" and body["name"] == "raw_passengers"
        assert body["fqn"] == "air.airline.main.raw_passengers"
        cols = {c["name"]: c for c in body["columns"]}
        assert cols["email"]["fqn"] == "air.airline.main.raw_passengers.email"
        assert cols["passenger_id"]["is_primary_key"] is True
        for c in body["columns"]:
            assert {"type", "fqn", "name", "tags", "owners", "classifications", "data_type"} <= set(
                c
            )
    col = client.get("/api/v1/columns/air.airline.main.raw_passengers.email").json()
    assert col["type"] == "column" and col["table"] == "air.airline.main.raw_passengers"


def test_search_is_paginated_with_contract_fields(
    api: Any, alice: Any, catalog_source: Any
) -> None:
    body = api(alice).get("/api/v1/search?q=email&page_size=2").json()
    assert set(body) >= {"count", "next", "previous", "results"}
    assert (
        body["count"] > 2
        and len(body["results"]) == 2
        and body["next"]
        and body["previous"] is None
    )
    for hit in body["results"]:
        assert {"type", "fqn", "name"} <= set(hit)
    assert body["results"][0]["name"] == "email", "exact name matches rank first"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/search?page=0",
        "/api/v1/search?page=abc",
        "/api/v1/search?page_size=100000",
        "/api/v1/search?type=bogus",
        "/api/v1/search?q=" + "x" * 600,
        "/api/v1/audit/events?since=yesterday",
    ],
)
def test_bad_query_parameters_are_400(api: Any, admin: Any, url: str) -> None:
    _is_error(api(admin).get(url), 400)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": "x"},
        {"name": "Bad Name!", "dsn": "sqlite:///x.db"},
        {"name": "ok", "dsn": "notaurl"},
        {"name": "ok", "dsn": "oracle://u:p@h/db", "test_connection": False},
        {"name": "ok", "dsn": ["list"]},
    ],
)
def test_bad_source_bodies_are_400(api: Any, admin: Any, body: dict[str, Any]) -> None:
    resp = api(admin).post("/api/v1/sources", body, format="json")
    assert resp.status_code in (400, 422), resp.content
    _is_error(resp, resp.status_code)


def test_unreachable_source_is_422_and_password_not_echoed(api: Any, admin: Any) -> None:
    resp = api(admin).post(
        "/api/v1/sources",
        {"name": "pg", "dsn": "postgresql://u:hunter2@127.0.0.1:1/x"},
        format="json",
    )
    _is_error(resp, 422, "source_unavailable")
    assert "hunter2" not in resp.content.decode()


def test_malformed_json_is_400(api: Any, admin: Any) -> None:
    resp = api(admin).post(
        "/api/v1/glossary/terms", data="{not json", content_type="application/json"
    )
    _is_error(resp, 400)


def test_oversized_payload_is_rejected(api: Any, admin: Any, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    resp = api(admin).post(
        "/api/v1/glossary/terms", {"name": "x", "definition": "y" * 5000}, format="json"
    )
    assert resp.status_code in (400, 413)
    _is_error(resp, resp.status_code)


def test_description_too_long_is_400_and_nothing_changes(
    api: Any, sam: Any, catalog_source: Any
) -> None:
    url = "/api/v1/tables/air.airline.main.raw_passengers"
    before = api(sam).get(url).json()["description"]
    _is_error(api(sam).patch(url, {"description": "x" * 20001}, format="json"), 400)
    assert api(sam).get(url).json()["description"] == before


def test_openapi_schema_and_docs_are_served(client: Any, admin: Any) -> None:
    client.force_login(admin)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/search" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
    assert b"cdn" not in docs.content.lower() or b"sidecar" in docs.content.lower()
