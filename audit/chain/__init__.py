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
    checkpoints: int = 0  # signed checkpoints matched against the chain
    sealed_seq: int | None = None  # highest seq covered by a signed checkpoint

    def summary(self) -> str:
        if self.ok:
            sealed = (
                f"; {self.checkpoints} checkpoint(s) match, sealed through seq {self.sealed_seq}"
                if self.checkpoints
                else "; no checkpoint yet"
            )
            return (
                f"OK: {self.checked} records intact (seq {self.first_seq}..{self.last_seq}), "
                f"head {self.head_hash}{sealed}"
            )
        return f"BROKEN at seq {self.broken_seq}: {self.reason} ({self.checked} checked before)"


def verify(
    records: Iterable[Record],
    *,
    start_hash: str = GENESIS,
    start_seq: int = 1,
    checkpoints: Mapping[int, str] | None = None,
) -> Verification:
    """Walk records in order and report the first one that breaks the chain.

    ``checkpoints`` maps seq -> head hash of *already signature-checked* checkpoints: the
    chain must pass through each of them (a rewritten chain with recomputed hashes, or a
    tail truncated below a checkpoint, is reported at the checkpoint's seq).
    """
    pins = dict(checkpoints or {})
    pinned_seqs = sorted(s for s in pins if s >= start_seq)
    matched = 0
    sealed: int | None = None
    previous_pin = start_seq - 1
    if start_seq - 1 in pins and pins[start_seq - 1] != start_hash:
        return Verification(
            False,
            0,
            None,
            None,
            start_hash,
            start_seq - 1,
            "the chain's starting point does not match the signed checkpoint at that seq",
        )
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
        pinned = pins.get(rec.seq)
        if pinned is not None:
            if pinned != rec.hash:
                return Verification(
                    False,
                    checked,
                    first,
                    last,
                    expected_prev,
                    rec.seq,
                    "hash differs from the signed checkpoint: a record in seq "
                    f"{previous_pin + 1}..{rec.seq} was altered and the chain recomputed",
                    matched,
                    sealed,
                )
            matched += 1
            sealed = rec.seq
            previous_pin = rec.seq
        expected_prev = rec.hash
        expected_seq += 1
        checked += 1
        last = rec.seq
    beyond = [s for s in pinned_seqs if s >= expected_seq]
    if beyond:
        return Verification(
            False,
            checked,
            first,
            last,
            expected_prev,
            expected_seq,
            f"chain ends at seq {expected_seq - 1} but a signed checkpoint covers seq "
            f"{beyond[-1]}: records {expected_seq}..{beyond[-1]} are missing (tail truncated)",
            matched,
            sealed,
        )
    return Verification(True, checked, first, last, expected_prev, None, None, matched, sealed)
