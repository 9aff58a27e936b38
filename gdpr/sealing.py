"""Sealing identifiers, subject keys and step predicates with the master keyring."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from custos.keys import keyring

IDENTIFIERS = "gdpr.identifiers"
KEYS = "gdpr.subject_keys"
PREDICATE = "gdpr.step_predicate"


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


def seal_json(value: Any, *, purpose: str) -> str:
    return keyring().seal(json.dumps(value, default=_plain, sort_keys=True), purpose=purpose)


def open_json(sealed: str, *, purpose: str) -> Any:
    if not sealed:
        return None
    return json.loads(keyring().unseal(sealed, purpose=purpose))
