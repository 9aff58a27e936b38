"""Dataset sizes. Other tables scale with these (about 0.55 loyalty accounts per passenger,
~7 crew assignments per flight, ~0.95 payments, 0.4 ancillary sales and 0.07 notes per booking)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoSize:
    passengers: int
    flights: int
    bookings: int
    crew: int
    aircraft: int
    chunk_rows: int = 20_000  # rows generated and loaded per batch: bounds memory


SIZES: dict[str, DemoSize] = {
    "small": DemoSize(passengers=200, flights=240, bookings=600, crew=40, aircraft=12),
    "medium": DemoSize(passengers=20_000, flights=6_000, bookings=60_000, crew=600, aircraft=60),
    "large": DemoSize(
        passengers=1_000_000, flights=150_000, bookings=3_000_000, crew=8_000, aircraft=300
    ),
}
