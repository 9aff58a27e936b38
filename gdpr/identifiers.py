"""Subject identifiers: kinds, normalisation, matching modes and hashed variants (no Django).

A request names its subject by one or more identifiers (``{"email": "ana@x.org"}``).
Each kind says which classification entities and column names hold it and how values
are compared in SQL (``mode``): e-mails case- and space-insensitively, phone numbers
ignoring spaces/dashes/dots/brackets, passports upper-cased, ids exactly.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class IdentifierKind:
    name: str
    entities: tuple[str, ...]
    column_names: tuple[str, ...]  # exact names (lower case) that hold this kind
    mode: str  # "email" | "phone" | "upper" | "exact"
    is_key: bool = False  # a surrogate key (customer/passenger id)


KINDS: dict[str, IdentifierKind] = {
    k.name: k
    for k in (
        IdentifierKind(
            "email",
            ("EMAIL_ADDRESS",),
            ("email", "email_address", "e_mail", "contact_email", "customer_email", "mail"),
            "email",
        ),
        IdentifierKind(
            "phone",
            ("PHONE_NUMBER",),
            ("phone", "phone_number", "mobile", "mobile_phone", "telephone", "contact_phone"),
            "phone",
        ),
        IdentifierKind(
            "passport", ("PASSPORT",), ("passport", "passport_number", "passport_no"), "upper"
        ),
        IdentifierKind(
            "national_id",
            ("NATIONAL_ID", "US_SSN"),
            ("national_id", "ssn", "social_security_number"),
            "upper",
        ),
        IdentifierKind(
            "frequent_flyer",
            ("FREQUENT_FLYER_NUMBER",),
            ("frequent_flyer_number", "ffn"),
            "upper",
        ),
        IdentifierKind(
            "customer_id",
            (),
            ("passenger_id", "customer_id", "client_id", "person_id", "subject_id", "member_id"),
            "exact",
            is_key=True,
        ),
    )
}

#: Names that mark a column as holding a subject's surrogate key.
KEY_COLUMN_NAMES = frozenset(KINDS["customer_id"].column_names)

#: Column names that are personal data even without a classification (anonymise them).
PERSONAL_COLUMN_NAMES = frozenset(
    {
        "first_name",
        "last_name",
        "full_name",
        "name",
        "given_name",
        "family_name",
        "card_holder",
        "date_of_birth",
        "dob",
        "birth_date",
        "street_address",
        "address",
        "postal_code",
        "zip",
        "city",
        "gender",
        "nationality",
    }
)

HASH_SUFFIXES = ("_hash", "_md5", "_sha1", "_sha256", "_sha2", "_digest", "_hashed")

_PHONE_NOISE = re.compile(r"[\s\-().]")


def normalise(kind: str, value: str) -> str:
    """The canonical form compared against the normalised column expression."""
    mode = KINDS[kind].mode
    text = str(value).strip()
    if mode == "email":
        return text.lower()
    if mode == "phone":
        return _PHONE_NOISE.sub("", text)
    if mode == "upper":
        return text.upper()
    return text


def kind_for_column(name: str, entities: set[str]) -> str | None:
    """The identifier kind a column holds (classification first, then its name)."""
    for kind in KINDS.values():
        if kind.entities and entities & set(kind.entities):
            return kind.name
    lowered = name.lower()
    for kind in KINDS.values():
        if lowered in kind.column_names:
            return kind.name
    return None


def hashed_kind(name: str) -> str | None:
    """``email_hash`` / ``hashed_email`` / ``phone_sha256`` -> the kind it is a hash of."""
    lowered = name.lower()
    stem = None
    for suffix in HASH_SUFFIXES:
        if lowered.endswith(suffix):
            stem = lowered[: -len(suffix)]
    if lowered.startswith("hashed_"):
        stem = lowered[len("hashed_") :]
    if not stem:
        return None
    for kind in KINDS.values():
        if not kind.is_key and (stem == kind.name or stem in kind.column_names):
            return kind.name
    return None


def digests(values: set[str]) -> list[str]:
    """Hex MD5, SHA-1 and SHA-256 digests (lower and upper case) of every value.

    Hashed copies (``MD5(email)`` on PostgreSQL, ``SHA2(email, 256)`` on MariaDB) are
    matched by hashing the identifier ourselves: callers pass the normalised identifier
    plus every spelling actually stored in the source, since the copy may hash either.
    """
    out: set[str] = set()
    for value in values:
        raw = value.encode()
        for algo in (hashlib.md5, hashlib.sha1, hashlib.sha256):
            digest = algo(raw, usedforsecurity=False).hexdigest()
            out.update((digest, digest.upper()))
    return sorted(out)
