"""Auditor reports (JSON + printable HTML) and the audit log page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from audit import reports, services
from tests.audit.conftest import write_events

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor(make_user: Any) -> Any:
    return make_user("audrey", "Auditor")


def _access_story(sam: Any, admin: Any) -> None:
    with transaction.atomic():
        services.record(
            action="access.request.create",
            actor=sam,
            object_type="access_request",
            object_id="7",
            changes={"target": "air.main.public.customers", "permission": "query"},
        )
        services.record(
            action="access.request.approve",
            actor=admin,
            object_type="access_request",
            object_id="7",
            changes={"requester": "sam"},
        )
        services.record(
            action="access.grant.create",
            actor=admin,
            object_type="grant",
            object_id="3",
            changes={
                "grantee": "sam",
                "permission": "query",
                "target": "air.main.public.customers",
                "request": 7,
                "expires_at": (timezone.now() + timedelta(days=30)).isoformat(),
            },
        )
        services.record(
            action="access.grant.create",
            actor=admin,
            object_type="grant",
            object_id="4",
            changes={
                "grantee": "victor",
                "permission": "view",
                "target": "air.main.public.flights",
            },
        )
        services.record(
            action="access.grant.revoke", actor=admin, object_type="grant", object_id="4"
        )


def test_access_review_from_events(api: Any, auditor: Any, sam: Any, admin: Any) -> None:
    _access_story(sam, admin)
    body = api(auditor).get("/api/v1/audit/reports/access-review").json()
    grants = {g["grantee"]: g for g in body["grants"]}
    assert grants["sam"]["approved_by"] == "admin" and grants["sam"]["status"] == "active"
    assert grants["sam"]["granted_by"] == "admin"
    assert grants["victor"]["status"] == "revoked" and grants["victor"]["revoked_by"] == "admin"
    (req,) = body["requests"]
    assert req["decision"] == "approve" and req["requester"] == "sam"


def test_erasure_report(api: Any, auditor: Any) -> None:
    ref = services.subject_ref("jane@example.com")
    with transaction.atomic():
        for step in ("request", "verify", "execute", "complete"):
            services.record(
                action=f"privacy.erasure.{step}",
                object_type="erasure_request",
                object_id="12",
                object_repr="erasure #12",
                changes={"subject": ref, "rows": 3},
            )
        services.record(
            action="privacy.erasure.request",
            object_type="erasure_request",
            object_id="13",
            changes={"subject": services.subject_ref("x@example.com")},
        )
    body = api(auditor).get("/api/v1/audit/reports/erasure").json()
    assert (body["completed"], body["open"]) == (1, 1)
    done = next(r for r in body["requests"] if r["request"] == "12")
    assert done["subject"] == ref and [s["step"] for s in done["steps"]][-1] == "complete"


def test_pii_inventory_lists_classified_columns(
    api: Any, auditor: Any, catalog_source: Any
) -> None:
    from catalog.models import Asset, Classification

    column = Asset.objects.filter(source=catalog_source, type="column").order_by("fqn").first()
    assert column is not None
    with transaction.atomic():
        cls = Classification.objects.create(
            asset=column, entity="EMAIL_ADDRESS", status="confirmed"
        )
        services.record(
            action="privacy.classification.confirm", obj=cls, changes={"status": "confirmed"}
        )
    reports.register_policy_provider(lambda col: ["mask-email"] if col.pk == column.pk else [])
    body = api(auditor).get("/api/v1/audit/reports/pii-inventory").json()
    row = next(r for r in body["columns"] if r["column"] == column.fqn)
    assert row["entity"] == "EMAIL_ADDRESS" and row["confirmed_by"] == "system"
    assert row["policies"] == ["mask-email"]
    reports._policy_providers.clear()


def test_reports_need_the_auditor_role(api: Any, alice: Any, auditor: Any) -> None:
    assert api(alice).get("/api/v1/audit/reports/erasure").status_code == 403
    assert api(auditor).get("/api/v1/audit/reports/nope").status_code == 404


@pytest.mark.parametrize("name", list(reports.REPORTS))
def test_printable_reports_render(client: Any, auditor: Any, name: str) -> None:
    client.force_login(auditor)
    resp = client.get(f"/audit/reports/{name}/?since=2020-01-01")
    assert resp.status_code == 200
    assert b"@media print" in resp.content and reports.REPORTS[name].encode() in resp.content


def test_audit_log_page_filters_and_pages(client: Any, auditor: Any, alice: Any) -> None:
    write_events(60, prefix="test.page")
    client.force_login(auditor)
    first = client.get("/audit/?action=test.page")
    assert first.status_code == 200
    assert first.content.count(b"<code>test.page.") == 50
    assert b"Older events" in first.content
    older = client.get("/audit/?action=test.page&before=11")
    assert older.content.count(b"<code>test.page.") == 10
    assert client.get("/audit/?action=auth.").status_code == 200
    assert client.get("/audit/?since=not-a-date").status_code == 200
    # A non-auditor sees only their own events; the verify page is auditors-only.
    client.force_login(alice)
    mine = client.get("/audit/?action=test.page")
    assert b"<code>test.page." not in mine.content
    assert client.get("/audit/verify/").status_code == 404


def test_verify_page(client: Any, auditor: Any) -> None:
    write_events(3)
    services.seal()
    client.force_login(auditor)
    resp = client.get("/audit/verify/")
    assert b"Intact" in resp.content and b"1 checkpoint(s) match" in resp.content
