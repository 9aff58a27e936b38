"""Pure hash chain for audit records (no Django).

Each record's hash covers its canonical JSON body and the previous record's hash, so
editing, deleting, inserting or reordering any record breaks every later link.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS = "0" * 64


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return sorted(value, key=str) if isinstance(value, set | frozenset) else list(value)
    return str(value)


def canonical(body: Mapping[str, Any]) -> bytes:
    """Deterministic JSON: sorted keys, no whitespace, UTF-8."""
    return json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default
    ).encode()


def link_hash(prev_hash: str, body: Mapping[str, Any]) -> str:
    """sha256(prev_hash || canonical(body)) as hex."""
    digest = hashlib.sha256()
    digest.update(prev_hash.encode())
    digest.update(canonical(body))
    return digest.hexdigest()


@dataclass(frozen=True)
class Record:
    seq: int
    body: Mapping[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    first_seq: int | None
    last_seq: int | None
    head_hash: str | None
    broken_seq: int | None = None
    reason: str | None = None

    def summary(self) -> str:
        if self.ok:
            return (
                f"OK: {self.checked} records intact (seq {self.first_seq}..{self.last_seq}), "
                f"head {self.head_hash}"
            )
        return f"BROKEN at seq {self.broken_seq}: {self.reason} ({self.checked} checked before)"


def verify(
    records: Iterable[Record], *, start_hash: str = GENESIS, start_seq: int = 1
) -> Verification:
    """Walk records in order and report the first one that breaks the chain."""
    expected_prev = start_hash
    expected_seq = start_seq
    checked = 0
    first: int | None = None
    last: int | None = None
    for rec in records:
        if first is None:
            first = rec.seq
        if rec.seq != expected_seq:
            kind = "missing record(s) before it" if rec.seq > expected_seq else "out of order"
            return Verification(
                False,
                checked,
                first,
                last,
                expected_prev,
                rec.seq,
                f"expected seq {expected_seq}, found {rec.seq}: {kind}",
            )
        if rec.prev_hash != expected_prev:
            return Verification(
                False,
                checked,
                first,
                last,
                expected_prev,
                rec.seq,
                "prev_hash does not match the previous record's hash",
            )
        actual = link_hash(rec.prev_hash, rec.body)
        if actual != rec.hash:
            return Verification(
                False,
                checked,
                first,
                last,
                expected_prev,
                rec.seq,
                "content does not match its hash (record edited)",
            )
        expected_prev = rec.hash
        expected_seq += 1
        checked += 1
        last = rec.seq
    return Verification(True, checked, first, last, expected_prev)
