"""Check-digit-correct personal identifiers for synthetic data.

Every function takes an explicit ``random.Random`` so output is reproducible. Card numbers use
well-known test BIN ranges only; IBANs use real country layouts with correct ISO 7064 check
digits, so a PII detector sees values that pass the same validation real data would.
"""

from __future__ import annotations

import random
import string

_DIGITS = string.digits
_UPPER = string.ascii_uppercase

# Test BIN prefixes published by card networks / payment processors for testing.
CARD_TEST_PREFIXES: tuple[tuple[str, int], ...] = (
    ("411111", 16),  # Visa
    ("424242", 16),  # Visa
    ("400005", 16),  # Visa debit
    ("555555", 16),  # Mastercard
    ("222300", 16),  # Mastercard 2-series
    ("378282", 15),  # American Express
    ("601111", 16),  # Discover
)

# country -> BBAN layout: "n" digit, "a" upper-case letter, "c" alphanumeric
IBAN_LAYOUTS: dict[str, str] = {
    "DE": "n" * 18,
    "GB": "aaaa" + "n" * 14,
    "FR": "n" * 10 + "c" * 11 + "nn",
    "NL": "aaaa" + "n" * 10,
    "ES": "n" * 20,
    "IT": "a" + "n" * 10 + "c" * 12,
    "PL": "n" * 24,
    "SE": "n" * 20,
}


def digits(rng: random.Random, count: int) -> str:
    """``count`` random decimal digits (leading zeros allowed)."""
    return f"{rng.randrange(10**count):0{count}d}"


def letters(rng: random.Random, count: int, alphabet: str = _UPPER) -> str:
    return "".join(rng.choices(alphabet, k=count))


_LUHN_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


def luhn_check_digit(partial: str) -> str:
    """The digit that makes ``partial + digit`` pass the Luhn check."""
    # digits at even offsets from the right are doubled once the check digit is appended
    reversed_digits = partial[::-1]
    total = sum(_LUHN_DOUBLED[int(ch)] for ch in reversed_digits[0::2])
    total += sum(int(ch) for ch in reversed_digits[1::2])
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    only_digits = "".join(ch for ch in number if ch.isdigit())
    if len(only_digits) < 2:
        return False
    return luhn_check_digit(only_digits[:-1]) == only_digits[-1]


def card_number(rng: random.Random) -> str:
    prefix, length = rng.choice(CARD_TEST_PREFIXES)
    partial = prefix + digits(rng, length - len(prefix) - 1)
    return partial + luhn_check_digit(partial)


def not_luhn(partial: str) -> str:
    """Append a check digit that deliberately *fails* Luhn (for look-alike negatives)."""
    return partial + str((int(luhn_check_digit(partial)) + 1) % 10)


def _iban_numeric(text: str) -> int:
    return int("".join(str(int(ch, 36)) for ch in text))


def iban(rng: random.Random, country: str) -> str:
    layout = IBAN_LAYOUTS.get(country, IBAN_LAYOUTS["DE"])
    country = country if country in IBAN_LAYOUTS else "DE"
    pool = {"n": _DIGITS, "a": _UPPER, "c": _DIGITS + _UPPER}
    bban = "".join(rng.choice(pool[kind]) for kind in layout)
    check = 98 - _iban_numeric(bban + country + "00") % 97
    return f"{country}{check:02d}{bban}"


def iban_valid(value: str) -> bool:
    compact = value.replace(" ", "")
    return len(compact) > 4 and _iban_numeric(compact[4:] + compact[:4]) % 97 == 1


_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def national_id(rng: random.Random, country: str) -> str:
    """A national identity / social-security style number in the country's usual shape."""
    if country == "US":  # SSN outside the never-issued areas 000, 666, 900-999
        area = rng.randint(1, 899)
        area = 667 if area == 666 else area
        return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"
    if country == "GB":  # National Insurance number
        return letters(rng, 2, "ABCEGHJKLMNPRSTWXYZ") + digits(rng, 6) + rng.choice("ABCD")
    if country == "ES":  # DNI with its mod-23 control letter
        number = rng.randint(10_000_000, 99_999_999)
        return f"{number}{_DNI_LETTERS[number % 23]}"
    if country == "NL":  # BSN satisfying the eleven-test
        while True:
            body = [rng.randint(0, 9) for _ in range(8)]
            body[0] = rng.randint(1, 9)
            last = sum(d * w for d, w in zip(body, range(9, 1, -1), strict=True)) % 11
            if last < 10:
                return "".join(map(str, body)) + str(last)
    if country == "FR":  # NIR shape: sex, year, month, department, commune, order, key
        nir = f"{rng.randint(1, 2)}{digits(rng, 2)}{rng.randint(1, 12):02d}{digits(rng, 8)}"
        return f"{nir}{97 - int(nir) % 97:02d}"
    if country == "DE":  # Steuer-ID shape (11 digits, no leading zero)
        return str(rng.randint(1, 9)) + digits(rng, 10)
    return letters(rng, 2) + digits(rng, 7)


def passport_number(rng: random.Random, country: str) -> str:
    if country in ("US", "GB", "SE"):
        return digits(rng, 9) if country != "SE" else digits(rng, 8)
    if country == "DE":
        return "C" + letters(rng, 8, "CFGHJKLMNPRTVWXYZ0123456789")
    if country == "FR":
        return digits(rng, 2) + letters(rng, 2) + digits(rng, 5)
    if country == "ES":
        return letters(rng, 3) + digits(rng, 6)
    if country == "NL":
        return (
            letters(rng, 2) + letters(rng, 6, "ABCDEFGHJKLMNPRSTUVWXYZ0123456789") + digits(rng, 1)
        )
    return letters(rng, 2) + digits(rng, 7)


# country -> phone templates; "#" becomes a random digit
PHONE_FORMATS: dict[str, tuple[str, ...]] = {
    "US": ("+1 ###-###-####", "(###) ###-####", "+1##########"),
    "GB": ("+44 7### ######", "07### ######"),
    "DE": ("+49 15# ########", "0171 #######", "+49 30 ########"),
    "FR": ("+33 6 ## ## ## ##", "06 ## ## ## ##"),
    "ES": ("+34 6## ### ###", "6## ## ## ##"),
    "IT": ("+39 3## ### ####", "3## #######"),
    "NL": ("+31 6 ########", "06-########"),
    "PL": ("+48 ### ### ###", "### ### ###"),
    "BR": ("+55 11 9####-####", "(21) 9####-####"),
    "SE": ("+46 7# ### ## ##", "07#-### ## ##"),
}


# the same templates as str.format patterns with the number of digits they take
_PHONE_PATTERNS: dict[str, tuple[tuple[str, int], ...]] = {
    country: tuple((t.replace("#", "{}"), t.count("#")) for t in templates)
    for country, templates in PHONE_FORMATS.items()
}


def phone_number(rng: random.Random, country: str) -> str:
    return phone_from_number(rng.getrandbits(64), country)


def phone_from_number(number: int, country: str) -> str:
    """A phone number in one of ``country``'s formats, chosen and filled from ``number``."""
    patterns = _PHONE_PATTERNS.get(country, _PHONE_PATTERNS["GB"])
    pattern, width = patterns[number % len(patterns)]
    return pattern.format(*f"{(number // len(patterns)) % 10**width:0{width}d}")
