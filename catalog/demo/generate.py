"""Deterministic row generators for the raw airline tables.

Everything derives from ``seed``: Faker (one seeded instance per locale) only fills small
pools of names, streets and cities; rows draw from those pools with ``random.Random``
streams, one per table, so a table's content never depends on another table's generation.
A passenger's identity (locale, name, e-mail, phone) is a pure function of
``(seed, passenger_id)`` so that later tables (payments, notes) can quote it without keeping
every passenger in memory. Rows are plain tuples of ``str | int | float | bool | None``, in
the column order of ``schema.TABLES``, yielded in chunks of ``DemoSize.chunk_rows``.
"""

from __future__ import annotations

import bisect
import functools
import math
import random
import unicodedata
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from faker import Faker

from catalog.demo import identifiers as ids
from catalog.demo.reference import AIRCRAFT_TYPES, AIRPORTS, EUR_RATES, HUBS, LOCALES, Airport
from catalog.demo.sizes import DemoSize

Row = tuple[object, ...]
Batch = tuple[str, list[Row]]

EPOCH = datetime(2024, 1, 1)
TODAY = datetime(2025, 3, 1)  # the demo's fixed "now": earlier flights have operated
SCHEDULE_DAYS = 547  # 2024-01-01 .. 2025-06-30
_MASK = (1 << 64) - 1
_PNR_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0, 1: as on real PNRs
_POOL_SIZE = 250


def _mix(value: int) -> int:
    """splitmix64 finaliser: a fast, well-spread hash of an integer."""
    z = (value + 0x9E3779B97F4A7C15) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


@functools.cache
def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


def _ts(moment: datetime) -> str:
    return moment.isoformat(sep=" ", timespec="seconds")


@dataclass(frozen=True)
class _LocalePool:
    country: str
    currency: str
    female: tuple[str, ...]
    male: tuple[str, ...]
    last: tuple[str, ...]
    streets: tuple[str, ...]
    cities: tuple[str, ...]
    postcodes: tuple[str, ...]
    domains: tuple[str, ...]


def _build_pools(seed: int) -> list[_LocalePool]:
    pools = []
    for index, spec in enumerate(LOCALES):
        fake = Faker(spec.faker_locale)
        fake.seed_instance(seed * 1000 + index)
        pools.append(
            _LocalePool(
                country=spec.country_code,
                currency=spec.currency,
                female=tuple(fake.first_name_female() for _ in range(_POOL_SIZE)),
                male=tuple(fake.first_name_male() for _ in range(_POOL_SIZE)),
                last=tuple(fake.last_name() for _ in range(_POOL_SIZE)),
                streets=tuple(fake.street_address().replace("\n", ", ") for _ in range(_POOL_SIZE)),
                cities=tuple(fake.city() for _ in range(_POOL_SIZE // 2)),
                postcodes=tuple(fake.postcode() for _ in range(_POOL_SIZE)),
                domains=tuple(sorted({fake.free_email_domain() for _ in range(40)})),
            )
        )
    return pools


@dataclass(frozen=True)
class Identity:
    locale: int
    gender: str
    first_name: str
    last_name: str
    email: str


@dataclass
class _FlightPlan:
    """Compact per-flight facts that bookings and crew assignments need."""

    departure: array  # seconds since EPOCH
    block_minutes: array
    fare_eur: array
    seats: array
    flight_number: list[str]
    origin: list[str]
    status: list[str]


class AirlineGenerator:
    """Yields ``(table, rows)`` batches in foreign-key order."""

    def __init__(self, size: DemoSize, seed: int) -> None:
        self.size = size
        self.seed = seed
        self._key = _mix(seed)
        self._pools = _build_pools(seed)
        self._locale_cum = list(_cumulative([spec.weight for spec in LOCALES]))
        self._plan: _FlightPlan | None = None
        self._aircraft_seats: list[int] = []
        self._aircraft_range: list[int] = []
        self._flight_rows: list[tuple[int, int, int, int]] = []  # route, aircraft, km, delay

    def _rng(self, table: str) -> random.Random:
        return random.Random(f"custos-demo:{self.seed}:{table}")

    # -- identities -------------------------------------------------------------------------

    def identity(self, passenger_id: int) -> Identity:
        """Name and e-mail of a passenger: a pure function of (seed, passenger_id)."""
        h = _mix(self._key ^ passenger_id)
        locale = bisect.bisect_right(self._locale_cum, h % self._locale_cum[-1])
        pool = self._pools[locale]
        gender_roll = (h >> 12) % 100
        gender = "X" if gender_roll == 0 else ("F" if gender_roll <= 50 else "M")
        names = pool.female if gender == "F" or (gender == "X" and h & 1) else pool.male
        first = names[(h >> 20) % len(names)]
        last = pool.last[(h >> 32) % len(pool.last)]
        f, lst = _ascii(first) or "x", _ascii(last) or "x"
        style = (h >> 44) % 4
        local = (f"{f}.{lst}", f"{f}{lst[0]}", f"{f[0]}.{lst}", f"{lst}.{f}")[style]
        domain = pool.domains[(h >> 48) % len(pool.domains)]
        email = f"{local}{passenger_id}@{domain}"
        if (h >> 56) % 32 == 0:  # ~3 % typed carelessly: staging lower-cases and trims
            email = f" {email.capitalize()} "
        return Identity(locale, gender, first, last, email)

    def phone(self, passenger_id: int, locale: int | None = None) -> str:
        """Contact phone of a passenger: a pure function of (seed, passenger_id)."""
        if locale is None:
            locale = self.identity(passenger_id).locale
        number = _mix(self._key ^ (passenger_id * 0x2545F491 + 0x5851F42D))
        return ids.phone_from_number(number, self._pools[locale].country)

    # -- tables -----------------------------------------------------------------------------

    def batches(self) -> Iterator[Batch]:
        yield "airports", self._airports()
        yield "aircraft", self._aircraft()
        yield from self._passengers_and_loyalty()
        yield from self._chunk("crew", self._crew())
        yield from self._chunk("flights", self._flights())
        yield from self._chunk("crew_assignments", self._crew_assignments())
        yield from self._booking_pass()

    def _chunk(self, table: str, rows: Iterator[Row]) -> Iterator[Batch]:
        batch: list[Row] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= self.size.chunk_rows:
                yield table, batch
                batch = []
        if batch:
            yield table, batch

    def _airports(self) -> list[Row]:
        return [
            (a.iata, a.icao, a.name, a.city, a.country_code, a.country, a.latitude, a.longitude,
             a.timezone)
            for a in AIRPORTS
        ]  # fmt: skip

    def _aircraft(self) -> list[Row]:
        rng = self._rng("aircraft")
        rows: list[Row] = []
        weights = [5, 3, 4, 2, 1, 1, 1]  # narrow-bodies dominate the fleet
        for aircraft_id in range(1, self.size.aircraft + 1):
            kind = AIRCRAFT_TYPES[rng.choices(range(len(AIRCRAFT_TYPES)), weights)[0]]
            if aircraft_id <= 2:  # always some wide-bodies for long-haul routes
                kind = AIRCRAFT_TYPES[5 + aircraft_id - 1]
            # two letters derived from the id keep registrations unique (24 * 24 > fleet size)
            tail = _PNR_ALPHABET[(aircraft_id // 24) % 24] + _PNR_ALPHABET[aircraft_id % 24]
            delivered = date(2008, 1, 1) + timedelta(days=rng.randrange(5800))
            self._aircraft_seats.append(kind.seats)
            self._aircraft_range.append(kind.range_km)
            rows.append(
                (aircraft_id, kind.registration_prefix + tail, kind.manufacturer,
                 kind.model, kind.seats, kind.range_km, delivered.isoformat(), rng.random() > 0.04)
            )  # fmt: skip
        return rows

    def _passengers_and_loyalty(self) -> Iterator[Batch]:
        rng = self._rng("passengers")
        passengers: list[Row] = []
        accounts: list[Row] = []
        account_id = 0
        tiers = ("blue", "silver", "gold", "platinum")
        tier_cum = list(_cumulative([60, 25, 11, 4]))
        created_span = int((datetime(2023, 6, 30) - datetime(2015, 1, 1)).total_seconds())
        for pid in range(1, self.size.passengers + 1):
            who = self.identity(pid)
            pool = self._pools[who.locale]
            home = pool
            if rng.random() < 0.08:  # expatriates: residence differs from nationality
                home = self._pools[rng.randrange(len(self._pools))]
            created = datetime(2015, 1, 1) + timedelta(seconds=rng.randrange(created_span))
            born = date(1940, 1, 1) + timedelta(days=rng.randrange(25_500))
            passengers.append(
                (
                    pid,
                    who.first_name,
                    who.last_name,
                    who.email,
                    self.phone(pid, who.locale) if rng.random() > 0.02 else None,
                    born.isoformat(),
                    ids.passport_number(rng, pool.country) if rng.random() > 0.04 else None,
                    pool.country,
                    who.gender,
                    rng.choice(home.streets),
                    rng.choice(home.cities),
                    rng.choice(home.postcodes),
                    home.country,
                    rng.random() < 0.45,
                    _ts(created),
                )
            )
            if rng.random() < 0.55:
                account_id += 1
                tier = tiers[bisect.bisect_right(tier_cum, rng.randrange(100))]
                joined = created.date() + timedelta(days=rng.randrange(400))
                points = int(rng.paretovariate(1.6) * 2_000) * (1 + tiers.index(tier))
                number = f"CU{(account_id * 7919 + 104_729) % 1_000_000_000:09d}"
                accounts.append((account_id, pid, number, tier, points, joined.isoformat()))
            if len(passengers) >= self.size.chunk_rows:
                yield "passengers", passengers
                yield "loyalty_accounts", accounts
                passengers, accounts = [], []
        if passengers:
            yield "passengers", passengers
        if accounts:
            yield "loyalty_accounts", accounts

    def _crew(self) -> Iterator[Row]:
        rng = self._rng("crew")
        roles = ("captain", "first_officer", "purser", "flight_attendant")
        role_cum = list(_cumulative([15, 15, 15, 55]))
        hub_airports = [a for a in AIRPORTS if a.iata in HUBS]
        for crew_id in range(1, self.size.crew + 1):
            base = hub_airports[crew_id % len(hub_airports)] if crew_id <= 12 else None
            if base is None:
                base = rng.choice(hub_airports) if rng.random() < 0.8 else rng.choice(AIRPORTS)
            role = (
                roles[(crew_id - 1) % 4]
                if crew_id <= 8
                else roles[bisect.bisect_right(role_cum, rng.randrange(100))]
            )
            pool = self._pools[rng.randrange(len(self._pools))]
            female = rng.random() < 0.5
            first = rng.choice(pool.female if female else pool.male)
            last = rng.choice(pool.last)
            born = date(1962, 1, 1) + timedelta(days=rng.randrange(14_000))
            hired = max(born + timedelta(days=365 * 21), date(1995, 1, 1)) + timedelta(
                days=rng.randrange(3_000)
            )
            yield (
                crew_id,
                f"E{(crew_id * 7919) % 1_000_000:06d}",
                f"{first} {last}",
                f"{_ascii(first)}.{_ascii(last)}{crew_id}@crew.custos-air.example",
                ids.phone_number(rng, pool.country),
                base.iata,
                role,
                ids.national_id(rng, pool.country),
                born.isoformat(),
                min(hired, date(2024, 12, 31)).isoformat(),
            )  # fmt: skip

    # -- flights ----------------------------------------------------------------------------

    def _routes(self) -> list[tuple[str, str, int]]:
        """(origin, destination, distance_km): every hub to every airport, both directions."""
        by_code = {a.iata: a for a in AIRPORTS}
        routes = []
        for hub in HUBS:
            for airport in AIRPORTS:
                if airport.iata == hub:
                    continue
                km = _distance_km(by_code[hub], airport)
                routes.append((hub, airport.iata, km))
                routes.append((airport.iata, hub, km))
        return routes

    def flight_plan(self) -> _FlightPlan:
        if self._plan is not None:
            return self._plan
        if not self._aircraft_seats:
            self._aircraft()
        rng = self._rng("flights")
        routes = self._routes()
        route_weights = [3 if km < 2500 else 1 for _, _, km in routes]
        route_cum = list(_cumulative(route_weights))
        plan = _FlightPlan(array("q"), array("i"), array("d"), array("i"), [], [], [])
        fleet = range(len(self._aircraft_range))
        # long-haul needs the range; short-haul prefers narrow-bodies (fewer than 250 seats)
        eligible_by_route = [
            [i for i in fleet if self._aircraft_range[i] >= km * 1.1
             and (km > 3000 or self._aircraft_seats[i] < 250)]
            or [i for i in fleet if self._aircraft_range[i] >= km * 1.1]
            or [0]
            for _, _, km in routes
        ]  # fmt: skip
        for _ in range(self.size.flights):
            route = bisect.bisect_right(route_cum, rng.randrange(route_cum[-1]))
            origin, _destination, km = routes[route]
            day = rng.randrange(SCHEDULE_DAYS)
            minute = 6 * 60 + 5 * rng.randrange(16 * 12)
            departure = day * 86_400 + minute * 60
            block = int(km / 13.5) + 30  # ~810 km/h plus taxi
            aircraft = rng.choice(eligible_by_route[route]) + 1
            plan.departure.append(departure)
            plan.block_minutes.append(block)
            plan.fare_eur.append(40 + km * 0.11)
            plan.seats.append(self._aircraft_seats[aircraft - 1])
            plan.flight_number.append(f"CU{100 + route * 2 + (day % 2) * 1000}")
            plan.origin.append(origin)
            roll = rng.random()
            past = EPOCH + timedelta(seconds=departure) < TODAY
            if not past:
                status = "scheduled"
            elif roll < 0.02:
                status = "cancelled"
            elif roll < 0.025:
                status = "diverted"
            else:
                status = "arrived"
            plan.status.append(status)
            self._flight_rows.append((route, aircraft, km, int(rng.expovariate(1 / 12))))
        self._plan = plan
        return plan

    def _flights(self) -> Iterator[Row]:
        plan = self.flight_plan()
        routes = self._routes()
        rng = self._rng("flight-gates")
        for index, (route, aircraft, km, delay) in enumerate(self._flight_rows):
            origin, destination, _ = routes[route]
            departure = EPOCH + timedelta(seconds=plan.departure[index])
            arrival = departure + timedelta(minutes=plan.block_minutes[index])
            status = plan.status[index]
            actual_dep = actual_arr = None
            if status in ("arrived", "diverted"):
                actual_dep = _ts(departure + timedelta(minutes=delay))
                actual_arr = _ts(arrival + timedelta(minutes=delay + rng.randint(-10, 15)))
            season = ("S" if 3 < departure.month < 11 else "W") + departure.strftime("%y")
            gate = f"{rng.choice('ABCDEFGH')}{rng.randint(1, 60)}"
            yield (
                index + 1, plan.flight_number[index], origin, destination, _ts(departure),
                _ts(arrival), actual_dep, actual_arr, status, aircraft, gate, km, season,
            )  # fmt: skip

    def _crew_assignments(self) -> Iterator[Row]:
        plan = self.flight_plan()
        rng = self._rng("crew-assignments")
        by_role: dict[str, list[int]] = {}
        # re-derive roles exactly as _crew() drew them (same stream) instead of keeping rows
        for crew_id, row in enumerate(self._crew(), start=1):
            by_role.setdefault(str(row[6]), []).append(crew_id)
        assignment_id = 0
        for index in range(len(plan.departure)):
            if plan.status[index] == "cancelled":
                continue
            seats = plan.seats[index]
            long_haul = plan.block_minutes[index] > 420
            crew_needed = [
                ("captain", 1),
                ("first_officer", 2 if long_haul else 1),
                ("purser", 1),
                ("flight_attendant", max(2, seats // 50)),
            ]
            duty = plan.block_minutes[index] + 90
            for role, count in crew_needed:
                members = by_role.get(role, [])
                for crew_id in rng.sample(members, min(count, len(members))):
                    assignment_id += 1
                    yield assignment_id, index + 1, crew_id, role, duty

    # -- bookings, payments, ancillaries, notes ---------------------------------------------

    def _booking_pass(self) -> Iterator[Batch]:
        plan = self.flight_plan()
        rng = self._rng("bookings")
        n_flights = len(plan.departure)
        n_passengers = self.size.passengers
        fares = (("economy", "YBMHKLQ", 1.0), ("premium_economy", "WEP", 1.7),
                 ("business", "JCDI", 3.4), ("first", "FA", 6.0))  # fmt: skip
        fare_cum = list(_cumulative([75, 10, 12, 3]))
        channels = ("web", "app", "agent", "call_center")
        channel_cum = list(_cumulative([52, 30, 10, 8]))
        bookings: list[Row] = []
        payments: list[Row] = []
        sales: list[Row] = []
        notes: list[Row] = []
        payment_id = sale_id = note_id = 0
        for booking_id in range(1, self.size.bookings + 1):
            # frequent flyers: low passenger ids are drawn more often than high ones
            pid = 1 + int(n_passengers * rng.random() ** 1.6)
            flight = rng.randrange(n_flights)
            departure = EPOCH + timedelta(seconds=plan.departure[flight])
            booked = departure - timedelta(
                seconds=int(min(rng.expovariate(1 / 35), 180) * 86_400) + 3_600
            )
            fare_index = bisect.bisect_right(fare_cum, rng.randrange(100))
            fare_class, rbds, multiplier = fares[fare_index]
            who = self.identity(pid)
            currency = self._pools[who.locale].currency if rng.random() < 0.7 else "EUR"
            price_eur = plan.fare_eur[flight] * multiplier * rng.uniform(0.75, 1.5)
            price = round(price_eur / EUR_RATES[currency], 2)
            past = departure < TODAY
            roll = rng.random()
            if roll < 0.003:
                status = "test"
            elif roll < 0.073 or plan.status[flight] == "cancelled":
                status = "cancelled"
            elif roll < 0.103:
                status = "refunded"
            elif past and roll < 0.123:
                status = "no_show"
            else:
                status = "flown" if past else "confirmed"
            seat = None
            if status in ("flown", "confirmed", "no_show") and rng.random() < 0.93:
                first_row, last_row = _SEAT_ROWS[fare_index]
                seat = f"{rng.randint(first_row, last_row)}{rng.choice('ABCDEF')}"
            scrambled = (booking_id * 0x2545F491 + 0x5DEECE66) % (1 << 30)
            pnr = "".join(_PNR_ALPHABET[(scrambled >> (5 * k)) & 31] for k in range(6))
            ticket = ids.not_luhn(f"997{(booking_id * 7919 + 12_345) % 1_000_000_000:09d}")
            channel = channels[bisect.bisect_right(channel_cum, rng.randrange(100))]
            bookings.append(
                (booking_id, pnr, ticket, pid, flight + 1, _ts(booked), fare_class,
                 rng.choice(rbds), seat, price, currency, status, channel)
            )  # fmt: skip
            if status in ("flown", "confirmed", "no_show", "refunded"):
                for payment in self._payments(rng, booking_id, who, price, currency, booked,
                                              refunded=status == "refunded"):  # fmt: skip
                    payment_id += 1
                    payments.append((payment_id, *payment))
                if rng.random() < 0.3:
                    for sale in self._ancillaries(rng, booking_id, currency, booked):
                        sale_id += 1
                        sales.append((sale_id, *sale))
            if rng.random() < 0.07:
                note_id += 1
                notes.append(
                    self._note(rng, note_id, pid, booking_id, who, pnr, plan, flight, booked,
                               price, currency)
                )  # fmt: skip
            if len(bookings) >= self.size.chunk_rows:
                yield from self._emit(bookings, payments, sales, notes)
                bookings, payments, sales, notes = [], [], [], []
        yield from self._emit(bookings, payments, sales, notes)

    @staticmethod
    def _emit(bookings: list[Row], payments: list[Row], sales: list[Row], notes: list[Row]
              ) -> Iterator[Batch]:  # fmt: skip
        for table, rows in (("bookings", bookings), ("payments", payments),
                            ("ancillary_sales", sales), ("customer_notes", notes)):  # fmt: skip
            if rows:
                yield table, rows

    def _payments(self, rng: random.Random, booking_id: int, who: Identity, price: float,
                  currency: str, booked: datetime, *, refunded: bool) -> Iterator[Row]:  # fmt: skip
        roll = rng.random()
        card = holder = expiry = iban = auth = None
        if roll < 0.82:
            method = "card"
            card = ids.card_number(rng)
            if rng.random() < 0.1:  # some front-ends store the PAN as typed, in groups of four
                card = " ".join(card[i : i + 4] for i in range(0, len(card), 4))
            if rng.random() < 0.85:
                holder = f"{who.first_name} {who.last_name}".upper()
            else:
                other = self._pools[rng.randrange(len(self._pools))]
                holder = f"{rng.choice(other.female + other.male)} {rng.choice(other.last)}"
                holder = holder.upper()
            expiry = f"{rng.randint(1, 12):02d}/{rng.randint(25, 31)}"
            auth = ids.letters(rng, 6, "0123456789ABCDEFGHJKLMNPRSTUVWXYZ")
        elif roll < 0.90:
            method = "paypal"
        else:
            method = "sepa_debit" if roll < 0.96 else "bank_transfer"
            iban = ids.iban(rng, self._pools[who.locale].country)
        paid = booked + timedelta(seconds=rng.randint(20, 900))
        order = f"ORD-{paid.year}-{booking_id:08d}"
        yield (booking_id, method, card, holder, expiry, iban, price, currency, _ts(paid),
               "captured", order, auth)  # fmt: skip
        if refunded:
            refund_at = paid + timedelta(days=rng.randint(1, 30))
            yield (booking_id, method, card, holder, expiry, iban, -price, currency,
                   _ts(refund_at), "refund", f"{order}-R", None)  # fmt: skip

    _PRODUCTS = (("BAG23", 35.0), ("BAG32", 60.0), ("SEATXL", 25.0), ("MEAL", 12.0),
                 ("LOUNGE", 45.0), ("WIFI", 9.0), ("INS", 19.0))  # fmt: skip

    def _ancillaries(self, rng: random.Random, booking_id: int, currency: str,
                     booked: datetime) -> Iterator[Row]:  # fmt: skip
        for code, eur in rng.sample(self._PRODUCTS, rng.randint(1, 2)):
            quantity = rng.randint(1, 2) if code.startswith("BAG") else 1
            unit = round(eur / EUR_RATES[currency], 2)
            sold = booked + timedelta(minutes=rng.randint(1, 60 * 24 * 20))
            invoice = f"INV-{sold.year}-{sold.timetuple().tm_yday:03d}-{booking_id % 1_000_000:06d}"
            yield (booking_id, code, quantity, unit, round(unit * quantity, 2), currency,
                   f"FY{sold.year}", invoice, _ts(sold))  # fmt: skip

    def _note(self, rng: random.Random, note_id: int, pid: int, booking_id: int, who: Identity,
              pnr: str, plan: _FlightPlan, flight: int, booked: datetime, price: float,
              currency: str) -> Row:  # fmt: skip
        email = who.email.strip().lower()
        other = ids.phone_number(rng, self._pools[who.locale].country)
        facts = {
            "email": email, "phone": self.phone(pid, who.locale), "other_phone": other, "pnr": pnr,
            "flight": plan.flight_number[flight], "origin": plan.origin[flight],
            "amount": f"{price:.2f}", "currency": currency, "year": booked.year,
            "case": f"{booked.year}-{rng.randint(1, 99_999):05d}",
            "tag": f"CU{rng.randint(100_000, 999_999)}", "first": who.first_name,
            "last": who.last_name, "pp": ids.digits(rng, 4),
        }  # fmt: skip
        template = rng.choice(_NOTE_TEMPLATES)
        created = booked + timedelta(days=rng.randint(0, 30), minutes=rng.randint(0, 600))
        channel = rng.choice(("email", "phone", "chat", "airport"))
        related = booking_id if rng.random() < 0.9 else None
        agent = f"AG{rng.randint(1, 1200):04d}"
        return note_id, pid, related, _ts(created), channel, agent, template.format(**facts)


_SEAT_ROWS = ((15, 45), (10, 14), (3, 8), (1, 2))  # economy, premium, business, first

_NOTE_TEMPLATES: tuple[str, ...] = (
    "Passenger asked for the receipt to be sent to {email}.",
    "Called from {phone} about a seat change on {pnr}; moved to an aisle seat.",
    "Complaint about delayed flight {flight}; offered a voucher of {amount} {currency}.",
    "Wheelchair assistance requested at {origin} for booking {pnr}.",
    "Vegetarian meal added to {pnr}.",
    "Name correction on {pnr} to {first} {last}; verified passport ending {pp}.",
    "If travel is disrupted please contact spouse on {other_phone}.",
    "Refund of {amount} {currency} approved under case {case}.",
    "Lost baggage report, tag {tag}. Contact: {email}, {phone}.",
    "Frequent flyer miles for {year} flights credited manually.",
    "Customer prefers e-mail contact ({email}); do not call.",
    "Upgrade request declined, flight {flight} full in business.",
)


def _cumulative(weights: list[int]) -> Iterator[int]:
    total = 0
    for weight in weights:
        total += weight
        yield total


def _distance_km(a: Airport, b: Airport) -> int:
    lat1, lon1 = math.radians(a.latitude), math.radians(a.longitude)
    lat2, lon2 = math.radians(b.latitude), math.radians(b.longitude)
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(
        (lon2 - lon1) / 2) ** 2  # fmt: skip
    return int(6371 * 2 * math.asin(math.sqrt(h)))
