"""Data keys: generated on first use, sealed at rest, rotation keeps old tokens working,
master-key rotation re-wraps, detokenisation is permission-checked and audited, no key
material anywhere it could leak."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command

from audit.models import AuditEvent
from catalog.models import Source
from catalog.services import source_dsn
from custos.keys import keyring
from privacy import keys
from privacy.masking import get_operator
from privacy.models import DataKey


@pytest.fixture
def store(db: Any) -> keys.DataKeyStore:
    store = keys.data_keys()
    store.forget()
    return store


def _secrets() -> list[bytes]:
    store = keys.data_keys()
    return [store.by_kid(row.kid).secret for row in DataKey.objects.all()]


def test_keys_are_created_on_first_use_and_stored_sealed(store: keys.DataKeyStore) -> None:
    assert not DataKey.objects.exists()
    key = store.active("tokenise")
    assert len(key.secret) == 64 and key.kid.startswith("t")
    assert store.active("tokenise").kid == key.kid  # stable
    row = DataKey.objects.get(kid=key.kid)
    assert row.sealed.startswith("v1:") and base64.b64encode(key.secret).decode() not in row.sealed
    assert "secret" not in repr(key) and key.secret.hex() not in repr(key)
    event = AuditEvent.objects.get(action="keys.create")
    assert event.changes == {"purpose": "tokenise", "kid": key.kid}
    assert len(store.active("pseudonym").secret) == 32


def test_data_key_rotation_keeps_old_tokens_working(store: keys.DataKeyStore, admin: Any) -> None:
    op = get_operator("tokenise")
    old_token = str(op.apply("ana@example.com", keys=store))
    old_kid = store.active("tokenise").kid
    new = keys.rotate_data_key(actor=admin, purpose="tokenise")
    assert (
        new.kid != old_kid and DataKey.objects.filter(purpose="tokenise", active=True).get() == new
    )
    new_token = str(op.apply("ana@example.com", keys=store))
    assert new_token.startswith(f"tok:{new.kid}:") and old_token.startswith(f"tok:{old_kid}:")
    from privacy.masking import detokenise

    assert detokenise(old_token, store) == detokenise(new_token, store) == "ana@example.com"
    event = AuditEvent.objects.get(action="keys.rotate")
    assert event.changes["retired"] == [old_kid] and event.changes["new_kid"] == new.kid


def test_master_rotation_rewraps_data_keys_and_dsns(
    store: keys.DataKeyStore, admin: Any, catalog_source: Source
) -> None:
    token = str(get_operator("tokenise").apply("x", keys=store))
    pseudonym = get_operator("pseudonym").apply("x", keys=store)
    secrets_before = _secrets()
    dsn_before = source_dsn(catalog_source)
    summary = keys.rotate_master_key(actor=admin)
    assert summary["data_keys_rewrapped"] == 2 and summary["source_dsns_rewrapped"] == 1
    new_master = keyring().current.kid
    assert summary["master_kid"] == new_master
    assert all(keyring().sealed_kid(r.sealed) == new_master for r in DataKey.objects.all())
    catalog_source.refresh_from_db()
    assert keyring().sealed_kid(catalog_source.dsn_sealed) == new_master
    assert source_dsn(catalog_source) == dsn_before
    store.forget()
    assert _secrets() == secrets_before
    from privacy.masking import detokenise

    assert detokenise(token, store) == "x"
    assert get_operator("pseudonym").apply("x", keys=store) == pseudonym  # joins survive
    event = AuditEvent.objects.filter(action="keys.rotate").get()
    blob = json.dumps(event.changes)
    assert all(
        s.hex() not in blob and base64.b64encode(s).decode() not in blob for s in secrets_before
    )


def test_rotation_needs_an_admin(store: keys.DataKeyStore, sam: Any) -> None:
    from custos.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        keys.rotate_data_key(actor=sam, purpose="tokenise")
    with pytest.raises(PermissionDenied):
        keys.rotate_master_key(actor=sam)


def test_rotate_keys_command_prints_ids_only(store: keys.DataKeyStore) -> None:
    store.active("pseudonym")
    out = io.StringIO()
    call_command("rotate_keys", "--data-key", "tokenise", stdout=out)
    text = out.getvalue()
    assert "tokenise data key rotated" in text and "re-wrapped 2 data key(s)" in text
    store.forget()
    for secret in _secrets():
        assert secret.hex() not in text and base64.b64encode(secret).decode() not in text


# -- detokenise API --------------------------------------------------------------------------


@pytest.fixture
def tokens(store: keys.DataKeyStore) -> list[str]:
    op = get_operator("tokenise")
    return [str(op.apply(v, keys=store)) for v in ("ana@example.com", "+44 20 7946 0958")]


def test_admin_detokenises_with_a_reason_and_it_is_audited(
    api: Callable[[Any], Any], admin: Any, tokens: list[str]
) -> None:
    resp = api(admin).post(
        "/api/v1/privacy/detokenize",
        {"tokens": [*tokens, "tok:nokey:AAAA", "garbage"], "reason": "fraud case 17"},
        format="json",
    )
    assert resp.status_code == 200
    results = resp.json()["results"]
    assert [r.get("value") for r in results[:2]] == ["ana@example.com", "+44 20 7946 0958"]
    assert "error" in results[2] and "error" in results[3]
    event = AuditEvent.objects.get(action="privacy.detokenize")
    assert event.changes["reason"] == "fraud case 17"
    assert event.changes["count"] == 4 and event.changes["failed"] == 2
    blob = json.dumps(event.changes)
    assert "ana@example.com" not in blob and tokens[0] not in blob


def test_detokenise_permission(
    api: Callable[[Any], Any], sam: Any, alice: Any, nobody: Any, tokens: list[str]
) -> None:
    body = {"tokens": tokens, "reason": "curious"}
    for user in (sam, alice, nobody):
        resp = api(user).post("/api/v1/privacy/detokenize", body, format="json")
        assert resp.status_code == 403 and resp.json()["error"]["code"] == "permission_denied"
    assert not AuditEvent.objects.filter(action="privacy.detokenize").exists()
    alice.user_permissions.add(Permission.objects.get(codename="detokenize"))
    alice = type(alice).objects.get(pk=alice.pk)  # fresh permission cache
    resp = api(alice).post("/api/v1/privacy/detokenize", body, format="json")
    assert resp.status_code == 200
    assert resp.json()["results"][0]["value"] == "ana@example.com"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"tokens": ["x"]},
        {"tokens": [], "reason": "r"},
        {"tokens": "x", "reason": "r"},
        {"tokens": ["x"] * 1001, "reason": "r"},
        {"tokens": ["x"], "reason": "  "},
    ],
)
def test_detokenise_bad_input(api: Callable[[Any], Any], admin: Any, body: Any) -> None:
    resp = api(admin).post("/api/v1/privacy/detokenize", body, format="json")
    assert resp.status_code == 400 and "error" in resp.json()


def test_pii_classify_command(tmp_path: Any, db: Any) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"id": 1, "name": "email", "values": ["a@example.com"]}) + "\nnot json\n"
    )
    dst = tmp_path / "out.jsonl"
    call_command("pii_classify", "--input", str(src), "--output", str(dst), stderr=io.StringIO())
    lines = [json.loads(line) for line in dst.read_text().splitlines()]
    assert lines[0]["id"] == 1 and lines[0]["entity"] == "EMAIL_ADDRESS"
    assert "error" in lines[1]
    out = io.StringIO()
    import sys

    stdin, sys.stdin = sys.stdin, io.StringIO(json.dumps({"id": "x", "name": "c1", "values": []}))
    try:
        call_command("pii_classify", "--input", "-", "--output", "-", stdout=out)
    finally:
        sys.stdin = stdin
    assert json.loads(out.getvalue())["id"] == "x"
