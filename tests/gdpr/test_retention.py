"""Retention policies on the SQLite demo: dry run first, then batched execution; holds win."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from tests.gdpr.helpers import register, scalar

POLICIES = "/api/v1/privacy/retention-policies/"
T = "air.airline.main."


@pytest.fixture
def air(admin: Any, demo_sqlite: str) -> str:
    register(admin, demo_sqlite)
    return demo_sqlite


def test_delete_old_bookings_dry_run_then_batches_with_fk_children(
    api: Any, dpo: Any, air: str
) -> None:
    c = api(dpo)
    cutoff = "datetime('now', '-600 days')"
    old = scalar(air, f"SELECT COUNT(*) FROM raw_bookings WHERE booked_at < {cutoff}")
    old_payments = scalar(
        air,
        f"SELECT COUNT(*) FROM raw_payments WHERE booking_id IN "
        f"(SELECT booking_id FROM raw_bookings WHERE booked_at < {cutoff})",
    )
    assert old > 100 and old_payments > 0
    res = c.post(
        POLICIES,
        {
            "name": "bookings-600d",
            "table": T + "raw_bookings",
            "date_column": "booked_at",
            "older_than_days": 600,
            "action": "delete",
            "batch_size": 50,
        },
        format="json",
    )
    assert res.status_code == 201, res.content
    pid = res.json()["id"]
    dry = c.post(f"{POLICIES}{pid}/run", {"dry_run": True}, format="json").json()
    assert dry["status"] == "dry_run" and dry["rows_matched"] == old and dry["rows_affected"] == 0
    assert scalar(air, "SELECT COUNT(*) FROM raw_bookings") == 600  # nothing changed
    done = c.post(f"{POLICIES}{pid}/run", {"dry_run": False}, format="json").json()
    assert done["status"] == "done" and done["rows_affected"] == old
    assert done["batches"] >= old // 50
    assert scalar(air, f"SELECT COUNT(*) FROM raw_bookings WHERE booked_at < {cutoff}") == 0
    assert scalar(air, "SELECT COUNT(*) FROM raw_bookings") == 600 - old
    assert (
        scalar(
            air,
            "SELECT COUNT(*) FROM raw_payments WHERE booking_id NOT IN "
            "(SELECT booking_id FROM raw_bookings)",
        )
        == 0
    )  # children went first
    from audit.models import AuditEvent

    runs = AuditEvent.objects.filter(action="privacy.retention.run").order_by("seq")
    assert [e.changes["dry_run"] for e in runs] == [True, False]


def test_anonymise_contacts_two_years_after_last_flight(dpo: Any, air: str) -> None:
    from catalog.models import Asset
    from gdpr import retention

    policy = retention.create_policy(
        actor=dpo,
        name="contacts-2y",
        table=Asset.objects.get(fqn=T + "raw_passengers"),
        date_column="created_at",
        older_than_days=730,
        action="anonymise",
        columns=["email", "phone"],
        activity_table=Asset.objects.get(fqn=T + "raw_bookings"),
        activity_key="passenger_id",
        activity_date_column="booked_at",
        batch_size=25,
    )
    recent = (
        "SELECT COUNT(*) FROM raw_passengers p WHERE EXISTS (SELECT 1 FROM raw_bookings b "
        "WHERE b.passenger_id = p.passenger_id AND b.booked_at >= datetime('now', '-730 days'))"
    )
    keep = scalar(air, recent + " AND p.email IS NOT NULL")
    out = StringIO()
    call_command("run_retention", "--dry-run", stdout=out)
    assert "contacts-2y: dry_run" in out.getvalue()
    before = scalar(air, "SELECT COUNT(*) FROM raw_passengers WHERE email IS NOT NULL")
    run = retention.evaluate(policy, dry_run=False)
    assert run.status == "done" and run.rows_affected == run.rows_matched > 0
    assert (
        scalar(air, "SELECT COUNT(*) FROM raw_passengers WHERE email IS NOT NULL")
        == before - run.rows_affected
    )
    assert scalar(air, recent + " AND p.email IS NOT NULL") == keep  # recent flyers untouched
    again = retention.evaluate(policy, dry_run=False)  # idempotent
    assert again.rows_matched == 0 and again.rows_affected == 0


def test_legal_hold_blocks_retention(dpo: Any, air: str) -> None:
    from catalog.models import Asset
    from gdpr import retention, services

    table = Asset.objects.get(fqn=T + "raw_bookings")
    policy = retention.create_policy(
        actor=dpo,
        name="b",
        table=table,
        date_column="booked_at",
        older_than_days=1,
        action="delete",
    )
    services.create_hold(actor=dpo, table=table, reason="litigation hold")
    run = retention.evaluate(policy, dry_run=False)
    assert run.status == "held" and "litigation" in run.details["held_by"]
    assert scalar(air, "SELECT COUNT(*) FROM raw_bookings") == 600


def test_retention_needs_permission(api: Any, alice: Any, air: str) -> None:
    res = api(alice).post(
        POLICIES,
        {
            "name": "x",
            "table": T + "raw_bookings",
            "date_column": "booked_at",
            "older_than_days": 1,
            "action": "delete",
        },
        format="json",
    )
    assert res.status_code == 403
    bad = api(alice).get(POLICIES)
    assert bad.status_code == 403


def test_scheduled_task_runs_enabled_policies(dpo: Any, air: str) -> None:
    from catalog.models import Asset
    from gdpr import retention
    from gdpr.tasks import run_retention

    retention.create_policy(
        actor=dpo,
        name="old",
        table=Asset.objects.get(fqn=T + "raw_bookings"),
        date_column="booked_at",
        older_than_days=600,
        action="delete",
    )
    result = run_retention.enqueue(dry_run=True)
    runs = result.return_value["runs"]
    assert len(runs) == 1 and runs[0]["status"] == "dry_run" and runs[0]["matched"] > 0
    assert scalar(air, "SELECT COUNT(*) FROM raw_bookings") == 600
