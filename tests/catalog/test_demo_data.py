"""The airline demo dataset: built on SQLite, PostgreSQL and MariaDB, checked like a user would.

Runs without Django: ``.venv/bin/pytest -p no:django tests/catalog/test_demo_data.py``.
Server targets use throwaway databases (created and dropped here) and are skipped only when
the server cannot be reached at all.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from catalog.demo import (
    SIZES,
    DemoResult,
    build_airline,
    drop_database,
    ensure_database,
    expected_lineage,
    server_available,
    transformation_scripts,
)
from catalog.demo.databases import engine_for, layout_for
from catalog.demo.identifiers import iban_valid, luhn_valid
from catalog.demo.layout import LAYERS, Layout, as_layer
from catalog.demo.schema import TABLES
from catalog.demo.transform import split_statements

PG_SERVER = os.environ.get("CUSTOS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
MYSQL_SERVER = os.environ.get("CUSTOS_TEST_MYSQL", "mysql+pymysql://root@127.0.0.1:3306")
SMALL = SIZES["small"]
MARTS = (
    "passenger_360", "route_revenue", "daily_bookings", "loyalty_status", "marketing_contacts",
    "audience_segments",
)  # fmt: skip
EMAIL = re.compile(r"^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$")


@dataclass
class Built:
    url: str
    result: DemoResult
    engine: Engine
    layout: Layout

    def table(self, layer: str, name: str) -> str:
        return self.layout.qualified(as_layer(layer), name)

    def scalar(self, sql: str) -> Any:
        with self.engine.connect() as connection:
            return connection.execute(text(sql)).scalar()

    def column(self, sql: str) -> list[object]:
        with self.engine.connect() as connection:
            return list(connection.execute(text(sql)).scalars())


def _throwaway(server: str) -> str:
    return f"{server}/custos_test_{uuid.uuid4().hex[:10]}"


def _server_url(target: str, tmp_path: Path) -> str:
    if target == "sqlite":
        return f"sqlite:///{tmp_path / 'airline.db'}"
    server = PG_SERVER if target == "postgres" else MYSQL_SERVER
    url = _throwaway(server)
    if not server_available(url):
        pytest.skip(f"{target} server not reachable at {server}")
    return url


@pytest.fixture(scope="module", params=["sqlite", "postgres", "mysql"])
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[Built]:  # fmt: skip
    url = _server_url(request.param, tmp_path_factory.mktemp(request.param))
    try:
        result = build_airline(url, size="small", seed=42)
        engine = engine_for(url, poolclass=NullPool)
        yield Built(url, result, engine, layout_for(url))
        engine.dispose()
    finally:
        drop_database(url)


# -- shape and counts ---------------------------------------------------------------------


def test_row_counts_follow_the_size(built: Built) -> None:
    tables = built.result.tables
    raw = {name: tables[built.layout.key("raw", name)] for name in (t.name for t in TABLES)}
    assert raw["passengers"] == SMALL.passengers
    assert raw["flights"] == SMALL.flights
    assert raw["bookings"] == SMALL.bookings
    assert raw["crew"] == SMALL.crew
    assert raw["aircraft"] == SMALL.aircraft
    assert all(count > 0 for count in raw.values()), raw
    assert 0.4 * SMALL.passengers < raw["loyalty_accounts"] < 0.7 * SMALL.passengers
    assert raw["payments"] > 0.8 * SMALL.bookings


def test_marts_and_staging_are_populated(built: Built) -> None:
    tables = built.result.tables
    for name in MARTS:
        assert tables[built.layout.key("marts", name)] > 0, name
    for name in ("stg_passengers", "stg_bookings", "stg_payments", "stg_flights",
                 "stg_crew_roster"):  # fmt: skip
        assert tables[built.layout.key("staging", name)] > 0, name
    hashed = built.layout.key("marts", "email_hashes")
    assert (hashed in tables) == (built.layout.dialect != "sqlite")


def test_every_script_ran_and_is_returned(built: Built) -> None:
    names = [script.name for script in built.result.scripts]
    assert names == sorted(names)
    assert len(names) == 7
    for script in built.result.scripts:
        assert script.dialect == built.layout.dialect
        assert "{" not in script.sql, "unresolved layer placeholder"
        assert split_statements(script.sql)
    assert built.result.seconds > 0


def test_foreign_keys_hold(built: Built) -> None:
    for table in TABLES:
        for column in table.columns:
            if not column.references:
                continue
            ref_table, ref_column = column.references.split(".")
            orphans = built.scalar(
                f"SELECT COUNT(*) FROM {built.table('raw', table.name)} AS c "
                f"LEFT JOIN {built.table('raw', ref_table)} AS p "
                f"ON p.{ref_column} = c.{column.name} "
                f"WHERE c.{column.name} IS NOT NULL AND p.{ref_column} IS NULL"
            )
            assert orphans == 0, f"{table.name}.{column.name} -> {column.references}"


def test_foreign_keys_are_declared(built: Built) -> None:
    inspector = inspect(built.engine)
    bookings = built.layout.table_name("raw", "bookings")
    keys = inspector.get_foreign_keys(bookings, schema=built.layout.schema("raw"))
    referred = {built.layout.table_name("raw", name) for name in ("passengers", "flights")}
    assert {k["referred_table"] for k in keys} == referred


# -- personal data and look-alikes --------------------------------------------------------


def test_card_numbers_are_luhn_valid_test_cards(built: Built) -> None:
    cards = built.column(
        f"SELECT card_number FROM {built.table('raw', 'payments')} WHERE card_number IS NOT NULL"
    )
    assert len(cards) > 100
    assert all(luhn_valid(str(card)) for card in cards)
    assert {str(card).replace(" ", "")[:6] for card in cards} <= {
        "411111", "424242", "400005", "555555", "222300", "378282", "601111",
    }  # fmt: skip
    ibans = built.column(
        f"SELECT billing_iban FROM {built.table('raw', 'payments')} WHERE billing_iban IS NOT NULL"
    )
    assert ibans
    assert all(iban_valid(str(value)) for value in ibans)


def test_contact_data_is_plausible(built: Built) -> None:
    emails = [str(e) for e in built.column(f"SELECT email FROM {built.table('raw', 'passengers')}")]
    assert sum(bool(EMAIL.match(e)) for e in emails) > 0.9 * len(emails)
    assert len(set(emails)) == len(emails)
    assert all(EMAIL.match(e.strip().lower()) for e in emails)
    normalised = built.column(f"SELECT email FROM {built.table('staging', 'stg_passengers')}")
    assert all(EMAIL.match(str(e)) for e in normalised)
    nationalities = set(built.column(f"SELECT nationality FROM {built.table('raw', 'passengers')}"))
    assert len(nationalities) >= 6  # several Faker locales


def test_free_text_notes_embed_contact_details(built: Built) -> None:
    notes = [
        str(n)
        for n in built.column(f"SELECT note_text FROM {built.table('raw', 'customer_notes')}")
    ]
    assert any("@" in note for note in notes)
    assert any(re.search(r"\d{3}[ -]?\d{3}", note) for note in notes)


def test_look_alike_identifiers_are_not_pii(built: Built) -> None:
    tickets = built.column(f"SELECT ticket_number FROM {built.table('raw', 'bookings')}")
    assert all(len(str(t)) == 13 and not luhn_valid(str(t)) for t in tickets)
    orders = built.column(f"SELECT order_code FROM {built.table('raw', 'payments')}")
    assert all(re.fullmatch(r"ORD-\d{4}-\d{8}(-R)?", str(o)) for o in orders)
    years = set(built.column(f"SELECT fiscal_year FROM {built.table('raw', 'ancillary_sales')}"))
    assert years
    assert all(re.fullmatch(r"FY20\d\d", str(y)) for y in years)


def test_marketing_copy_holds_passenger_contact_data(built: Built) -> None:
    contacts = built.table("marts", "marketing_contacts")
    staged = built.table("staging", "stg_passengers")
    mismatched = built.scalar(
        f"SELECT COUNT(*) FROM {contacts} AS c JOIN {staged} AS p "
        "ON p.passenger_id = c.passenger_id WHERE p.email <> c.email"
    )
    assert mismatched == 0
    assert built.scalar(f"SELECT COUNT(*) FROM {contacts}") == built.scalar(
        f"SELECT COUNT(*) FROM {staged} WHERE marketing_opt_in = TRUE AND email IS NOT NULL"
    )


def test_upsert_updated_members_and_inserted_new_ones(built: Built) -> None:
    status = built.table("marts", "loyalty_status")
    rows = built.scalar(f"SELECT COUNT(*) FROM {status}")
    members = built.result.tables[built.layout.key("raw", "loyalty_accounts")]
    inserted = built.scalar(f"SELECT COUNT(*) FROM {status} WHERE current_tier = 'none'")
    reviewed = built.scalar(f"SELECT COUNT(*) FROM {status} WHERE updated_by = 'tier_review'")
    assert rows == members + inserted
    assert 0 < inserted < reviewed


def test_passenger_360_totals_match_bookings(built: Built) -> None:
    mart_total = built.scalar(
        f"SELECT SUM(total_spent_eur) FROM {built.table('marts', 'passenger_360')}"
    )
    staged_total = built.scalar(
        f"SELECT SUM(price_eur) FROM {built.table('staging', 'stg_bookings')} "
        "WHERE status <> 'cancelled'"
    )
    assert float(mart_total) == pytest.approx(float(staged_total), rel=1e-9)


# -- comments -----------------------------------------------------------------------------


def test_objects_carry_descriptions(built: Built) -> None:
    if built.layout.dialect == "sqlite":
        ddl = built.scalar("SELECT sql FROM sqlite_master WHERE name = 'raw_passengers'")
        assert "-- Passenger master data" in str(ddl)
        assert "-- Contact e-mail address" in str(ddl)
        return
    inspector = inspect(built.engine)
    raw = built.layout.schema("raw")
    for table in TABLES:
        assert inspector.get_table_comment(table.name, schema=raw)["text"] == table.comment
        described = [c for c in inspector.get_columns(table.name, schema=raw) if c.get("comment")]
        assert len(described) == len(table.columns), table.name
    marts = built.layout.schema("marts")
    assert inspector.get_table_comment("passenger_360", schema=marts)["text"]
    assert inspector.get_table_comment("marketing_contacts", schema=marts)["text"]


# -- determinism --------------------------------------------------------------------------


def _digest(engine: Engine, layout: Layout, keys: list[str]) -> dict[str, str]:
    """sha256 of each table's rows, sorted by every column."""
    digests = {}
    with engine.connect() as connection:
        for key in keys:
            schema, name = key.split(".")
            qualified = name if layout.dialect == "sqlite" else key
            width = len(inspect(connection).get_columns(name, schema=schema))
            order = ", ".join(str(i) for i in range(1, width + 1))
            rows = connection.execute(text(f"SELECT * FROM {qualified} ORDER BY {order}")).all()
            digests[key] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return digests


def test_rebuilding_gives_identical_content(built: Built) -> None:
    keys = list(built.result.tables)
    before = _digest(built.engine, built.layout, keys)
    again = build_airline(built.url, size="small", seed=42)
    assert again.tables == built.result.tables
    assert _digest(built.engine, built.layout, keys) == before


def test_same_seed_same_rows_other_seed_other_rows(tmp_path: Path) -> None:
    first = build_airline(f"sqlite:///{tmp_path / 'a' / 'airline.db'}", seed=7)
    second = build_airline(f"sqlite:///{tmp_path / 'b' / 'airline.db'}", seed=7)
    other = build_airline(f"sqlite:///{tmp_path / 'c' / 'airline.db'}", seed=8)
    digests = []
    for result in (first, second, other):
        engine = engine_for(result.url, poolclass=NullPool)
        digests.append(_digest(engine, layout_for(result.url), list(result.tables)))
        engine.dispose()
    assert digests[0] == digests[1]
    assert digests[0]["main.raw_passengers"] != digests[2]["main.raw_passengers"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    return build_airline(f"sqlite:///{tmp_path_factory.mktemp('ref') / 'ref.db'}", seed=42)


def test_dialects_build_the_same_data(built: Built, reference: DemoResult) -> None:
    reference_layout = layout_for(reference.url)

    def by_logical_name(result: DemoResult, layout: Layout) -> dict[str, int]:
        counts = {}
        for layer in LAYERS:
            for name in [t.name for t in TABLES] + ["stg_bookings", "stg_flights", *MARTS]:
                key = layout.key(layer, name)
                if key in result.tables:
                    counts[f"{layer}.{name}"] = result.tables[key]
        return counts

    assert by_logical_name(built.result, built.layout) == by_logical_name(
        reference, reference_layout
    )


# -- lineage contract ---------------------------------------------------------------------


def test_expected_lineage_names_real_columns(built: Built) -> None:
    edges = expected_lineage(built.layout.dialect, database=built.result.database)
    inspector = inspect(built.engine)
    columns: dict[str, set[str]] = {}
    for key in built.result.tables:
        schema, name = key.split(".")
        found = {c["name"] for c in inspector.get_columns(name, schema=schema)}
        columns[f"{built.result.database}.{key}"] = found
    for source, target, kind in edges:
        for fqn in (source, target):
            table, _, column = fqn.rpartition(".")
            assert column in columns.get(table, set()), f"{fqn} ({kind}) does not exist"


def test_expected_lineage_covers_every_transform_kind() -> None:
    kinds = {kind for _, _, kind in expected_lineage("postgres")}
    assert kinds == {
        "identity", "expression", "case", "aggregate", "count", "hash", "window", "join_key",
        "filter",
    }  # fmt: skip
    assert "hash" not in {kind for _, _, kind in expected_lineage("sqlite")}
    source, target, _ = expected_lineage("mysql", database="shop")[0]
    assert source == "shop.shop_raw.passengers.email"
    assert target == "shop.shop_staging.stg_passengers.email"


def test_transformation_scripts_per_dialect() -> None:
    pg = transformation_scripts("postgres")
    assert any("MERGE INTO marts.loyalty_status" in s.sql for s in pg)
    assert any("MD5(" in s.sql for s in pg)
    mysql = transformation_scripts("mysql", database="shop")
    assert any("ON DUPLICATE KEY UPDATE" in s.sql for s in mysql)
    assert all("{" not in s.sql for s in mysql)
    assert "shop_marts." in mysql[1].sql
    sqlite = transformation_scripts("sqlite")
    assert any("ON CONFLICT (passenger_id) DO UPDATE" in s.sql for s in sqlite)
    assert any("CREATE TEMP TABLE" in s.sql for s in sqlite)
    with pytest.raises(ValueError, match="unknown dialect"):
        transformation_scripts("oracle")


# -- helpers and API edges ----------------------------------------------------------------


def test_unknown_size_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown size"):
        build_airline(f"sqlite:///{tmp_path / 'x.db'}", size="huge")


def test_progress_reports_loading_and_scripts(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    build_airline(f"sqlite:///{tmp_path / 'airline.db'}", progress=lambda *a: calls.append(a))
    steps = [step for step, _, _ in calls]
    assert steps[0].startswith("load:")
    assert steps[-1] == "done"
    assert any(step == "script:07_audience" for step in steps)
    loads = [done for step, done, total in calls if step.startswith("load:")]
    assert loads == sorted(loads)
    assert all(done <= total for _, done, total in calls)


def test_unreachable_server_is_reported_quickly() -> None:
    assert server_available("sqlite:///anything.db")
    assert not server_available("postgresql+psycopg://postgres@127.0.0.1:1/nope")
    assert not server_available("mysql+pymysql://root@127.0.0.1:1/nope")


@pytest.mark.parametrize("server", [PG_SERVER, MYSQL_SERVER])
def test_ensure_and_drop_database(server: str) -> None:
    url = _throwaway(server)
    if not server_available(url):
        pytest.skip(f"server not reachable at {server}")
    ensure_database(url)
    ensure_database(url)  # idempotent
    engine = engine_for(url, poolclass=NullPool)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1
    engine.dispose()
    drop_database(url)
    drop_database(url)  # idempotent
    assert not _can_connect(url)


def _can_connect(url: str) -> bool:
    engine = engine_for(url, poolclass=NullPool)
    try:
        with engine.connect():
            return True
    except Exception:
        return False
    finally:
        engine.dispose()


def test_names_that_are_not_identifiers_are_refused() -> None:
    with pytest.raises(ValueError, match="plain identifier"):
        layout_for(f"{PG_SERVER}/demo;drop")
