"""Retention: archive to a signed bundle, prune, and keep the chain verifiable across the cut."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from audit import keyfiles, retention, services
from audit.chain.bundle import verify_bundle
from audit.models import AuditArchive, AuditEvent
from tests.audit.conftest import attacker, write_events

pytestmark = pytest.mark.django_db


def _age(seq_upto: int, days: int) -> None:
    """Make events up to ``seq_upto`` look ``days`` old (test setup, hashes recomputed)."""
    from audit import chain

    old = timezone.now() - timedelta(days=days)
    prev = chain.GENESIS
    with attacker() as cur:
        for ev in AuditEvent.objects.order_by("seq"):
            body = ev.body()
            if ev.seq <= seq_upto:
                body["timestamp"] = (old + timedelta(seconds=ev.seq)).isoformat()
                cur.execute(
                    "UPDATE audit_auditevent SET timestamp = %s WHERE seq = %s",
                    [old + timedelta(seconds=ev.seq), ev.seq],
                )
            new = chain.link_hash(prev, body)
            cur.execute(
                "UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE seq = %s",
                [prev, new, ev.seq],
            )
            prev = new


def test_prune_archives_then_deletes_and_chain_still_verifies(settings: Any) -> None:
    write_events(10)
    _age(6, days=4000)
    archive = retention.prune(before=timezone.now() - timedelta(days=3000))
    assert archive is not None
    assert (archive.first_seq, archive.last_seq, archive.event_count) == (1, 6, 6)
    assert Path(archive.bundle_path).parent == Path(settings.DATA_DIR) / "audit-archive"
    bundle = verify_bundle(archive.bundle_path, trusted_keys=keyfiles.public_keys())
    assert bundle.ok and bundle.events == 6 and bundle.contiguous
    remaining = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert remaining[0] == 7 and remaining[-1] == 11  # + the audit.prune event
    result = services.verify_live()
    assert result.ok, result.summary()
    assert result.first_seq == 7
    # A second prune finds nothing older.
    assert retention.prune(before=timezone.now() - timedelta(days=3000)) is None


def test_tampering_after_a_prune_is_still_detected() -> None:
    write_events(8)
    _age(4, days=4000)
    retention.prune(before=timezone.now() - timedelta(days=3000))
    with attacker() as cur:
        cur.execute("DELETE FROM audit_auditevent WHERE seq = 5")
    result = services.verify_live()
    assert not result.ok and "expected seq 5" in (result.reason or "")


def test_a_forged_archive_record_is_detected() -> None:
    write_events(8)
    _age(4, days=4000)
    archive = retention.prune(before=timezone.now() - timedelta(days=3000))
    assert archive is not None
    Path(archive.bundle_path).unlink()
    result = services.verify_live()
    assert not result.ok and "missing" in (result.reason or "")


def test_prune_refuses_inside_the_retention_period() -> None:
    write_events(3)
    with pytest.raises(Exception, match="retention"):
        retention.prune(before=timezone.now())
    with pytest.raises(CommandError, match="retention"):
        call_command("audit_prune", "--before", timezone.now().date().isoformat())
    assert AuditArchive.objects.count() == 0


def test_prune_command_with_force(capsys: Any) -> None:
    write_events(3)
    tomorrow = (timezone.now() + timedelta(days=1)).date().isoformat()
    call_command("audit_prune", "--before", tomorrow, "--force")
    assert "Archived and removed 3 events" in capsys.readouterr().out
    assert services.verify_live().ok
    if connection.vendor == "postgresql":  # the GUC was scoped to the prune's transaction
        with connection.cursor() as cur:
            cur.execute("SELECT current_setting('custos.audit_prune', true)")
            assert cur.fetchone()[0] in (None, "", "off")


def test_retention_default_is_seven_years() -> None:
    assert retention.retention_days() == 2557
