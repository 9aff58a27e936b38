"""The raw airline tables, described once and rendered as DDL for each dialect.

Column types are a small neutral vocabulary (see ``_TYPES``). Comments become ``COMMENT ON``
(PostgreSQL), ``COMMENT '...'`` (MariaDB) or ``-- ...`` inside the ``CREATE TABLE`` text on
SQLite, which keeps the statement verbatim in ``sqlite_master`` (SQLite has no comment
catalog; ``TABLES`` is the source of truth for anyone who needs them there).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from catalog.demo.layout import LAYERS, Layout

# neutral type -> (postgres, mysql, sqlite); "{n}" is the declared length
_TYPES: dict[str, tuple[str, str, str]] = {
    "id": ("bigint", "BIGINT", "INTEGER"),
    "int": ("integer", "INT", "INTEGER"),
    "smallint": ("smallint", "SMALLINT", "INTEGER"),
    "str": ("varchar({n})", "VARCHAR({n})", "VARCHAR({n})"),
    "char": ("char({n})", "CHAR({n})", "CHAR({n})"),
    "text": ("text", "TEXT", "TEXT"),
    "date": ("date", "DATE", "DATE"),
    "ts": ("timestamp", "DATETIME", "TIMESTAMP"),
    "money": ("numeric(12,2)", "DECIMAL(12,2)", "NUMERIC(12,2)"),
    "real": ("double precision", "DOUBLE", "REAL"),
    "bool": ("boolean", "BOOLEAN", "BOOLEAN"),
}
_DIALECT_INDEX = {"postgres": 0, "mysql": 1, "sqlite": 2}


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # neutral type, optionally with a length: "str:80", "char:3"
    comment: str
    nullable: bool = True
    primary_key: bool = False
    references: str | None = None  # "table.column" in the raw layer

    def sql_type(self, dialect: str) -> str:
        base, _, length = self.type.partition(":")
        return _TYPES[base][_DIALECT_INDEX[dialect]].format(n=length)


@dataclass(frozen=True)
class Index:
    columns: tuple[str, ...]
    unique: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    comment: str
    columns: tuple[Column, ...]
    indexes: tuple[Index, ...] = field(default=())

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _c(name: str, type_: str, comment: str, *, nullable: bool = True) -> Column:
    return Column(name, type_, comment, nullable=nullable)


def _pk(name: str, comment: str, type_: str = "id") -> Column:
    return Column(name, type_, comment, nullable=False, primary_key=True)


def _fk(name: str, ref: str, comment: str, *, nullable: bool = False, type_: str = "id") -> Column:
    return Column(name, type_, comment, nullable=nullable, references=ref)


TABLES: tuple[Table, ...] = (
    Table(
        "airports",
        "Airports served by Custos Air, keyed by IATA code.",
        (
            _pk("iata_code", "Three-letter IATA airport code.", "char:3"),
            _c("icao_code", "char:4", "Four-letter ICAO airport code.", nullable=False),
            _c("name", "str:100", "Official airport name.", nullable=False),
            _c("city", "str:80", "City served by the airport.", nullable=False),
            _c("country_code", "char:2", "ISO 3166-1 alpha-2 country code.", nullable=False),
            _c("country", "str:80", "Country name in English.", nullable=False),
            _c("latitude", "real", "Latitude in decimal degrees (WGS 84)."),
            _c("longitude", "real", "Longitude in decimal degrees (WGS 84)."),
            _c("timezone", "str:40", "IANA time zone of the airport."),
        ),
    ),
    Table(
        "aircraft",
        "The Custos Air fleet: one row per airframe.",
        (
            _pk("aircraft_id", "Surrogate key of the airframe.", "int"),
            _c("registration", "str:10", "Civil registration (tail number).", nullable=False),
            _c("manufacturer", "str:40", "Airframe manufacturer.", nullable=False),
            _c("model", "str:40", "Aircraft model.", nullable=False),
            _c("seat_capacity", "smallint", "Installed passenger seats.", nullable=False),
            _c("range_km", "int", "Maximum range with typical payload, in km."),
            _c("delivered_on", "date", "Date the airframe joined the fleet."),
            _c("in_service", "bool", "False while the airframe is stored or in heavy check."),
        ),
        (Index(("registration",), unique=True),),
    ),
    Table(
        "passengers",
        "Passenger master data as captured by the booking engine (personal data).",
        (
            _pk("passenger_id", "Surrogate key of the passenger."),
            _c("first_name", "str:60", "Given name as in the travel document.", nullable=False),
            _c("last_name", "str:80", "Family name as in the travel document.", nullable=False),
            _c("email", "str:254", "Contact e-mail address; not normalised."),
            _c("phone", "str:32", "Contact phone number, free format."),
            _c("date_of_birth", "date", "Date of birth."),
            _c("passport_number", "str:20", "Travel document number (APIS)."),
            _c("nationality", "char:2", "Nationality, ISO 3166-1 alpha-2."),
            _c("gender", "char:1", "F, M or X as in the travel document."),
            _c("street_address", "str:200", "Street and house number of the home address."),
            _c("city", "str:100", "City of the home address."),
            _c("postal_code", "str:16", "Postal code of the home address."),
            _c("country", "char:2", "Country of residence, ISO 3166-1 alpha-2."),
            _c("marketing_opt_in", "bool", "Consent to marketing e-mails and calls."),
            _c("created_at", "ts", "When the passenger profile was created.", nullable=False),
        ),
        (Index(("email",)), Index(("last_name", "first_name"))),
    ),
    Table(
        "loyalty_accounts",
        "Frequent flyer programme memberships, at most one per passenger.",
        (
            _pk("account_id", "Surrogate key of the loyalty account."),
            _fk("passenger_id", "passengers.passenger_id", "Member passenger."),
            _c("frequent_flyer_number", "str:12", "Membership number printed on the card."),
            _c("tier", "str:10", "Current tier: blue, silver, gold or platinum.", nullable=False),
            _c("points_balance", "int", "Redeemable award points.", nullable=False),
            _c("joined_on", "date", "Enrolment date."),
        ),
        (Index(("passenger_id",), unique=True), Index(("frequent_flyer_number",), unique=True)),
    ),
    Table(
        "crew",
        "Cockpit and cabin crew employees (personal data of staff).",
        (
            _pk("crew_id", "Surrogate key of the crew member.", "int"),
            _c("employee_number", "str:10", "HR employee number.", nullable=False),
            _c("full_name", "str:140", "Full name of the crew member.", nullable=False),
            _c("email", "str:254", "Corporate e-mail address."),
            _c("phone", "str:32", "Mobile phone number for crew scheduling."),
            _fk("base_airport", "airports.iata_code", "Home base.", type_="char:3"),
            _c("role", "str:20", "captain, first_officer, purser or flight_attendant."),
            _c("national_id", "str:20", "National identity or social security number."),
            _c("date_of_birth", "date", "Date of birth."),
            _c("hired_on", "date", "Start of employment."),
        ),
        (Index(("employee_number",), unique=True),),
    ),
    Table(
        "flights",
        "Scheduled and operated flights.",
        (
            _pk("flight_id", "Surrogate key of the flight (one departure)."),
            _c("flight_number", "str:8", "Marketing flight number, e.g. CU1234.", nullable=False),
            _fk("origin", "airports.iata_code", "Departure airport.", type_="char:3"),
            _fk("destination", "airports.iata_code", "Arrival airport.", type_="char:3"),
            _c("scheduled_departure", "ts", "Scheduled off-block time (UTC).", nullable=False),
            _c("scheduled_arrival", "ts", "Scheduled on-block time (UTC).", nullable=False),
            _c("actual_departure", "ts", "Actual off-block time (UTC); empty until departed."),
            _c("actual_arrival", "ts", "Actual on-block time (UTC); empty until arrived."),
            _c("status", "str:12", "scheduled, arrived, cancelled or diverted.", nullable=False),
            _fk("aircraft_id", "aircraft.aircraft_id", "Operating airframe.", type_="int"),
            _c("gate", "str:4", "Departure gate."),
            _c("distance_km", "int", "Great-circle distance in km."),
            _c("season_code", "char:3", "IATA scheduling season, e.g. S24 or W24."),
        ),
        (Index(("origin", "scheduled_departure")), Index(("flight_number",))),
    ),
    Table(
        "crew_assignments",
        "Which crew member works which flight, in which duty.",
        (
            _pk("assignment_id", "Surrogate key of the assignment."),
            _fk("flight_id", "flights.flight_id", "Assigned flight."),
            _fk("crew_id", "crew.crew_id", "Assigned crew member.", type_="int"),
            _c("duty", "str:20", "Duty on this flight.", nullable=False),
            _c("duty_minutes", "int", "Planned duty time in minutes."),
        ),
        (Index(("flight_id",)), Index(("crew_id",))),
    ),
    Table(
        "bookings",
        "One passenger on one flight, from the reservation system.",
        (
            _pk("booking_id", "Surrogate key of the booking."),
            _c("pnr", "char:6", "Booking reference (PNR record locator).", nullable=False),
            _c("ticket_number", "char:13", "E-ticket number (airline prefix + serial)."),
            _fk("passenger_id", "passengers.passenger_id", "Travelling passenger."),
            _fk("flight_id", "flights.flight_id", "Booked flight."),
            _c("booked_at", "ts", "When the booking was made.", nullable=False),
            _c("fare_class", "str:16", "economy, premium_economy, business or first."),
            _c("booking_class", "char:1", "Reservation booking designator (RBD)."),
            _c("seat", "str:4", "Assigned seat, empty when not yet assigned."),
            _c("price", "money", "Ticket price in the booking currency.", nullable=False),
            _c("currency", "char:3", "ISO 4217 currency of the price.", nullable=False),
            _c("status", "str:12", "confirmed, flown, no_show, cancelled, refunded or test."),
            _c("channel", "str:12", "Sales channel: web, app, agent or call_center."),
        ),
        (Index(("passenger_id",)), Index(("flight_id",)), Index(("pnr",))),
    ),
    Table(
        "payments",
        "Payments and refunds for bookings (contains card data: PCI scope).",
        (
            _pk("payment_id", "Surrogate key of the payment."),
            _fk("booking_id", "bookings.booking_id", "Paid booking."),
            _c("payment_method", "str:16", "card, paypal, sepa_debit or bank_transfer."),
            _c("card_number", "str:23", "Primary account number (PAN) for card payments."),
            _c("card_holder", "str:140", "Name embossed on the card."),
            _c("card_expiry", "char:5", "Card expiry as MM/YY."),
            _c("billing_iban", "str:34", "IBAN debited for SEPA and bank transfers."),
            _c("amount", "money", "Amount; negative for refunds.", nullable=False),
            _c("currency", "char:3", "ISO 4217 currency.", nullable=False),
            _c("paid_at", "ts", "Capture or refund time.", nullable=False),
            _c("status", "str:10", "captured or refund."),
            _c("order_code", "str:20", "Payment service provider order code."),
            _c("authorization_code", "char:6", "Issuer authorisation code."),
        ),
        (Index(("booking_id",)),),
    ),
    Table(
        "ancillary_sales",
        "Extras sold with a booking: bags, seats, meals, lounge access.",
        (
            _pk("sale_id", "Surrogate key of the sale line."),
            _fk("booking_id", "bookings.booking_id", "Booking the extra belongs to."),
            _c("product_code", "str:10", "Product code, e.g. BAG23 or SEATXL.", nullable=False),
            _c("quantity", "smallint", "Units sold.", nullable=False),
            _c("unit_price", "money", "Price per unit."),
            _c("amount", "money", "quantity x unit_price.", nullable=False),
            _c("currency", "char:3", "ISO 4217 currency."),
            _c("fiscal_year", "char:6", "Fiscal year code, e.g. FY2024."),
            _c("invoice_number", "str:20", "Invoice number, e.g. INV-2024-118-004512."),
            _c("sold_at", "ts", "Time of sale."),
        ),
        (Index(("booking_id",)),),
    ),
    Table(
        "customer_notes",
        "Free-text notes by service agents; may contain contact details.",
        (
            _pk("note_id", "Surrogate key of the note."),
            _fk("passenger_id", "passengers.passenger_id", "Passenger the note is about."),
            _fk("booking_id", "bookings.booking_id", "Related booking, if any.", nullable=True),
            _c("created_at", "ts", "When the note was written.", nullable=False),
            _c("channel", "str:12", "Contact channel: email, phone, chat or airport."),
            _c("agent_code", "str:8", "Service agent code, e.g. AG0421."),
            _c("note_text", "text", "Free text written by the agent.", nullable=False),
        ),
        (Index(("passenger_id",)),),
    ),
)

TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}

LAYER_COMMENTS: dict[str, str] = {
    "raw": "Raw airline data as landed from operational systems.",
    "staging": "Cleaned and typed views over raw data.",
    "marts": "Business-facing aggregates and derived tables.",
}


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class DdlPlan:
    """Statements to run before loading (``reset``, ``create``) and after (``finish``)."""

    reset: list[str]
    create: list[str]
    finish: list[str]


def ddl(layout: Layout) -> DdlPlan:
    if layout.dialect == "postgres":
        return _postgres(layout)
    if layout.dialect == "mysql":
        return _mysql(layout)
    return _sqlite(layout)


def _column_sql(column: Column, dialect: str) -> str:
    null = " NOT NULL" if not column.nullable else ""
    pk = " PRIMARY KEY" if column.primary_key else ""
    return f"{column.name} {column.sql_type(dialect)}{null}{pk}"


def _index_sql(layout: Layout, table: Table, index: Index) -> str:
    unique = "UNIQUE " if index.unique else ""
    name = f"ix_{table.name}_{'_'.join(index.columns)}"
    if layout.dialect == "sqlite":
        name = f"ix_{layout.table_name('raw', table.name)}_{'_'.join(index.columns)}"
    target = layout.qualified("raw", table.name)
    return f"CREATE {unique}INDEX {name} ON {target} ({', '.join(index.columns)})"


def _foreign_keys(layout: Layout, table: Table) -> list[tuple[str, str]]:
    """(constraint name, clause) for every referencing column."""
    keys = []
    for column in table.columns:
        if column.references:
            ref_table, ref_column = column.references.split(".")
            target = layout.qualified("raw", ref_table)
            keys.append(
                (
                    f"fk_{table.name}_{column.name}",
                    f"FOREIGN KEY ({column.name}) REFERENCES {target} ({ref_column})",
                )
            )
    return keys


def _postgres(layout: Layout) -> DdlPlan:
    reset = ["DROP SCHEMA IF EXISTS marts, staging, raw CASCADE"]
    create: list[str] = []
    finish: list[str] = []
    for layer in LAYERS:
        create.append(f"CREATE SCHEMA {layer}")
        create.append(f"COMMENT ON SCHEMA {layer} IS {_quote(LAYER_COMMENTS[layer])}")
    for table in TABLES:
        name = layout.qualified("raw", table.name)
        body = ",\n    ".join(_column_sql(c, "postgres") for c in table.columns)
        create.append(f"CREATE TABLE {name} (\n    {body}\n)")
        create.append(f"COMMENT ON TABLE {name} IS {_quote(table.comment)}")
        create.extend(
            f"COMMENT ON COLUMN {name}.{c.name} IS {_quote(c.comment)}" for c in table.columns
        )
        for constraint, clause in _foreign_keys(layout, table):
            finish.append(f"ALTER TABLE {name} ADD CONSTRAINT {constraint} {clause}")
        finish.extend(_index_sql(layout, table, index) for index in table.indexes)
    finish.extend(f"ANALYZE {layout.qualified('raw', t.name)}" for t in TABLES)
    return DdlPlan(reset, create, finish)


def _mysql(layout: Layout) -> DdlPlan:
    reset = [f"DROP DATABASE IF EXISTS {layout.schema(layer)}" for layer in reversed(LAYERS)]
    create = [
        f"CREATE DATABASE {layout.schema(layer)} CHARACTER SET utf8mb4 "
        f"COLLATE utf8mb4_unicode_ci COMMENT {_quote(LAYER_COMMENTS[layer])}"
        for layer in LAYERS
    ]
    finish: list[str] = []
    for table in TABLES:
        name = layout.qualified("raw", table.name)
        items = [f"{_column_sql(c, 'mysql')} COMMENT {_quote(c.comment)}" for c in table.columns]
        items += [f"CONSTRAINT {n} {clause}" for n, clause in _foreign_keys(layout, table)]
        body = ",\n    ".join(items)
        create.append(
            f"CREATE TABLE {name} (\n    {body}\n) ENGINE=InnoDB COMMENT={_quote(table.comment)}"
        )
        finish.extend(_index_sql(layout, table, index) for index in table.indexes)
    finish.extend(f"ANALYZE TABLE {layout.qualified('raw', t.name)}" for t in TABLES)
    return DdlPlan(reset, create, finish)


def _sqlite(layout: Layout) -> DdlPlan:
    # reset is computed at run time from sqlite_master (see load.reset_sqlite)
    create: list[str] = []
    finish: list[str] = []
    for table in TABLES:
        name = layout.qualified("raw", table.name)
        items = [(_column_sql(c, "sqlite"), c.comment) for c in table.columns]
        items += [(f"CONSTRAINT {n} {clause}", "") for n, clause in _foreign_keys(layout, table)]
        lines = []
        for position, (item, comment) in enumerate(items):
            comma = "," if position < len(items) - 1 else ""
            lines.append(f"    {item}{comma}" + (f" -- {comment}" if comment else ""))
        body = "\n".join(lines)
        create.append(f"CREATE TABLE {name} ( -- {table.comment}\n{body}\n)")
        finish.extend(_index_sql(layout, table, index) for index in table.indexes)
    finish.append("ANALYZE")
    return DdlPlan([], create, finish)
