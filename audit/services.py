"""Writing audit events. ``record`` is called by every service write, inside its transaction."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from audit import chain
from audit.models import AuditEvent
from custos import context

# Any 64-bit constant: the PostgreSQL advisory lock that serialises chain appends.
_PG_CHAIN_LOCK = 0x637573746F73  # "custos"


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_CHAIN_LOCK])
    # SQLite: transactions are IMMEDIATE (settings), so the writer already holds the lock.
    # MySQL/MariaDB: the FOR UPDATE read of the head below takes the lock.


def _head() -> tuple[int, str]:
    qs = AuditEvent.objects.order_by("-seq").values_list("seq", "hash")
    if connection.vendor not in {"postgresql", "sqlite"}:
        qs = qs.select_for_update()
    last = qs.first()
    return (last[0], last[1]) if last else (0, chain.GENESIS)


def pseudonymise(value: object) -> str:
    """Stable, non-reversible stand-in for a personal value in audit payloads."""
    return "sha256:" + hashlib.sha256(str(value).encode()).hexdigest()[:16]


def describe(obj: models.Model | None) -> tuple[str, str, str]:
    if obj is None:
        return "", "", ""
    label = getattr(obj, "audit_type", None) or obj._meta.model_name or ""
    return str(label), str(obj.pk), str(getattr(obj, "fqn", None) or obj)[:512]


def record(
    *,
    action: str,
    obj: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    object_repr: str | None = None,
    actor: Any = None,
) -> AuditEvent:
    """Append one event to the chain. Must run inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must be called inside transaction.atomic")
    ctx = context.current()
    otype, oid, orepr = describe(obj)
    user = actor if actor is not None else ctx.actor
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    _lock_chain()
    seq, prev = _head()
    event = AuditEvent(
        seq=seq + 1,
        timestamp=timezone.now(),
        actor=user,
        actor_label=(user.get_username() if actor is not None else ctx.actor_label)[:150],
        action=action,
        object_type=object_type if object_type is not None else otype,
        object_id=object_id if object_id is not None else oid,
        object_repr=(object_repr if object_repr is not None else orepr)[:512],
        # Normalise through JSON so the hashed body is exactly what the database returns.
        changes=json.loads(json.dumps(changes or {}, cls=DjangoJSONEncoder)),
        request_id=ctx.request_id,
        ip=ctx.ip,
        channel=ctx.channel,
        prev_hash=prev,
        hash="",
    )
    event.hash = chain.link_hash(prev, event.body())
    event.save()
    return event


def verify_live(batch: int = 5000) -> chain.Verification:
    """Verify the stored chain from the first event to the head."""

    def records() -> Any:
        last = 0
        while True:
            rows = list(AuditEvent.objects.filter(seq__gt=last).order_by("seq")[:batch])
            if not rows:
                return
            for ev in rows:
                yield chain.Record(ev.seq, ev.body(), ev.prev_hash, ev.hash)
            last = rows[-1].seq

    return chain.verify(records())
