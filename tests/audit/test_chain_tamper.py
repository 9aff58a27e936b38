"""Tampering with the stored trail the way a database superuser could: every kind is caught.

The ORM refuses updates and deletes (and, on PostgreSQL, so does a trigger), so these
tests tamper with raw SQL, with the trigger disabled, as an attacker owning the database
would. Signing keys live in files, out of the attacker's reach.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from audit import chain, services
from audit.models import AppendOnlyError, AuditEvent
from tests.audit.conftest import attacker, write_events

pytestmark = pytest.mark.django_db


def _verify() -> chain.Verification:
    return services.verify_live()


def test_intact_chain_with_checkpoint_verifies() -> None:
    write_events(10)
    cp = services.seal()
    assert cp is not None and cp.seq == 10
    assert services.seal() is None  # nothing new to seal
    write_events(2)
    result = _verify()
    assert result.ok, result.summary()
    assert (result.checked, result.checkpoints, result.sealed_seq) == (12, 1, 10)


def test_orm_refuses_update_and_delete() -> None:
    (event,) = write_events(1)
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(seq=1).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    cp = services.seal()
    assert cp is not None
    with pytest.raises(AppendOnlyError):
        cp.save()


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgres_trigger_refuses_raw_update_and_delete() -> None:
    write_events(2)
    for sql in (
        "UPDATE audit_auditevent SET action = 'x' WHERE seq = 1",
        "DELETE FROM audit_auditevent WHERE seq = 1",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql)
    services.seal()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE audit_auditcheckpoint SET seq = 99")


def test_edited_event_is_reported() -> None:
    write_events(10)
    with attacker() as cur:
        cur.execute("UPDATE audit_auditevent SET object_repr = 'innocent' WHERE seq = 4")
    result = _verify()
    assert not result.ok
    assert result.broken_seq == 4
    assert "edited" in (result.reason or "")


def test_edited_payload_is_reported() -> None:
    write_events(6)
    with attacker() as cur:
        cur.execute("UPDATE audit_auditevent SET changes = %s WHERE seq = 2", ['{"i": 99}'])
    assert _verify().broken_seq == 2


def test_deleted_event_is_reported_as_missing() -> None:
    write_events(10)
    with attacker() as cur:
        cur.execute("DELETE FROM audit_auditevent WHERE seq = 4")
    result = _verify()
    assert (result.ok, result.broken_seq) == (False, 5)
    assert "missing" in (result.reason or "")


def _row(seq: int) -> dict[str, Any]:
    ev = AuditEvent.objects.get(seq=seq)
    return {"ev": ev, "body": ev.body()}


def test_inserted_event_is_reported() -> None:
    write_events(10)
    prev = AuditEvent.objects.get(seq=5)
    with attacker() as cur:
        for seq in range(10, 5, -1):  # make room at seq 6, highest first (unique seq)
            cur.execute("UPDATE audit_auditevent SET seq = seq + 1 WHERE seq = %s", [seq])
    forged = AuditEvent(
        seq=6,
        timestamp=prev.timestamp,
        actor_label="mallory",
        action="catalog.asset.update",
        object_type="asset",
        object_id="1",
        object_repr="forged",
        changes={},
        prev_hash=prev.hash,
        hash="",
    )
    forged.hash = chain.link_hash(prev.hash, forged.body())  # a well-formed forgery
    with attacker() as cur:
        cur.execute(
            "INSERT INTO audit_auditevent (seq, timestamp, actor_label, action, object_type,"
            " object_id, object_repr, changes, request_id, channel, prev_hash, hash)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, '', '', %s, %s)",
            [
                6,
                prev.timestamp,
                "mallory",
                forged.action,
                "asset",
                "1",
                "forged",
                "{}",
                prev.hash,
                forged.hash,
            ],
        )
    result = _verify()
    assert not result.ok
    assert result.broken_seq == 7  # the first genuine record after the insertion


def test_reordered_events_are_reported() -> None:
    write_events(10)
    with attacker() as cur:
        cur.execute("UPDATE audit_auditevent SET seq = -1 WHERE seq = 4")
        cur.execute("UPDATE audit_auditevent SET seq = 4 WHERE seq = 5")
        cur.execute("UPDATE audit_auditevent SET seq = 5 WHERE seq = -1")
    result = _verify()
    assert (result.ok, result.broken_seq) == (False, 4)


def test_truncated_tail_after_checkpoint_is_reported() -> None:
    write_events(10)
    services.seal()
    write_events(2)
    with attacker() as cur:
        cur.execute("DELETE FROM audit_auditevent WHERE seq >= 9")
    result = _verify()
    assert not result.ok
    assert result.broken_seq == 9
    assert "truncated" in (result.reason or "")


def test_rewritten_chain_with_recomputed_hashes_is_caught_by_checkpoint() -> None:
    write_events(8)
    services.seal()  # signed head at seq 8
    write_events(2)
    rows = list(AuditEvent.objects.order_by("seq"))
    prev = rows[2].hash  # seq 3
    with attacker() as cur:
        for ev in rows[3:]:  # rewrite seq 4.. and re-link everything after it
            body = ev.body()
            if ev.seq == 4:
                body["object"] = "rewritten"
            new_hash = chain.link_hash(prev, body)
            cur.execute(
                "UPDATE audit_auditevent SET object_repr = %s, prev_hash = %s, hash = %s"
                " WHERE seq = %s",
                [body["object"], prev, new_hash, ev.seq],
            )
            prev = new_hash
    result = _verify()
    assert not result.ok
    assert result.broken_seq == 8
    assert "seq 1..8" in (result.reason or "")


def test_forged_checkpoint_is_reported() -> None:
    write_events(3)
    services.seal()
    with attacker() as cur:
        cur.execute("UPDATE audit_auditcheckpoint SET head_hash = %s", ["0" * 64])
    result = _verify()
    assert not result.ok
    assert "signature" in (result.reason or "")


def test_verify_command_and_api_report_the_first_broken_event(api: Any, admin: Any) -> None:
    write_events(5)
    call_command("audit_verify")  # intact: exit 0
    body = api(admin).get("/api/v1/audit/verify").json()
    assert body["ok"] is True
    with attacker() as cur:
        cur.execute("DELETE FROM audit_auditevent WHERE seq = 3")
    with pytest.raises(CommandError, match="BROKEN at seq 4"):
        call_command("audit_verify")
    body = api(admin).get("/api/v1/audit/verify").json()
    assert (body["ok"], body["broken_seq"]) == (False, 4)


def test_checkpoint_survives_key_rotation() -> None:
    from audit import keyfiles

    write_events(3)
    first = services.seal()
    new_kid = keyfiles.rotate_signing_key()
    write_events(2)
    second = services.seal()
    assert first is not None and second is not None
    assert second.key_id == new_kid != first.key_id
    assert _verify().ok


def test_savepoint_rollback_does_not_fork_the_chain() -> None:
    with transaction.atomic():
        services.record(action="test.kept")
        try:
            with transaction.atomic():
                services.record(action="test.rolled_back")
                raise RuntimeError("boom")
        except RuntimeError:
            pass
        services.record(action="test.after")
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", "action")) == [
        (1, "test.kept"),
        (2, "test.after"),
    ]
    assert _verify().ok
