"""Writing audit events. ``record`` is called by every service write, inside its transaction.

Also here: the payload helpers every service uses (:func:`pseudonymise`, :func:`redact`),
sealing the chain head with a signed checkpoint (:func:`seal`) and verifying the live
chain (:func:`verify_live`).

Payload rules for other services (see docs/audit.md):

* ``changes`` says what changed, e.g. ``{"description": {"before": "...", "after": "..."}}``.
* Values of classified (personal-data) columns never enter the trail: pass the diff
  through ``redact(changes, classified_fields={...})``, which swaps them for
  :func:`pseudonymise` values (stable, keyed, not reversible).
* Data subjects are named by ``subject_ref(identifier)`` (the pseudonym of the normalised
  identifier), under the ``"subject"`` key of ``changes`` or as ``object_id``: subject-scope
  exports find events that way.
* Secrets (passwords, tokens, DSNs, keys) are never passed; as a safety net, values under
  well-known secret key names are replaced by ``"[redacted]"``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from audit import chain, keyfiles
from audit.chain import signing
from audit.models import BODY_FIELDS, AuditArchive, AuditCheckpoint, AuditEvent, event_body
from custos import context

# The PostgreSQL advisory lock that serialises chain appends is 0x637573746F73 ("custos"),
# taken inside audit_chain_head() (migration 0004).
_HEAD_ATTR = "_custos_audit_head"

SECRET_KEYS = frozenset(
    {
        "password",
        "passwd",
        "new_password",
        "old_password",
        "secret",
        "secret_key",
        "client_secret",
        "api_key",
        "private_key",
        "access_token",
        "refresh_token",
        "plain_token",
        "dsn",
        "credentials",
        "authorization",
    }
)
REDACTED = "[redacted]"


# -- payload helpers ----------------------------------------------------------------------


def pseudonymise(value: object) -> str:
    """Stable, non-reversible stand-in for a personal value in audit payloads.

    HMAC-SHA256 under this instance's audit pseudonym key (a plain hash of an e-mail
    address could be reversed by hashing guesses). Same value -> same pseudonym, so
    events about one value can still be found and compared.
    """
    mac = hmac.new(keyfiles.pseudonym_key(), str(value).encode(), hashlib.sha256)
    return "hmac:" + mac.hexdigest()[:32]


def subject_ref(identifier: str) -> str:
    """The pseudonym that names a data subject in the trail (identifier trimmed, lower-cased)."""
    if identifier.startswith("hmac:"):
        return identifier
    return pseudonymise(identifier.strip().lower())


def redact(changes: Mapping[str, Any], classified_fields: Iterable[str]) -> dict[str, Any]:
    """A copy of ``changes`` whose values under ``classified_fields`` are pseudonymised.

    Works at any depth and on ``{"before": x, "after": y}`` diffs; ``None`` stays ``None``
    (absence of a value is not personal data).
    """
    classified = set(classified_fields)

    def hide(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, Mapping):
            return {k: hide(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [hide(v) for v in value]
        return pseudonymise(value)

    def walk(value: Any) -> Any:
        if isinstance(value, Mapping):
            return {k: hide(v) if k in classified else walk(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [walk(v) for v in value]
        return value

    return walk(dict(changes))


def _scrub_secrets(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: (REDACTED if v is not None and str(k).lower() in SECRET_KEYS else _scrub_secrets(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_scrub_secrets(v) for v in value]
    return value


def describe(obj: models.Model | None) -> tuple[str, str, str]:
    if obj is None:
        return "", "", ""
    label = getattr(obj, "audit_type", None) or obj._meta.model_name or ""
    return str(label), str(obj.pk), str(getattr(obj, "fqn", None) or obj)[:512]


# -- the chain head -----------------------------------------------------------------------


class _HeadMarker:
    """The head written by this transaction, valid while Django still holds this callback.

    Django drops pending on-commit callbacks when the transaction (or the savepoint the
    callback was registered in) rolls back, so "our marker is still pending" means "the
    rows we wrote still exist and we still hold the chain lock": later ``record`` calls in
    the same transaction can skip the lock and head queries.
    """

    __slots__ = ("conn", "hash", "seq", "sids")

    def __init__(self, conn: BaseDatabaseWrapper, sids: tuple[str, ...]) -> None:
        self.conn = conn
        self.sids = sids
        self.seq = 0
        self.hash = ""

    def __call__(self) -> None:  # on commit: the next transaction reads the head again
        if getattr(self.conn, _HEAD_ATTR, None) is self:
            setattr(self.conn, _HEAD_ATTR, None)

    def pending(self) -> bool:
        return any(entry[1] is self for entry in reversed(self.conn.run_on_commit))


def invalidate_head_cache() -> None:
    """Forget the cached head (after writing the table by other means than ``record``)."""
    setattr(connection, _HEAD_ATTR, None)


def _archived_head() -> tuple[int, str]:
    archive = AuditArchive.objects.order_by("-last_seq").values_list("last_seq", "head_hash")
    last = archive.first()
    return (last[0], last[1]) if last else (0, chain.GENESIS)


def _lock_and_read_head() -> tuple[int, str]:
    """Take the chain lock for this transaction and read the head under it."""
    vendor = connection.vendor
    table = AuditEvent._meta.db_table
    with connection.cursor() as cur:
        if vendor == "postgresql":
            # One round trip: a VOLATILE function takes the lock, then reads the head with
            # a fresh snapshot (migration 0003). Reading in the same statement as the lock
            # would use a snapshot taken before the wait and fork the chain.
            cur.execute("SELECT head_seq, head_hash FROM audit_chain_head()")
        elif vendor == "sqlite":
            # Transactions are IMMEDIATE (settings): this writer already holds the lock.
            cur.execute(f"SELECT seq, hash FROM {table} ORDER BY seq DESC LIMIT 1")
        else:  # MySQL/MariaDB: the locking read of the head row takes the lock.
            cur.execute(f"SELECT seq, hash FROM {table} ORDER BY seq DESC LIMIT 1 FOR UPDATE")
        row = cur.fetchone()
    if row is None or row[0] is None:
        return _archived_head()
    return int(row[0]), str(row[1])


def _head_for_append() -> tuple[_HeadMarker, int, str]:
    conn = connection
    sids = tuple(conn.savepoint_ids)
    marker: _HeadMarker | None = getattr(conn, _HEAD_ATTR, None)
    if marker is not None and marker.seq and marker.pending():
        seq, prev = marker.seq, marker.hash
    else:
        marker = None
        seq, prev = _lock_and_read_head()
    if marker is None or marker.sids != sids:
        # A marker per savepoint level, so a rolled-back savepoint drops the head it wrote.
        marker = _HeadMarker(conn, sids)
        transaction.on_commit(marker)
        setattr(conn, _HEAD_ATTR, marker)
    return marker, seq, prev


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
    # Normalise through JSON so the hashed body is exactly what the database returns.
    payload = _scrub_secrets(json.loads(json.dumps(changes or {}, cls=DjangoJSONEncoder)))
    marker, seq, prev = _head_for_append()
    event = AuditEvent(
        seq=seq + 1,
        timestamp=timezone.now(),
        actor=user,
        actor_label=(user.get_username() if actor is not None else ctx.actor_label)[:150],
        action=action,
        object_type=object_type if object_type is not None else otype,
        object_id=object_id if object_id is not None else oid,
        object_repr=(object_repr if object_repr is not None else orepr)[:512],
        changes=payload,
        request_id=ctx.request_id,
        ip=ctx.ip,
        channel=ctx.channel,
        prev_hash=prev,
        hash="",
    )
    event.hash = chain.link_hash(prev, event.body())
    event.save()
    marker.seq, marker.hash = event.seq, event.hash
    return event


# -- checkpoints and verification -------------------------------------------------------------


def seal() -> AuditCheckpoint | None:
    """Sign the current chain head if events were added since the last checkpoint."""
    with transaction.atomic():
        seq, head = _lock_and_read_head()
        last = AuditCheckpoint.objects.order_by("-seq").values_list("seq", flat=True).first()
        if seq == 0 or (last is not None and last >= seq):
            return None
        now = timezone.now()
        cp = signing.sign_checkpoint(
            keyfiles.signing_key(), seq=seq, head_hash=head, signed_at=now.isoformat()
        )
        return AuditCheckpoint.objects.create(
            seq=cp.seq,
            head_hash=cp.hash,
            signed_at=now,
            signature=cp.signature,
            key_id=cp.key_id,
        )


def as_signed(cp: AuditCheckpoint) -> signing.Checkpoint:
    return signing.Checkpoint(
        cp.seq, cp.head_hash, cp.signed_at.isoformat(), cp.key_id, cp.signature
    )


def iter_records(
    *, first_seq: int = 0, last_seq: int | None = None, batch: int = 5000
) -> Iterator[chain.Record]:
    """Stored events ``first_seq..last_seq`` in seq order, as chain records (streamed)."""
    last = first_seq - 1
    fields = (*BODY_FIELDS, "prev_hash", "hash")
    while True:
        qs = AuditEvent.objects.filter(seq__gt=last)
        if last_seq is not None:
            qs = qs.filter(seq__lte=last_seq)
        rows = list(qs.order_by("seq").values_list(*fields)[:batch])
        if not rows:
            return
        for row in rows:
            yield chain.Record(row[0], event_body(*row[:12]), row[12], row[13])
        last = rows[-1][0]


def _failure(seq: int | None, reason: str) -> chain.Verification:
    return chain.Verification(False, 0, None, None, None, seq, reason)


def _archives_problem(
    archives: list[AuditArchive], keys: Mapping[str, bytes]
) -> chain.Verification | None:
    from audit.chain.bundle import MANIFEST, SIGNATURE

    expected_first, expected_prev = 1, chain.GENESIS
    for archive in archives:
        if archive.first_seq != expected_first or archive.first_prev_hash != expected_prev:
            return _failure(
                expected_first,
                f"archive {archive.first_seq}..{archive.last_seq} does not continue the "
                f"chain (expected seq {expected_first})",
            )
        problem = _archive_file_problem(archive, keys, MANIFEST, SIGNATURE)
        if problem:
            return _failure(archive.first_seq, problem)
        expected_first, expected_prev = archive.last_seq + 1, archive.head_hash
    return None


def _archive_file_problem(
    archive: AuditArchive, keys: Mapping[str, bytes], manifest_name: str, sig_name: str
) -> str | None:
    import zipfile

    try:
        with zipfile.ZipFile(archive.bundle_path) as zf:
            manifest_bytes = zf.read(manifest_name)
            sig = json.loads(zf.read(sig_name))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return f"archive bundle {archive.bundle_path} is missing or unreadable"
    key = keys.get(str(sig.get("key_id")))
    if key is None or not signing.signature_ok(key, manifest_bytes, str(sig.get("signature"))):
        return f"archive bundle {archive.bundle_path} is not signed by an audit key"
    info = json.loads(manifest_bytes)["events"]
    if (info["first_seq"], info["last_seq"], info["first_prev_hash"], info["last_hash"]) != (
        archive.first_seq,
        archive.last_seq,
        archive.first_prev_hash,
        archive.head_hash,
    ):
        return f"archive record {archive.pk} does not match its signed bundle"
    return None


def verify_live(batch: int = 5000) -> chain.Verification:
    """Verify the stored chain: hash links, checkpoint signatures, no truncation, archives.

    Starts after the newest archive (pruned events live in signed bundles) and reports the
    first broken or missing event.
    """
    keys = keyfiles.public_keys()
    archives = list(AuditArchive.objects.order_by("first_seq"))
    problem = _archives_problem(archives, keys)
    if problem:
        return problem
    start_seq, start_hash = (
        (archives[-1].last_seq + 1, archives[-1].head_hash) if archives else (1, chain.GENESIS)
    )
    pins: dict[int, str] = {}
    for cp in AuditCheckpoint.objects.order_by("seq"):
        bad = signing.checkpoint_problem(as_signed(cp), keys)
        if bad:
            return _failure(cp.seq, bad)
        pins[cp.seq] = cp.head_hash
    for archive in archives:
        if archive.last_seq in pins and pins[archive.last_seq] != archive.head_hash:
            return _failure(archive.last_seq, "archive head differs from the signed checkpoint")
    return chain.verify(
        iter_records(first_seq=start_seq, batch=batch),
        start_hash=start_hash,
        start_seq=start_seq,
        checkpoints={s: h for s, h in pins.items() if s >= start_seq - 1},
    )
