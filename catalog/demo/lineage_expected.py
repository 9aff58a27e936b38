"""Hand-checked column lineage that the demo transformation scripts must produce.

Each edge is ``(source column FQN, target column FQN, transform kind)`` with FQNs
``database.schema.table.column`` as defined in ``catalog.demo.layout`` (SQLite: schema
``main``, layer prefixes in table names, database = file stem, default ``airline``).

The list is a required *subset*, not everything an engine may report. Rules used:

* Edges run statement by statement between persisted objects (tables and views). CTEs,
  subqueries and temporary tables are collapsed: ``tmp_passenger_bookings`` never appears.
* The kind is the strongest step on the path from source to target, by precedence
  ``hash > window > count > aggregate > case > expression > identity``: a column only
  under a window's ``ORDER BY``/``PARTITION BY`` (or inside ``AVG(...) OVER``) is ``window``;
  ``COALESCE``, ``||``, ``TRIM``, casts and arithmetic are ``expression``; a column tested
  inside ``CASE`` is ``case``; ``MD5``/``SHA2`` are ``hash``.
* ``filter`` (column in ``WHERE``) and ``join_key`` (column in ``JOIN ... ON``) edges point to
  the *first* column of the statement's target; an engine that links such a column to every
  target column satisfies them.
* Upserts (PostgreSQL ``MERGE``, MariaDB ``ON DUPLICATE KEY UPDATE``, SQLite
  ``ON CONFLICT DO UPDATE``) give the same edges.
"""

from __future__ import annotations

from catalog.demo.layout import DEFAULT_DATABASE, Layout, as_dialect, as_layer

Edge = tuple[str, str, str]

TRANSFORM_KINDS = (
    "identity", "expression", "case", "aggregate", "count", "hash", "window", "join_key", "filter",
)  # fmt: skip

# (source "layer.table.column", target "layer.table.column", kind), in script order
_EDGES: tuple[tuple[str, str, str], ...] = (
    # 01_staging
    ("raw.passengers.email", "staging.stg_passengers.email", "expression"),
    ("raw.passengers.first_name", "staging.stg_passengers.first_name", "expression"),
    ("raw.passengers.last_name", "staging.stg_passengers.last_name", "expression"),
    ("raw.passengers.phone", "staging.stg_passengers.phone", "identity"),
    ("raw.passengers.passport_number", "staging.stg_passengers.passport_number", "identity"),
    ("raw.passengers.date_of_birth", "staging.stg_passengers.date_of_birth", "identity"),
    ("raw.passengers.marketing_opt_in", "staging.stg_passengers.marketing_opt_in", "identity"),
    ("raw.bookings.booked_at", "staging.stg_bookings.booking_date", "expression"),
    ("raw.bookings.fare_class", "staging.stg_bookings.cabin_group", "case"),
    ("raw.bookings.price", "staging.stg_bookings.price_eur", "expression"),
    ("raw.bookings.currency", "staging.stg_bookings.price_eur", "case"),
    ("raw.bookings.passenger_id", "staging.stg_bookings.booking_sequence", "window"),
    ("raw.bookings.booked_at", "staging.stg_bookings.booking_sequence", "window"),
    ("raw.bookings.status", "staging.stg_bookings.booking_id", "filter"),
    ("raw.payments.card_number", "staging.stg_payments.card_last4", "expression"),
    ("raw.payments.card_holder", "staging.stg_payments.card_holder", "identity"),
    ("raw.payments.amount", "staging.stg_payments.direction", "case"),
    ("raw.crew.full_name", "staging.stg_crew_roster.full_name", "identity"),
    ("raw.crew.email", "staging.stg_crew_roster.crew_email", "identity"),
    ("raw.crew_assignments.crew_id", "staging.stg_crew_roster.assignment_id", "join_key"),
    ("raw.airports.city", "staging.stg_flights.origin_city", "identity"),
    ("raw.airports.city", "staging.stg_flights.destination_city", "identity"),
    ("raw.flights.origin", "staging.stg_flights.route", "expression"),
    ("raw.flights.destination", "staging.stg_flights.route", "expression"),
    ("raw.flights.scheduled_departure", "staging.stg_flights.flight_date", "expression"),
    ("raw.flights.actual_departure", "staging.stg_flights.delay_minutes", "expression"),
    ("raw.flights.scheduled_departure", "staging.stg_flights.delay_minutes", "expression"),
    ("raw.aircraft.seat_capacity", "staging.stg_flights.seat_capacity", "identity"),
    ("raw.airports.iata_code", "staging.stg_flights.flight_id", "join_key"),
    # 02_passenger_360 (through a temporary table and a CTE)
    ("staging.stg_passengers.passenger_id", "marts.passenger_360.passenger_id", "identity"),
    ("staging.stg_passengers.first_name", "marts.passenger_360.full_name", "expression"),
    ("staging.stg_passengers.last_name", "marts.passenger_360.full_name", "expression"),
    ("staging.stg_passengers.email", "marts.passenger_360.email", "identity"),
    ("staging.stg_passengers.phone", "marts.passenger_360.phone", "identity"),
    ("raw.loyalty_accounts.tier", "marts.passenger_360.loyalty_tier", "expression"),
    (
        "raw.loyalty_accounts.frequent_flyer_number",
        "marts.passenger_360.frequent_flyer_number",
        "identity",
    ),
    ("staging.stg_bookings.booking_id", "marts.passenger_360.bookings_count", "count"),
    ("staging.stg_bookings.status", "marts.passenger_360.flown_count", "aggregate"),
    ("staging.stg_bookings.price_eur", "marts.passenger_360.total_spent_eur", "aggregate"),
    ("staging.stg_bookings.booked_at", "marts.passenger_360.first_booked_at", "aggregate"),
    ("staging.stg_bookings.booked_at", "marts.passenger_360.last_booked_at", "aggregate"),
    ("staging.stg_bookings.price_eur", "marts.passenger_360.spend_rank", "window"),
    ("raw.loyalty_accounts.passenger_id", "marts.passenger_360.passenger_id", "join_key"),
    # 03_route_revenue
    ("staging.stg_flights.route", "marts.route_revenue.route", "identity"),
    ("staging.stg_flights.flight_date", "marts.route_revenue.month", "expression"),
    ("staging.stg_flights.flight_id", "marts.route_revenue.flights", "count"),
    ("staging.stg_bookings.booking_id", "marts.route_revenue.passengers", "count"),
    ("staging.stg_bookings.price_eur", "marts.route_revenue.revenue_eur", "aggregate"),
    ("staging.stg_bookings.price_eur", "marts.route_revenue.revenue_rank", "window"),
    ("staging.stg_bookings.price_eur", "marts.route_revenue.cumulative_revenue_eur", "window"),
    ("staging.stg_bookings.status", "marts.route_revenue.route", "filter"),
    ("staging.stg_bookings.flight_id", "marts.route_revenue.route", "join_key"),
    # 04_daily_bookings (INSERT without a column list)
    ("staging.stg_bookings.booking_date", "marts.daily_bookings.booking_date", "identity"),
    ("staging.stg_bookings.booking_id", "marts.daily_bookings.bookings", "count"),
    ("staging.stg_bookings.price_eur", "marts.daily_bookings.revenue_eur", "aggregate"),
    ("staging.stg_bookings.booking_id", "marts.daily_bookings.bookings_7d_avg", "window"),
    ("staging.stg_bookings.price_eur", "marts.daily_bookings.revenue_running_eur", "window"),
    # 05_loyalty_tiers (insert, then MERGE / upsert)
    ("raw.loyalty_accounts.tier", "marts.loyalty_status.current_tier", "identity"),
    ("raw.loyalty_accounts.tier", "marts.loyalty_status.earned_tier", "identity"),
    ("raw.loyalty_accounts.points_balance", "marts.loyalty_status.points_balance", "identity"),
    (
        "raw.loyalty_accounts.frequent_flyer_number",
        "marts.loyalty_status.frequent_flyer_number",
        "identity",
    ),
    ("marts.passenger_360.passenger_id", "marts.loyalty_status.passenger_id", "identity"),
    ("marts.passenger_360.total_spent_eur", "marts.loyalty_status.earned_tier", "case"),
    ("marts.passenger_360.total_spent_eur", "marts.loyalty_status.spend_eur", "identity"),
    # 06_marketing_contacts (a copy of personal data)
    ("staging.stg_passengers.passenger_id", "marts.marketing_contacts.passenger_id", "identity"),
    ("staging.stg_passengers.first_name", "marts.marketing_contacts.first_name", "identity"),
    ("staging.stg_passengers.email", "marts.marketing_contacts.email", "identity"),
    ("staging.stg_passengers.phone", "marts.marketing_contacts.phone", "identity"),
    ("raw.loyalty_accounts.tier", "marts.marketing_contacts.loyalty_tier", "expression"),
    ("staging.stg_passengers.marketing_opt_in", "marts.marketing_contacts.passenger_id", "filter"),
    ("staging.stg_passengers.email", "marts.marketing_contacts.passenger_id", "filter"),
    # 07_audience (anonymising: personal data stops here)
    ("marts.marketing_contacts.email", "marts.email_hashes.email_hash", "hash"),
    ("marts.marketing_contacts.country", "marts.email_hashes.country", "identity"),
    ("staging.stg_passengers.date_of_birth", "marts.audience_segments.age_band", "case"),
    ("marts.passenger_360.country", "marts.audience_segments.country", "identity"),
    ("marts.passenger_360.passenger_id", "marts.audience_segments.passengers", "count"),
    ("marts.passenger_360.total_spent_eur", "marts.audience_segments.avg_spent_eur", "aggregate"),
)

# SQLite has no hash function, so its build has no email_hashes table (see 07_audience.sql).
_NOT_ON_SQLITE = ("marts.email_hashes.",)


def expected_lineage(dialect: str, *, database: str | None = None) -> list[Edge]:
    """The required column edges for ``dialect``'s scripts, as fully qualified names.

    ``database`` is the logical database name (default: ``custos_demo`` for PostgreSQL and
    MariaDB, ``airline`` for SQLite); on MariaDB it also names the per-layer databases.
    """
    layout = Layout(as_dialect(dialect), database or DEFAULT_DATABASE[dialect])
    edges = []
    for source, target, kind in _EDGES:
        if dialect == "sqlite" and target.startswith(_NOT_ON_SQLITE):
            continue
        edges.append((_fqn(layout, source), _fqn(layout, target), kind))
    return edges


def _fqn(layout: Layout, dotted: str) -> str:
    layer, table, column = dotted.split(".")
    return layout.fqn(as_layer(layer), table, column)
