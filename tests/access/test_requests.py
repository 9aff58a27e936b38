"""Access requests: happy and unhappy paths, separation of duties, expiry, revocation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from guardian.shortcuts import assign_perm

from access.gateway.engine import run_query
from access.models import Grant, Notification
from catalog.models import Asset
from custos.errors import DomainError

pytestmark = pytest.mark.django_db
TABLE = "air.airline.main.raw_passengers"
BOOKINGS = "air.airline.main.raw_bookings"


@pytest.fixture
def viewer(victor: Any, pii_source: Any) -> Any:
    """Victor sees the raw tables' metadata but may not query them."""
    for fqn in (TABLE, BOOKINGS):
        assign_perm("catalog.view_asset", victor, Asset.objects.get(fqn=fqn))
    victor.email = "victor@example.com"
    victor.save()
    return victor


def ask(api: Any, user: Any, assets: list[str], **extra: Any) -> Any:
    return api(user).post(
        "/api/v1/access-requests/",
        {"assets": assets, "reason": "quarterly churn analysis", **extra},
        format="json",
    )


def test_happy_path_request_approve_query_expire(
    api: Any,
    admin: Any,
    viewer: Any,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django.core.management import call_command

    admin.email = "admin@example.com"
    admin.save()
    with pytest.raises(DomainError):
        run_query(user=viewer, source="air", sql="SELECT city FROM raw_passengers")
    with django_capture_on_commit_callbacks(execute=True):
        created = ask(api, viewer, [TABLE], duration_days=7)
    assert created.status_code == 201, created.content
    req = created.json()
    assert req["status"] == "pending" and req["can_decide"] is False
    assert Notification.objects.filter(user=admin).exists()
    assert any("admin@example.com" in m.to for m in mail.outbox)
    mine = api(viewer).get("/api/v1/access-requests/?mine=1").json()
    assert [r["id"] for r in mine["results"]] == [req["id"]]
    with django_capture_on_commit_callbacks(execute=True):
        approved = api(admin).post(
            f"/api/v1/access-requests/{req['id']}/approve", {"comment": "ok"}, format="json"
        )
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved"
    assert any("victor@example.com" in m.to for m in mail.outbox)
    grant = Grant.objects.get(user=viewer)
    assert timedelta(days=6) < grant.expires_at - timezone.now() <= timedelta(days=7)
    out = run_query(user=viewer, source="air", sql="SELECT city, email FROM raw_passengers LIMIT 2")
    assert out.row_count == 2 and all(
        r[1] is None for r in out.rows
    )  # grant gives access, masks still apply
    later = grant.expires_at + timedelta(minutes=1)  # the clock passes the expiry
    monkeypatch.setattr(timezone, "now", lambda: later)
    with pytest.raises(DomainError):  # expired: refused at query time even before the job runs
        run_query(user=viewer, source="air", sql="SELECT city FROM raw_passengers")
    call_command("expire_grants")
    grant.refresh_from_db()
    assert grant.expired_at is not None
    assert not viewer.has_perm("catalog.query_asset", grant.asset)
    assert api(viewer).get(f"/api/v1/access-requests/{req['id']}").json()["status"] == "expired"
    from audit.models import AuditEvent

    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "access.request.create",
        "access.request.approve",
        "access.grant.create",
        "access.grant.expire",
    } <= actions


def test_partial_approval_and_revocation(api: Any, admin: Any, viewer: Any) -> None:
    req = ask(api, viewer, [TABLE, BOOKINGS]).json()
    resp = api(admin).post(
        f"/api/v1/access-requests/{req['id']}/approve", {"assets": [BOOKINGS]}, format="json"
    )
    assert resp.json()["status"] == "partially_approved"
    decisions = {a["fqn"]: a["decision"] for a in resp.json()["assets"]}
    assert decisions == {TABLE: "denied", BOOKINGS: "approved"}
    assert (
        run_query(user=viewer, source="air", sql="SELECT pnr FROM raw_bookings LIMIT 1").row_count
        == 1
    )
    with pytest.raises(DomainError):
        run_query(user=viewer, source="air", sql="SELECT city FROM raw_passengers")
    grant = Grant.objects.get(user=viewer)
    assert api(admin).post(f"/api/v1/access/grants/{grant.pk}/revoke").status_code == 200
    with pytest.raises(DomainError):
        run_query(user=viewer, source="air", sql="SELECT pnr FROM raw_bookings")
    assert api(viewer).get(f"/api/v1/access-requests/{req['id']}").json()["status"] == "revoked"


def test_separation_of_duties_and_who_may_decide(
    api: Any, admin: Any, sam: Any, alice: Any, viewer: Any
) -> None:
    own = ask(api, admin, [TABLE]).json()
    resp = api(admin).post(f"/api/v1/access-requests/{own['id']}/approve", {}, format="json")
    assert resp.status_code == 403 and "own request" in resp.json()["error"]["message"]
    req = ask(api, viewer, [TABLE]).json()
    assert (
        api(alice)
        .post(f"/api/v1/access-requests/{req['id']}/approve", {}, format="json")
        .status_code
        == 404
    )
    assert (
        api(sam).post(f"/api/v1/access-requests/{req['id']}/approve", {}, format="json").status_code
        == 404
    )
    api(admin).post(
        f"/api/v1/assets/{TABLE}/owners", {"user": "sam", "role": "steward"}, format="json"
    )
    assert api(sam).get(f"/api/v1/access-requests/{req['id']}").json()["can_decide"] is True
    denied = api(sam).post(
        f"/api/v1/access-requests/{req['id']}/deny", {"comment": "use the mart"}, format="json"
    )
    assert denied.json()["status"] == "denied" and denied.json()["comment"] == "use the mart"
    again = api(admin).post(f"/api/v1/access-requests/{req['id']}/approve", {}, format="json")
    assert again.status_code == 400  # already decided


@pytest.mark.parametrize(
    "body",
    [
        {"assets": [], "reason": "because"},
        {"assets": ["air.airline.main.no_such"], "reason": "because"},
        {"assets": ["air.airline.main.raw_crew"], "reason": "because"},  # invisible to victor: 404
        {"assets": [TABLE], "reason": "x"},
        {"assets": [TABLE], "reason": "because", "duration_days": 0},
        {"assets": [TABLE], "reason": "because", "duration_days": 9999},
        {"assets": "nope", "reason": "because"},
        {},
    ],
)
def test_bad_requests_are_4xx(api: Any, viewer: Any, body: dict[str, Any]) -> None:
    resp = api(viewer).post("/api/v1/access-requests/", body, format="json")
    assert 400 <= resp.status_code < 500, resp.content
    assert "error" in resp.json()


def test_bad_decisions_are_4xx(api: Any, admin: Any, viewer: Any) -> None:
    req = ask(api, viewer, [TABLE]).json()
    url = f"/api/v1/access-requests/{req['id']}/approve"
    body: Any
    for body in (
        {"assets": ["air.x"]},
        {"assets": []},
        {"duration_days": 999},
        {"comment": 5 * "x" * 1000},
    ):
        resp = api(admin).post(url, body, format="json")
        assert resp.status_code == 400, (body, resp.content)
    assert (
        api(admin).post("/api/v1/access-requests/99999/approve", {}, format="json").status_code
        == 404
    )
    assert api(admin).post("/api/v1/access/grants/99999/revoke").status_code == 404


def test_expiry_task(admin: Any, viewer: Any) -> None:
    from access import services
    from access.tasks import expire_grants

    grant = services.create_grant(
        actor=admin, user=viewer, asset=Asset.objects.get(fqn=TABLE), days=1
    )
    Grant.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - timedelta(seconds=5))
    result = expire_grants.enqueue()
    assert result.return_value == {"expired": 1}
    assert services.expire_grants() == 0  # idempotent
