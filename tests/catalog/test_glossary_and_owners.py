"""Glossary and ownership over the API: hierarchy, validation, conflicts, audit."""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_term_lifecycle(api: Any, sam: Any, alice: Any, catalog_source: Any) -> None:
    client = api(sam)
    parent = client.post(
        "/api/v1/glossary/terms", {"name": "Customer", "status": "approved"}, format="json"
    )
    assert parent.status_code == 201
    child = client.post(
        "/api/v1/glossary/terms",
        {
            "name": "Loyalty Member",
            "parent": "Customer",
            "synonyms": ["FFP member"],
            "definition": "In the programme",
        },
        format="json",
    ).json()
    assert child["fqn"] == "Customer.Loyalty Member"
    dup = client.post(
        "/api/v1/glossary/terms", {"name": "Loyalty Member", "parent": "Customer"}, format="json"
    )
    assert dup.status_code == 409
    link = client.post(
        f"/api/v1/glossary/terms/{child['id']}/assets",
        {"fqn": "air.airline.main.raw_loyalty_accounts.frequent_flyer_number"},
        format="json",
    )
    assert link.status_code == 201
    body = api(alice).get(f"/api/v1/glossary/terms/{child['id']}").json()
    assert [a["name"] for a in body["assets"]] == ["frequent_flyer_number"]
    renamed = client.patch(
        f"/api/v1/glossary/terms/{parent.json()['id']}", {"name": "Client"}, format="json"
    )
    assert renamed.status_code == 200
    assert (
        api(alice).get(f"/api/v1/glossary/terms/{child['id']}").json()["fqn"]
        == "Client.Loyalty Member"
    )
    cycle = client.patch(
        f"/api/v1/glossary/terms/{parent.json()['id']}",
        {"parent": "Client.Loyalty Member"},
        format="json",
    )
    assert cycle.status_code == 400
    assert client.delete(f"/api/v1/glossary/terms/{parent.json()['id']}").status_code == 409
    assert AuditEvent.objects.filter(action="catalog.term.update").exists()


def test_analyst_cannot_edit_glossary(api: Any, alice: Any) -> None:
    resp = api(alice).post("/api/v1/glossary/terms", {"name": "Nope"}, format="json")
    assert resp.status_code == 403
    assert resp.json()["error"]["code"] == "permission_denied"


def test_bad_term_bodies(api: Any, sam: Any) -> None:
    client = api(sam)
    assert client.post("/api/v1/glossary/terms", {"name": ""}, format="json").status_code == 400
    assert (
        client.post(
            "/api/v1/glossary/terms", {"name": "x", "status": "weird"}, format="json"
        ).status_code
        == 400
    )
    assert (
        client.post(
            "/api/v1/glossary/terms", {"name": "x", "parent": "Nope"}, format="json"
        ).status_code
        == 404
    )
    assert (
        client.post(
            "/api/v1/glossary/terms", {"name": "x", "synonyms": "a"}, format="json"
        ).status_code
        == 400
    )


def test_owners_users_and_groups(api: Any, admin: Any, alice: Any, catalog_source: Any) -> None:
    from django.contrib.auth.models import Group

    Group.objects.create(name="Revenue Team")
    client = api(admin)
    table = "air.airline.main.raw_bookings"
    user_owner = client.post(
        f"/api/v1/assets/{table}/owners", {"user": "alice"}, format="json"
    ).json()
    client.post(
        f"/api/v1/assets/{table}/owners",
        {"group": "Revenue Team", "role": "steward"},
        format="json",
    )
    owners = {o["principal"]: o for o in client.get(f"/api/v1/tables/{table}").json()["owners"]}
    assert owners["alice"]["kind"] == "user"
    assert owners["group:Revenue Team"]["role"] == "steward"
    bad = client.post(f"/api/v1/assets/{table}/owners", {"user": "ghost"}, format="json")
    assert bad.status_code == 400
    both = client.post(
        f"/api/v1/assets/{table}/owners", {"user": "alice", "group": "Revenue Team"}, format="json"
    )
    assert both.status_code == 400
    assert client.delete(f"/api/v1/owners/{user_owner['id']}").status_code == 204
    remaining = [o["principal"] for o in client.get(f"/api/v1/tables/{table}").json()["owners"]]
    assert remaining == ["group:Revenue Team"]


def test_every_write_is_audited_in_its_transaction(api: Any, sam: Any, catalog_source: Any) -> None:
    client = api(sam)
    before = AuditEvent.objects.count()
    client.patch(
        "/api/v1/columns/air.airline.main.raw_passengers.email", {"description": "x"}, format="json"
    )
    event = AuditEvent.objects.order_by("-seq").first()
    assert AuditEvent.objects.count() == before + 1
    assert event is not None
    assert event.action == "catalog.asset.update"
    assert event.actor_label == "sam"
    assert event.changes["description"]["after"] == "x"
    assert event.request_id
