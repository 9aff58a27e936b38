"""Guards: reasons a column that *looks* like PII is not.

OpenMetadata issue #29049 tagged ``ACADEMIC_YEAR_CODE`` as a card security code: short
digit strings, years, order ids and amounts match PII patterns by accident. Two kinds of
guard stop that here:

* a **name guard** -- the column is named like an identifier, code, year, amount or count
  (``order_id``, ``fare_amount``, ``academic_year_code``) and no PII term explains the
  name -- weakens value-only evidence (``factor``): only validated, unambiguous values
  (checksummed cards and IBANs, e-mail addresses) still get through;
* a **value guard** -- the sampled values have the shape of ids, years, amounts,
  timestamps, hashes or airline codes -- vetoes the entities those shapes imitate, even
  when the column name suggests them.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from privacy.detect.names import leftover_tokens

# Entities whose values are (mostly) digit strings: what id/number look-alikes imitate.
NUMERIC_ENTITIES = frozenset(
    {
        "CREDIT_CARD", "PHONE_NUMBER", "US_SSN", "IN_AADHAAR", "NATIONAL_ID", "PASSPORT",
        "FREQUENT_FLYER_NUMBER", "POSTAL_CODE", "BOOKING_REFERENCE", "IBAN_CODE",
    }
)  # fmt: skip

_DOB = frozenset({"DATE_OF_BIRTH"})
_POSTCODE_OR_DOB = frozenset({"POSTAL_CODE", "DATE_OF_BIRTH"})
_CODE_LIKE = frozenset({"BOOKING_REFERENCE", "PASSPORT", "POSTAL_CODE", "FREQUENT_FLYER_NUMBER"})

_GUARD_TOKENS: dict[str, str] = {
    **dict.fromkeys(
        ("id", "ids", "key", "pk", "fk", "uuid", "guid", "seq", "sequence", "index", "idx",
         "serial", "ref"),
        "an identifier",
    ),
    **dict.fromkeys(("code", "cd", "sku", "ean", "upc", "gtin", "isbn"), "a code"),
    **dict.fromkeys(("year", "yr", "yyyy", "fy", "season", "semester", "term"), "a year"),
    **dict.fromkeys(
        ("amount", "amt", "price", "cost", "fare", "fee", "total", "sum", "subtotal",
         "balance", "revenue", "tax", "vat", "discount", "value", "usd", "eur", "gbp"),
        "an amount",
    ),
    **dict.fromkeys(
        ("qty", "quantity", "count", "cnt", "num", "nbr", "number", "no", "nr", "rank",
         "score", "rate", "ratio", "pct", "percent", "weight", "length", "size",
         "duration", "minutes", "seconds", "ms", "version", "ver", "rev", "points", "miles"),
        "a count or measure",
    ),
    **dict.fromkeys(
        ("flight", "flt", "airport", "iata", "icao", "carrier", "aircraft", "tail", "gate",
         "terminal", "seat", "route", "leg", "segment", "sector"),
        "an airline operations code",
    ),
    **dict.fromkeys(("hash", "checksum", "crc", "md5", "sha", "token", "nonce"), "a hash"),
    **dict.fromkeys(
        ("ts", "timestamp", "created", "updated", "modified", "time", "at", "date", "dt"),
        "a timestamp",
    ),
}  # fmt: skip


@dataclass(frozen=True)
class Guard:
    """A reason not to believe value evidence: what it blocks and by how much."""

    reason: str
    # Multiplier applied to the value evidence of blocked entities (0 = veto).
    factor: float
    # Entities blocked; None blocks every entity except those in ``spares``.
    blocks: frozenset[str] | None = None
    spares: frozenset[str] = frozenset()

    def applies_to(self, entity: str) -> bool:
        """Whether this guard weakens evidence for ``entity``."""
        if self.blocks is None:
            return entity not in self.spares
        return entity in self.blocks


def name_guard(name: str) -> Guard | None:
    """Guard for names that describe ids, codes, years, amounts, counts or timestamps."""
    leftovers = leftover_tokens(name)
    kinds = sorted({_GUARD_TOKENS[token] for token in leftovers if token in _GUARD_TOKENS})
    if not kinds:
        return None
    return Guard(reason=f"column name {name!r} names {' / '.join(kinds)}", factor=0.5)


_INT = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?(?:\d{1,3}(?:[,. ]\d{3})+|\d+)[.,]\d{1,4}$")
_DATETIME = re.compile(
    r"^(?:\d{4}-\d{2}-\d{2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4})[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
    r"(?:Z|[+-]\d{2}:?\d{2})?$"
)
_UUID_OR_HEX = re.compile(
    r"^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|[0-9a-fA-F]{24,})$"
)
_FLIGHT_OR_AIRPORT = re.compile(r"^(?:[A-Z]{2}|[A-Z]\d|\d[A-Z])\d{1,4}[A-Z]?$|^[A-Z]{3,4}$")
_BOOLEAN = frozenset({"true", "false", "t", "f", "y", "n", "yes", "no", "0", "1"})


def _mostly(values: Sequence[str], predicate: object, share: float = 0.9) -> bool:
    if not values:
        return False
    assert callable(predicate)
    return sum(1 for value in values if predicate(value)) >= share * len(values)


def _digit_entropy(digits: str) -> float:
    counts = Counter(digits)
    total = len(digits)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


def _is_sequential(numbers: list[int]) -> bool:
    """Dense runs of integers (1001, 1002, 1005, ...) are surrogate keys, not PII."""
    if len(numbers) < 5:
        return False
    ordered = sorted(set(numbers))
    span = ordered[-1] - ordered[0]
    return span <= 10 * len(ordered)


def _common_prefix(values: Sequence[str]) -> int:
    first, last = min(values), max(values)
    size = 0
    for a, b in zip(first, last, strict=False):
        if a != b:
            break
        size += 1
    return size


def value_guards(values: Sequence[str]) -> list[Guard]:
    """Guards raised by the shape of the sampled (distinct, non-empty) values."""
    guards: list[Guard] = []
    if not values:
        return guards
    if {value.lower() for value in values} <= _BOOLEAN:
        return [Guard("values are booleans or flags", 0.0)]

    integers = [int(value) for value in values if _INT.match(value)]
    if len(integers) >= 0.9 * len(values):
        if all(1900 <= number <= 2100 for number in integers):
            guards.append(Guard("values are years (1900-2100)", 0.0, spares=_DOB))
        elif all(abs(number) < 100_000 for number in integers):
            guards.append(Guard("values are small integers", 0.0, spares=_POSTCODE_OR_DOB))
        if _is_sequential(integers):
            guards.append(Guard("values are sequential integers (surrogate keys)", 0.0))
    if _mostly(values, _DECIMAL.match):
        guards.append(Guard("values are decimal amounts", 0.0))
    if _mostly(values, _DATETIME.match):
        guards.append(Guard("values are event timestamps", 0.0, spares=_DOB))
    if _mostly(values, _UUID_OR_HEX.match):
        guards.append(Guard("values are UUIDs or hex digests", 0.0))
    if _mostly(values, _FLIGHT_OR_AIRPORT.match):
        guards.append(Guard("values are flight numbers or airport codes", 0.0, blocks=_CODE_LIKE))

    long_digits = [value for value in values if value.isdigit() and len(value) >= 12]
    low_entropy = sum(_digit_entropy(value) < 2.2 for value in long_digits)
    if len(long_digits) >= 0.8 * len(values) and low_entropy >= 0.8 * len(long_digits):
        guards.append(
            Guard("long numbers with low digit entropy (generated ids)", 0.0, NUMERIC_ENTITIES)
        )
    same_length = len({len(value) for value in values}) == 1
    if (
        len(values) >= 5
        and same_length
        and len(values[0]) >= 8
        and _common_prefix(values) >= 0.6 * len(values[0])
    ):
        guards.append(
            Guard(
                "same-length values sharing a long prefix (generated ids)",
                0.0,
                NUMERIC_ENTITIES,
            )
        )
    return guards


def guard_factor(guards: Sequence[Guard], entity: str) -> float:
    """Combined multiplier the guards apply to ``entity``'s value evidence (1 = untouched)."""
    factor = 1.0
    for guard in guards:
        if guard.applies_to(entity):
            factor *= guard.factor
    return factor
