"""Signed audit bundles: write them, and verify them offline (no Django, no database).

A bundle is a ZIP file holding:

``events.jsonl``
    one event per line: ``{"seq", "prev_hash", "hash", "body"}``; ``body`` is exactly the
    hashed content, so ``hash == sha256(prev_hash || canonical(body))`` can be recomputed.
``events.csv``
    the same events flattened for spreadsheets (cells that a spreadsheet would run as a
    formula are prefixed with ``'``); every row is checked against ``events.jsonl``.
``manifest.json``
    scope, counts, first/last seq and hash, SHA-256 of both event files, the signed
    checkpoints (chain heads) covering the period, and the public key(s).
``manifest.sig``
    ``{"algorithm": "ed25519", "key_id", "signature"}`` over the exact bytes of
    ``manifest.json``.

A bundle of the whole trail for a period is *contiguous*: the verifier re-links every
event to the previous one, from ``first_prev_hash`` to the last event, and checks that the
chain passes through every checkpoint in range. A scoped bundle (one asset, user or data
subject) holds a subset of the chain: each event's hash is recomputed, events that happen
to be neighbours are re-linked, and checkpoints falling on an exported event must match.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from audit.chain import GENESIS, Record, canonical, link_hash
from audit.chain import verify as verify_chain
from audit.chain.signing import (
    ALGORITHM,
    Checkpoint,
    b64,
    checkpoint_problem,
    key_id,
    public_from_private,
    sign,
    signature_ok,
    unb64,
)

FORMAT = "custos-audit-bundle"
VERSION = 1
EVENTS_JSONL = "events.jsonl"
EVENTS_CSV = "events.csv"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
CSV_COLUMNS = (
    "seq",
    "timestamp",
    "actor",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "object",
    "changes",
    "request_id",
    "ip",
    "channel",
    "prev_hash",
    "hash",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    # Spreadsheet formula injection: actor names and object labels can be user-chosen.
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_row(rec: Record) -> list[str]:
    """The CSV cells of one event (the verifier compares rows with this)."""
    body = rec.body
    return [
        str(rec.seq),
        _cell(body.get("timestamp")),
        _cell(body.get("actor")),
        _cell(body.get("actor_id")),
        _cell(body.get("action")),
        _cell(body.get("object_type")),
        _cell(body.get("object_id")),
        _cell(body.get("object")),
        _cell(canonical(body.get("changes") or {}).decode()),
        _cell(body.get("request_id")),
        _cell(body.get("ip")),
        _cell(body.get("channel")),
        rec.prev_hash,
        rec.hash,
    ]


def event_line(rec: Record) -> bytes:
    return (
        json.dumps(
            {"seq": rec.seq, "prev_hash": rec.prev_hash, "hash": rec.hash, "body": rec.body},
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        + b"\n"
    )


class _HashingWriter:
    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.raw.write(data)
        self.digest.update(data)
        self.size += len(data)


def write_bundle(
    path: Path,
    records: Iterable[Record],
    *,
    signing_key: bytes,
    public_keys: Mapping[str, bytes] | None = None,
    checkpoints: Sequence[Checkpoint] = (),
    contiguous: bool,
    metadata: Mapping[str, Any] | None = None,
    progress: Callable[[int], None] | None = None,
    progress_every: int = 5000,
) -> dict[str, Any]:
    """Write a signed bundle of ``records`` (in seq order) to ``path``; returns the manifest.

    ``public_keys`` should hold every key that signed one of ``checkpoints``; the signing
    key's public half is always added.
    """
    keys = dict(public_keys or {})
    signer_public = public_from_private(signing_key)
    signer_id = key_id(signer_public)
    keys[signer_id] = signer_public
    count = 0
    first: Record | None = None
    last: Record | None = None
    tmp = path.with_name(path.name + ".part")
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        csv_buffer = io.TextIOWrapper(
            _spool(), encoding="utf-8", newline=""
        )  # CSV waits in a temp file: a zip member is written one at a time
        writer = csv.writer(csv_buffer)
        writer.writerow(CSV_COLUMNS)
        with zf.open(EVENTS_JSONL, "w", force_zip64=True) as member:
            jsonl = _HashingWriter(member)
            for rec in records:
                if first is None:
                    first = rec
                last = rec
                jsonl.write(event_line(rec))
                writer.writerow(csv_row(rec))
                count += 1
                if progress is not None and count % progress_every == 0:
                    progress(count)
        csv_buffer.flush()
        raw_csv = csv_buffer.buffer
        raw_csv.seek(0)
        with zf.open(EVENTS_CSV, "w", force_zip64=True) as member:
            csv_out = _HashingWriter(member)
            while chunk := raw_csv.read(1 << 20):
                csv_out.write(chunk)
        csv_buffer.close()
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            **(metadata or {}),
            "contiguous": contiguous,
            "events": {
                "count": count,
                "first_seq": first.seq if first else None,
                "last_seq": last.seq if last else None,
                "first_prev_hash": first.prev_hash if first else None,
                "first_hash": first.hash if first else None,
                "last_hash": last.hash if last else None,
            },
            "files": {
                EVENTS_JSONL: {"sha256": jsonl.digest.hexdigest(), "bytes": jsonl.size},
                EVENTS_CSV: {"sha256": csv_out.digest.hexdigest(), "bytes": csv_out.size},
            },
            "checkpoints": [cp.as_dict() for cp in sorted(checkpoints, key=lambda c: c.seq)],
            "public_keys": [
                {"algorithm": ALGORITHM, "key_id": kid, "public_key": b64(raw)}
                for kid, raw in sorted(keys.items())
            ],
            "signing_key_id": signer_id,
        }
        manifest_bytes = json.dumps(manifest, indent=2, sort_keys=True).encode() + b"\n"
        zf.writestr(MANIFEST, manifest_bytes)
        sig = {
            "algorithm": ALGORITHM,
            "key_id": signer_id,
            "signature": sign(signing_key, manifest_bytes),
        }
        zf.writestr(SIGNATURE, json.dumps(sig, indent=2) + "\n")
    if progress is not None:
        progress(count)
    tmp.replace(path)
    return manifest


def _spool() -> IO[bytes]:
    import tempfile

    return tempfile.TemporaryFile()


@dataclass(frozen=True)
class BundleVerification:
    ok: bool
    events: int
    first_seq: int | None = None
    last_seq: int | None = None
    last_hash: str | None = None
    contiguous: bool = False
    checkpoints: int = 0
    key_id: str | None = None
    pinned: bool = False
    scope: Mapping[str, Any] | None = None
    problem: str | None = None
    seq: int | None = None

    def summary(self) -> str:
        if not self.ok:
            where = f" at seq {self.seq}" if self.seq is not None else ""
            return f"BUNDLE BROKEN{where}: {self.problem}"
        kind = "contiguous chain" if self.contiguous else "scoped subset, each hash recomputed"
        trust = (
            f"signed by pinned key {self.key_id}"
            if self.pinned
            else f"signed by key {self.key_id} embedded in the bundle (not pinned: compare "
            "it with the published fingerprint or pass --key)"
        )
        span = (
            f"seq {self.first_seq}..{self.last_seq}, last hash {self.last_hash}"
            if self.events
            else "no events"
        )
        return (
            f"BUNDLE OK: {self.events} events ({kind}; {span}); "
            f"{self.checkpoints} checkpoint(s) verified; manifest {trust}"
        )


class _Broken(Exception):
    def __init__(self, problem: str, seq: int | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.seq = seq


def _read_events(zf: zipfile.ZipFile) -> Iterator[Record]:
    with zf.open(EVENTS_JSONL) as fh:
        for lineno, raw in enumerate(fh, start=1):
            try:
                item = json.loads(raw)
                rec = Record(
                    int(item["seq"]), item["body"], str(item["prev_hash"]), str(item["hash"])
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise _Broken(f"{EVENTS_JSONL} line {lineno} is not a valid event") from exc
            if not isinstance(rec.body, dict) or rec.body.get("seq") != rec.seq:
                raise _Broken("event body does not carry the seq it is filed under", rec.seq)
            yield rec


def _file_digest(zf: zipfile.ZipFile, name: str) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with zf.open(name) as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def verify_bundle(
    path: Path | str, *, trusted_keys: Mapping[str, bytes] | None = None
) -> BundleVerification:
    """Verify a bundle file completely; the first problem found is reported.

    With ``trusted_keys`` (pinned public keys, from ``audit_keys`` output) the manifest
    must be signed by one of them; otherwise the key embedded in the bundle is used and
    the result says it was not pinned.
    """
    state: dict[str, Any] = {"events": 0}
    try:
        return _verify(Path(path), trusted_keys, state)
    except _Broken as exc:
        return BundleVerification(
            False,
            state["events"],
            scope=state.get("scope"),
            key_id=state.get("key_id"),
            problem=exc.problem,
            seq=exc.seq,
        )


def _verify(
    path: Path, trusted_keys: Mapping[str, bytes] | None, state: dict[str, Any]
) -> BundleVerification:
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise _Broken(f"cannot open bundle: {exc}") from exc
    with zf:
        names = set(zf.namelist())
        for required in (MANIFEST, SIGNATURE, EVENTS_JSONL, EVENTS_CSV):
            if required not in names:
                raise _Broken(f"bundle lacks {required}")
        manifest_bytes = zf.read(MANIFEST)
        try:
            sig = json.loads(zf.read(SIGNATURE))
            manifest = json.loads(manifest_bytes)
            embedded = {
                key_id(unb64(k["public_key"])): unb64(k["public_key"])
                for k in manifest.get("public_keys", [])
            }
        except (ValueError, KeyError, TypeError) as exc:
            raise _Broken("manifest or signature is not valid JSON") from exc
        signer = str(sig.get("key_id", ""))
        state["key_id"] = signer
        state["scope"] = manifest.get("scope")
        keys = dict(trusted_keys) if trusted_keys is not None else embedded
        if signer not in keys:
            raise _Broken(
                f"manifest is signed by key {signer}, which is not a trusted key"
                + (" (pinned keys: " + ", ".join(sorted(keys)) + ")" if trusted_keys else "")
            )
        if not signature_ok(keys[signer], manifest_bytes, str(sig.get("signature", ""))):
            raise _Broken("manifest signature is invalid (manifest edited or wrong key)")
        if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
            raise _Broken("not a Custos audit bundle of a known version")
        # Checkpoints may be signed by older (rotated) keys listed in the signed manifest.
        checkpoint_keys = {**embedded, **keys}
        checkpoints = [Checkpoint.from_dict(c) for c in manifest.get("checkpoints", [])]
        for cp in checkpoints:
            problem = checkpoint_problem(cp, checkpoint_keys)
            if problem:
                raise _Broken(problem, cp.seq)
        info = manifest["events"]
        contiguous = bool(manifest.get("contiguous"))
        count, first, last = _check_events(zf, info, contiguous, checkpoints, state)
        _check_csv(zf)
        for name in (EVENTS_JSONL, EVENTS_CSV):
            expected = manifest["files"][name]
            actual = _file_digest(zf, name)
            if actual != (expected["sha256"], expected["bytes"]):
                raise _Broken(f"{name} does not match the digest in the signed manifest")
        matched = sum(1 for cp in checkpoints if first is not None and first <= cp.seq <= last)
        return BundleVerification(
            True,
            count,
            first,
            last,
            info.get("last_hash"),
            contiguous,
            matched if contiguous else len(checkpoints),
            signer,
            trusted_keys is not None,
            manifest.get("scope"),
        )


def _check_events(
    zf: zipfile.ZipFile,
    info: Mapping[str, Any],
    contiguous: bool,
    checkpoints: Sequence[Checkpoint],
    state: dict[str, Any],
) -> tuple[int, int | None, int]:
    pins = {cp.seq: cp.hash for cp in checkpoints}
    first_seq = info.get("first_seq")
    first_prev = info.get("first_prev_hash") or GENESIS
    count = 0
    last_seq = 0
    last_hash: str | None = None
    if contiguous and first_seq is not None:
        last_in_range = info.get("last_seq") or first_seq
        in_range = {s: h for s, h in pins.items() if first_seq - 1 <= s <= last_in_range}

        def counted() -> Iterator[Record]:
            nonlocal count, last_hash, last_seq
            for rec in _read_events(zf):
                count += 1
                state["events"] = count
                last_hash, last_seq = rec.hash, rec.seq
                yield rec

        result = verify_chain(
            counted(), start_hash=first_prev, start_seq=int(first_seq), checkpoints=in_range
        )
        if not result.ok:
            raise _Broken(result.reason or "chain broken", result.broken_seq)
    else:
        prev: Record | None = None
        for rec in _read_events(zf):
            if prev is not None and rec.seq <= prev.seq:
                raise _Broken(f"events out of order: seq {rec.seq} after {prev.seq}", rec.seq)
            if prev is not None and rec.seq == prev.seq + 1 and rec.prev_hash != prev.hash:
                raise _Broken("prev_hash does not match the previous record's hash", rec.seq)
            if link_hash(rec.prev_hash, rec.body) != rec.hash:
                raise _Broken("content does not match its hash (record edited)", rec.seq)
            pinned = pins.get(rec.seq)
            if pinned is not None and pinned != rec.hash:
                raise _Broken("hash differs from the signed checkpoint at this seq", rec.seq)
            prev = rec
            count += 1
            state["events"] = count
            last_seq, last_hash = rec.seq, rec.hash
            if count == 1 and (
                rec.seq != first_seq or rec.prev_hash != info.get("first_prev_hash")
            ):
                raise _Broken("first event differs from the manifest", rec.seq)
    if count != info.get("count"):
        raise _Broken(
            f"manifest lists {info.get('count')} events, the bundle holds {count} "
            "(events dropped or added)"
        )
    if count and (last_seq != info.get("last_seq") or last_hash != info.get("last_hash")):
        raise _Broken("last event differs from the manifest (tail dropped or replaced)", last_seq)
    return count, first_seq, last_seq


def _check_csv(zf: zipfile.ZipFile) -> None:
    with (
        zf.open(EVENTS_CSV) as raw_csv,
        io.TextIOWrapper(raw_csv, encoding="utf-8", newline="") as text,
    ):
        rows = csv.reader(text)
        if tuple(next(rows, ())) != CSV_COLUMNS:
            raise _Broken(f"{EVENTS_CSV} has an unexpected header")
        events = _read_events(zf)
        for rec in events:
            row = next(rows, None)
            if row != csv_row(rec):
                raise _Broken(f"{EVENTS_CSV} row differs from {EVENTS_JSONL}", rec.seq)
        if next(rows, None) is not None:
            raise _Broken(f"{EVENTS_CSV} holds rows that {EVENTS_JSONL} does not")
