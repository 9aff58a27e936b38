"""Guards: codes, ids, years, amounts and counts must not be flagged as PII."""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest

from privacy.detect import ColumnSample, get_classifier
from privacy.detect.checksums import luhn_valid
from privacy.detect.guards import guard_factor, name_guard, value_guards


def _classify(name: str, values: Sequence[object]) -> str | None:
    return get_classifier().classify(ColumnSample(name=name, values=values)).entity


def test_openmetadata_29049_academic_year_code_is_not_pii() -> None:
    assert _classify("ACADEMIC_YEAR_CODE", [str(y) for y in range(1995, 2025)]) is None


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("order_id", [str(100000 + i) for i in range(60)]),
        ("customer_id", list(range(5000, 5100))),
        ("fiscal_year", [2019, 2020, 2021, 2022, 2023]),
        ("amount", ["12.50", "1499.99", "75.00", "310.20"]),
        ("price", [9.99, 19.5, 5.0]),
        ("qty", [1, 2, 3, 10, 4]),
        ("passenger_count", [120, 180, 95, 210]),
        ("flight_number", ["GA880", "BA117", "LH400", "SQ12"]),
        ("origin", ["CGK", "LHR", "FRA", "SIN"]),
        ("created_at", ["2024-03-01 10:22:01", "2024-03-02 11:00:00", "2024-03-05 08:10:59"]),
        (
            "booking_id",
            ["6f1c2c1e-5d7e-4a8e-9a51-2a8d3c5d9f10", "0b3f2c1e-5d7e-4a8e-9a51-2a8d3c5d9f11"],
        ),
        ("is_active", [True, False]),
    ],
)
def test_codes_ids_years_amounts_counts_are_not_pii(name: str, values: list[object]) -> None:
    assert _classify(name, values) is None


def test_sixteen_digit_order_ids_failing_luhn_are_not_cards() -> None:
    rng = random.Random(1)
    ids: list[str] = []
    while len(ids) < 50:
        candidate = str(rng.randint(10**15, 10**16 - 1))
        if not luhn_valid(candidate):
            ids.append(candidate)
    assert _classify("order_number", ids) is None
    assert _classify("c4", ids) is None


def test_low_entropy_sixteen_digit_ids_are_not_cards_even_if_luhn_valid() -> None:
    ids = [n for n in (str(4000000000000000 + i) for i in range(2000)) if luhn_valid(n)][:40]
    assert len(ids) == 40
    assert _classify("ref", ids) is None
    guards = value_guards(ids)
    assert guard_factor(guards, "CREDIT_CARD") == 0.0


def test_name_guard_weakens_but_does_not_silence_validated_values() -> None:
    guard = name_guard("login_id")
    assert guard is not None
    assert 0 < guard.factor < 1
    emails = [f"user{i}@example.com" for i in range(20)]
    assert _classify("login_id", emails) == "EMAIL_ADDRESS"


def test_years_guard_spares_birth_years() -> None:
    guards = value_guards(["1960", "1975", "1988", "1990"])
    assert guard_factor(guards, "DATE_OF_BIRTH") == 1.0
    assert guard_factor(guards, "POSTAL_CODE") == 0.0
    assert _classify("birth_year", ["1960", "1975", "1988", "1990"]) == "DATE_OF_BIRTH"


def test_dates_without_birth_context_are_not_pii() -> None:
    assert _classify("departure_date", ["2024-03-01", "2024-05-17", "2025-01-02"]) is None
    assert _classify("c2", ["1985-03-12", "1990-07-01", "1977-11-30"]) is None


def test_non_pii_data_type_vetoes() -> None:
    result = get_classifier().classify(
        ColumnSample(name="phone", values=["1.5", "2.25"], data_type="DOUBLE")
    )
    assert result.entity is None
