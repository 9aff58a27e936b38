"""Bundles are verified offline (pure code, no database); every kind of tampering is caught."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from audit.chain import GENESIS, Record, link_hash
from audit.chain.bundle import (
    EVENTS_CSV,
    EVENTS_JSONL,
    MANIFEST,
    SIGNATURE,
    verify_bundle,
    write_bundle,
)
from audit.chain.signing import (
    export_public_keys,
    generate_private,
    key_id,
    public_from_private,
    sign,
    sign_checkpoint,
)

ROOT = Path(__file__).resolve().parents[2]
KEY = generate_private()
PUBLIC = public_from_private(KEY)
TRUSTED = {key_id(PUBLIC): PUBLIC}


def make_chain(n: int) -> list[Record]:
    records, prev = [], GENESIS
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for seq in range(1, n + 1):
        body = {
            "seq": seq,
            "timestamp": (start + timedelta(seconds=seq)).isoformat(),
            "actor_id": 1,
            "actor": "=cmd|' /C calc'!A0" if seq == 3 else "sam",
            "action": "catalog.asset.update",
            "object_type": "asset",
            "object_id": str(seq % 4),
            "object": f"air.main.t{seq % 4}",
            "changes": {"description": {"before": "a", "after": f"b{seq}"}},
            "request_id": "r",
            "ip": "127.0.0.1",
            "channel": "web",
        }
        h = link_hash(prev, body)
        records.append(Record(seq, body, prev, h))
        prev = h
    return records


def build(
    tmp_path: Path, records: list[Record], *, contiguous: bool = True, name: str = "b.zip"
) -> Path:
    chain = make_chain(records[-1].seq if records else 0)
    cps = [
        sign_checkpoint(
            KEY, seq=s, head_hash=chain[s - 1].hash, signed_at="2026-01-02T00:00:00+00:00"
        )
        for s in (5, 10)
        if s <= len(chain)
    ]
    path = tmp_path / name
    write_bundle(
        path,
        records,
        signing_key=KEY,
        checkpoints=cps,
        contiguous=contiguous,
        metadata={"scope": {"kind": "all" if contiguous else "asset"}},
    )
    return path


def rewrite(path: Path, member: str, transform: Any, *, resign: bool = False) -> None:
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members[member] = transform(members[member])
    if resign:  # an attacker with *some* key re-signs the manifest
        other = generate_private()
        manifest = json.loads(members[MANIFEST])
        manifest["public_keys"] = [
            {
                "key_id": key_id(public_from_private(other)),
                "public_key": __import__("base64").b64encode(public_from_private(other)).decode(),
            }
        ]
        members[MANIFEST] = json.dumps(manifest).encode()
        members[SIGNATURE] = json.dumps(
            {
                "key_id": key_id(public_from_private(other)),
                "signature": sign(other, members[MANIFEST]),
            }
        ).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def lines_edit(fn: Any) -> Any:
    def transform(data: bytes) -> bytes:
        lines = data.decode().splitlines(keepends=True)
        return "".join(fn(lines)).encode()

    return transform


def test_intact_contiguous_bundle_verifies(tmp_path: Path) -> None:
    path = build(tmp_path, make_chain(12))
    result = verify_bundle(path, trusted_keys=TRUSTED)
    assert result.ok, result.summary()
    assert (result.events, result.first_seq, result.last_seq, result.checkpoints) == (12, 1, 12, 2)
    assert result.pinned and "BUNDLE OK" in result.summary()
    unpinned = verify_bundle(path)
    assert unpinned.ok and not unpinned.pinned and "not pinned" in unpinned.summary()


def test_csv_cells_cannot_run_as_formulas(tmp_path: Path) -> None:
    path = build(tmp_path, make_chain(4))
    with zipfile.ZipFile(path) as zf:
        csv_text = zf.read(EVENTS_CSV).decode()
    assert "'=cmd" in csv_text


def test_scoped_bundle_recomputes_each_hash(tmp_path: Path) -> None:
    subset = [r for r in make_chain(12) if r.body["object_id"] == "2"]
    path = build(tmp_path, subset, contiguous=False)
    result = verify_bundle(path, trusted_keys=TRUSTED)
    assert result.ok, result.summary()
    assert result.events == 3 and not result.contiguous


def _edit_event(lines: list[str]) -> list[str]:
    item = json.loads(lines[3])
    item["body"]["actor"] = "someone-else"
    lines[3] = json.dumps(item) + "\n"
    return lines


def _edit_and_rehash(lines: list[str]) -> list[str]:
    item = json.loads(lines[3])
    item["body"]["actor"] = "someone-else"
    item["hash"] = link_hash(item["prev_hash"], item["body"])
    lines[3] = json.dumps(item) + "\n"
    return lines


TAMPERS = {
    "edit an event": (EVENTS_JSONL, lines_edit(_edit_event), "edited"),
    "edit and rehash an event": (EVENTS_JSONL, lines_edit(_edit_and_rehash), ""),
    "drop an event": (EVENTS_JSONL, lines_edit(lambda ls: ls[:5] + ls[6:]), "missing|dropped"),
    "drop the last event": (EVENTS_JSONL, lines_edit(lambda ls: ls[:-1]), ""),
    "reorder events": (
        EVENTS_JSONL,
        lines_edit(lambda ls: [*ls[:4], ls[5], ls[4], *ls[6:]]),
        "",
    ),
    "edit the manifest": (
        MANIFEST,
        lambda d: d.replace(b'"count": 12', b'"count": 11'),
        "signature",
    ),
    "edit the csv": (EVENTS_CSV, lambda d: d.replace(b"sam", b"sue", 1), "csv"),
    "edit the signature": (
        SIGNATURE,
        lambda d: d.replace(b'"signature": "', b'"signature": "AAAA'),
        "signature",
    ),
}


@pytest.mark.parametrize("contiguous", [True, False], ids=["all", "scoped"])
@pytest.mark.parametrize("tamper", list(TAMPERS))
def test_every_tampering_is_detected(tmp_path: Path, tamper: str, contiguous: bool) -> None:
    member, transform, hint = TAMPERS[tamper]
    path = build(tmp_path, make_chain(12), contiguous=contiguous)
    rewrite(path, member, transform)
    for trusted in (TRUSTED, None):
        result = verify_bundle(path, trusted_keys=trusted)
        assert not result.ok, f"{tamper} not detected"
        problem = (result.problem or "").lower()
        assert any(h in problem for h in hint.lower().split("|")), problem


def test_bundle_resigned_with_another_key_fails_against_the_pinned_key(tmp_path: Path) -> None:
    path = build(tmp_path, make_chain(12))
    rewrite(path, EVENTS_JSONL, lines_edit(_edit_and_rehash), resign=True)
    pinned = verify_bundle(path, trusted_keys=TRUSTED)
    assert not pinned.ok and "not a trusted key" in (pinned.problem or "")
    # Even unpinned, the checkpoints signed by the real key no longer verify.
    assert not verify_bundle(path).ok


def test_wrong_pinned_key_is_refused(tmp_path: Path) -> None:
    path = build(tmp_path, make_chain(6))
    other = public_from_private(generate_private())
    result = verify_bundle(path, trusted_keys={key_id(other): other})
    assert not result.ok and "not a trusted key" in (result.problem or "")


def test_not_a_bundle(tmp_path: Path) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_text("nope")
    assert not verify_bundle(junk).ok


def _run_verify(bundle: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        # A database that does not exist: any query would fail the command.
        "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/custos_no_such_database_xyz",
        "DJANGO_SETTINGS_MODULE": "custos.settings",
    }
    return subprocess.run(
        [sys.executable, "manage.py", "audit_verify", str(bundle), *extra],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_command_verifies_offline_without_a_database(tmp_path: Path) -> None:
    path = build(tmp_path, make_chain(12))
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps(export_public_keys(TRUSTED)))
    ok = _run_verify(path, "--key", str(keys))
    assert ok.returncode == 0, ok.stderr
    assert "BUNDLE OK: 12 events" in ok.stdout and "pinned key" in ok.stdout
    rewrite(path, EVENTS_JSONL, lines_edit(lambda ls: ls[:5] + ls[6:]))
    bad = _run_verify(path, "--key", str(keys))
    assert bad.returncode != 0
    assert "BUNDLE BROKEN at seq 7" in bad.stderr


def test_verifier_is_pure_python_without_django() -> None:
    code = (
        "import sys, audit.chain.bundle, audit.chain.signing; "
        "assert not any(m.startswith('django') for m in sys.modules), 'django imported'"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
