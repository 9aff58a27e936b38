"""Audit test helpers: write events, tamper with stored rows the way a DB superuser could."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection, transaction

from audit import services


def write_events(n: int, *, prefix: str = "test.event") -> list[Any]:
    events = []
    for i in range(n):
        with transaction.atomic():
            events.append(
                services.record(
                    action=f"{prefix}.{i % 3}",
                    object_type="thing",
                    object_id=str(i),
                    object_repr=f"thing {i}",
                    changes={"i": i},
                )
            )
    return events


@contextmanager
def attacker() -> Iterator[Any]:
    """A cursor that bypasses the ORM guard and, on PostgreSQL, the append-only trigger."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
            cur.execute("ALTER TABLE audit_auditcheckpoint DISABLE TRIGGER USER")
        try:
            yield cur
        finally:
            if connection.vendor == "postgresql":
                cur.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
                cur.execute("ALTER TABLE audit_auditcheckpoint ENABLE TRIGGER USER")
    services.invalidate_head_cache()


@pytest.fixture
def events(db: Any) -> Callable[..., list[Any]]:
    return write_events
