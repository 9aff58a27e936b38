"""PII propagation along stored lineage: carried through copies, stopped at counts."""

from __future__ import annotations

from typing import Any

import pytest

from catalog.models import Asset, Classification
from lineage.ingest.querylog import QueryEntry
from lineage.services import ingest_sql
from privacy import services
from privacy.propagation_service import propagate_source

pytestmark = pytest.mark.django_db

SCRIPT = (
    "INSERT INTO mart_passenger_360 (passenger_id, email, bookings_count) "
    "SELECT p.passenger_id, lower(p.email), count(p.email) FROM raw_passengers p GROUP BY 1, 2"
)


@pytest.fixture
def seeded(admin: Any, catalog_source: Any) -> Any:
    ingest_sql(source=catalog_source, entries=[QueryEntry(sql=SCRIPT, label="t")], actor=admin)
    column = Asset.objects.get(fqn="air.airline.main.raw_passengers.email")
    services.add_classification(actor=admin, column=column, entity="EMAIL_ADDRESS")
    return catalog_source


def test_classification_flows_through_copies_and_views(seeded: Any) -> None:
    report = propagate_source(source=seeded)
    assert report.created >= 2
    mart = Classification.objects.get(
        asset__fqn="air.airline.main.mart_passenger_360.email", source="propagated"
    )
    assert mart.entity == "EMAIL_ADDRESS"
    assert mart.status == "confirmed"
    assert mart.upstream is not None
    assert mart.upstream.asset.fqn == "air.airline.main.raw_passengers.email"
    assert "expression" in mart.explanation
    view = Classification.objects.get(
        asset__fqn="air.airline.main.stg_passengers.email", source="propagated"
    )
    assert view.entity == "EMAIL_ADDRESS"


def test_propagation_stops_at_counts_with_a_reason(seeded: Any, api: Any, alice: Any) -> None:
    propagate_source(source=seeded)
    assert not Classification.objects.filter(
        asset__fqn="air.airline.main.mart_passenger_360.bookings_count", source="propagated"
    ).exists()
    body = (
        api(alice).get("/api/v1/privacy/propagation/air.airline.main.raw_passengers.email").json()
    )
    stops = {s["column"]: s for s in body["stops"]}
    assert stops["air.airline.main.mart_passenger_360.bookings_count"]["transform"] == "count"
    assert "counted" in stops["air.airline.main.mart_passenger_360.bookings_count"]["reason"]
    assert any(r["column"].endswith("mart_passenger_360.email") for r in body["reaches"])


def test_rerun_is_idempotent_and_withdraws_when_the_seed_goes(seeded: Any, admin: Any) -> None:
    propagate_source(source=seeded)
    again = propagate_source(source=seeded)
    assert (again.created, again.updated, again.withdrawn) == (0, 0, 0)
    column = Asset.objects.get(fqn="air.airline.main.raw_passengers.email")
    services.remove_classification(actor=admin, column=column, entity="EMAIL_ADDRESS")
    # detected classifications of the same column may still seed; only count manual ones here
    Classification.objects.filter(asset=column).update(status="withdrawn")
    gone = propagate_source(source=seeded)
    assert gone.withdrawn >= 2
    row = Classification.objects.get(
        asset__fqn="air.airline.main.mart_passenger_360.email", source="propagated"
    )
    assert row.status == "withdrawn"


def test_invisible_columns_are_not_named(seeded: Any, api: Any, victor_granted: Any) -> None:
    propagate_source(source=seeded)
    resp = api(victor_granted).get(
        "/api/v1/privacy/propagation/air.airline.main.raw_passengers.email"
    )
    assert resp.status_code == 404
