"""Search: ranking, filters, permission filtering, index kept in sync on every write."""

from __future__ import annotations

from typing import Any

import pytest

from catalog import search, services
from catalog.models import Asset

pytestmark = pytest.mark.django_db


def test_exact_name_matches_rank_first(alice: Any, catalog_source: Any) -> None:
    result = search.search(alice, "email", type="column")
    assert result.total >= 3
    assert {e.name for e in result.entries[:3]} == {"email"}


def test_prefix_and_multiword_queries(alice: Any, catalog_source: Any) -> None:
    assert search.search(alice, "passp").total >= 1
    hits = search.search(alice, "passenger email").entries
    assert any(e.fqn.endswith("raw_passengers.email") for e in hits)


def test_filters_type_tag_owner_source(admin: Any, alice: Any, catalog_source: Any) -> None:
    table = Asset.objects.get(fqn="air.airline.main.raw_passengers")
    services.add_tag(actor=admin, asset=table, tag="gdpr")
    services.add_owner(actor=admin, asset=table, user="alice", role="steward")
    assert [e.fqn for e in search.search(alice, "", tag="gdpr").entries] == [table.fqn]
    assert [e.fqn for e in search.search(alice, "", owner="alice").entries] == [table.fqn]
    assert search.search(alice, "passengers", type="table,view", source="air").total >= 2
    assert search.search(alice, "passengers", source="elsewhere").total == 0


def test_index_follows_description_and_glossary_writes(
    admin: Any, alice: Any, catalog_source: Any
) -> None:
    col = Asset.objects.get(fqn="air.airline.main.raw_passengers.passport_number")
    assert search.search(alice, "zanzibar").total == 0
    services.update_asset(actor=admin, asset=col, description="Scanned at the Zanzibar kiosk")
    assert [e.fqn for e in search.search(alice, "zanzibar").entries] == [col.fqn]
    term = services.create_term(
        actor=admin, name="Travel Document", definition="Passport or ID card"
    )
    services.link_term(actor=admin, term=term, asset=col)
    hits = search.search(alice, "travel document").entries
    assert {e.type for e in hits} >= {"term", "column"}


def test_deleted_assets_leave_the_index(
    admin: Any, alice: Any, catalog_source: Any, demo_sqlite: str
) -> None:
    import sqlite3

    con = sqlite3.connect(demo_sqlite.removeprefix("sqlite:///"))
    con.execute("CREATE TABLE ephemeral_widgets (id INTEGER PRIMARY KEY)")
    con.commit()
    services.ingest_now(actor=admin, source=catalog_source)
    assert search.search(alice, "ephemeral_widgets", type="table").total == 1
    con.execute("DROP TABLE ephemeral_widgets")
    con.commit()
    con.close()
    services.ingest_now(actor=admin, source=catalog_source)
    assert search.search(alice, "ephemeral_widgets").total == 0


def test_restricted_users_see_only_granted(victor_granted: Any, nobody: Any) -> None:
    hits = search.search(victor_granted, "passenger").entries
    assert hits
    for e in hits:
        assert e.type != "column" or ".mart_" in e.fqn
    assert search.search(nobody, "passenger").total == 0


def test_odd_queries_do_not_break(alice: Any, catalog_source: Any) -> None:
    for q in [
        '"',
        "'; DROP TABLE x; --",
        "*",
        "a AND OR NOT",
        "ü",
        "💥",
        "NEAR(a b)",
        "-",
        "email*",
    ]:
        search.search(alice, q)


def test_facets(alice: Any, catalog_source: Any) -> None:
    result = search.search(alice, "passenger", with_facets=True)
    assert result.facets["type"]
    assert result.facets["source_name"] == {"air": result.total}
