"""Managed data keys for the pseudonym and tokenise operators (Django side).

* Generated on first use (32 random bytes for HMAC pseudonyms, 64 for AES-SIV tokens),
  stored only *sealed* by the newest master key of :mod:`custos.keys` (AES-GCM, bound to
  the purpose ``privacy.data_key:<kid>``).
* Identified by ``kid``: every token carries it (``tok:<kid>:...``), so retired keys still
  detokenise after :func:`rotate_data_key`.
* :func:`rotate_master_key` makes a new master key current and re-wraps every data key
  (and every source DSN) under it; old master keys stay readable for anything missed.
* Key material is never logged, audited or returned: audit payloads carry key ids only.
"""

from __future__ import annotations

import base64
import os
import secrets
import threading
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

import audit.services as audit
from custos.keys import keyring
from privacy.masking import (
    PSEUDONYM_KEY_BYTES,
    TOKENISE_KEY_BYTES,
    KeyMaterial,
    MaskingError,
)
from privacy.models import DataKey, KeyPurpose

_SIZES = {KeyPurpose.PSEUDONYM: PSEUDONYM_KEY_BYTES, KeyPurpose.TOKENISE: TOKENISE_KEY_BYTES}


def _seal_purpose(kid: str) -> str:
    return f"privacy.data_key:{kid}"


class DataKeyStore:
    """A :class:`privacy.masking.KeyProvider` over the ``DataKey`` table.

    Unsealed keys are cached per process (by kid; a kid's secret never changes);
    the active kid per purpose is read from the database each time.
    """

    def __init__(self) -> None:
        self._secrets: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def _open(self, row: DataKey) -> KeyMaterial:
        secret = self._secrets.get(row.kid)
        if secret is None:
            plain = keyring().unseal(row.sealed, purpose=_seal_purpose(row.kid))
            secret = base64.b64decode(plain)
            with self._lock:
                self._secrets[row.kid] = secret
        return KeyMaterial(row.kid, secret)

    def active(self, purpose: str) -> KeyMaterial:
        if purpose not in _SIZES:
            raise MaskingError(f"unknown key purpose {purpose!r}")
        row = DataKey.objects.filter(purpose=purpose, active=True).first()
        if row is None:
            row = _create_key(purpose)
        return self._open(row)

    def by_kid(self, kid: str) -> KeyMaterial:
        cached = self._secrets.get(kid)
        if cached is not None:
            return KeyMaterial(kid, cached)
        row = DataKey.objects.filter(kid=kid).first()
        if row is None:
            raise MaskingError(f"unknown key id {kid!r}")
        return self._open(row)

    def forget(self) -> None:
        """Drop cached secrets (after rotation, or in tests)."""
        with self._lock:
            self._secrets.clear()


_store = DataKeyStore()


def data_keys() -> DataKeyStore:
    """The process-wide key provider to pass to masking operators."""
    return _store


def _new_row(purpose: str) -> DataKey:
    kid = f"{purpose[0]}{secrets.token_hex(6)}"
    secret = base64.b64encode(os.urandom(_SIZES[KeyPurpose(purpose)])).decode()
    return DataKey(
        kid=kid,
        purpose=purpose,
        sealed=keyring().seal(secret, purpose=_seal_purpose(kid)),
        active=True,
    )


def _create_key(purpose: str) -> DataKey:
    """The first key of ``purpose`` (concurrent first uses agree on one key)."""
    try:
        with transaction.atomic():
            row = _new_row(purpose)
            row.save()
            audit.record(
                action="keys.create",
                obj=row,
                object_repr=f"{purpose} key {row.kid}",
                changes={"purpose": purpose, "kid": row.kid},
            )
            return row
    except IntegrityError:
        return DataKey.objects.get(purpose=purpose, active=True)


def rotate_data_key(*, actor: Any, purpose: str) -> DataKey:
    """Make a new key active for ``purpose``; the old one is retired but still opens tokens.

    Rotating the pseudonym key changes every pseudonym from then on (joins across the
    rotation break): do it only to cut linkability on purpose.
    """
    _require_admin(actor)
    if purpose not in _SIZES:
        raise MaskingError(f"unknown key purpose {purpose!r}")
    with transaction.atomic():
        old = list(DataKey.objects.select_for_update().filter(purpose=purpose, active=True))
        DataKey.objects.filter(pk__in=[o.pk for o in old]).update(
            active=False, retired_at=timezone.now()
        )
        row = _new_row(purpose)
        row.save()
        audit.record(
            action="keys.rotate",
            obj=row,
            object_repr=f"{purpose} key {row.kid}",
            changes={"purpose": purpose, "new_kid": row.kid, "retired": [o.kid for o in old]},
        )
    return row


def rotate_master_key(*, actor: Any) -> dict[str, Any]:
    """New master key; re-wrap every data key and source DSN under it. Returns a summary
    (key ids and counts only)."""
    from catalog.models import Source
    from catalog.services import DSN_PURPOSE

    _require_admin(actor)
    ring = keyring()
    previous = ring.current.kid
    new_kid = ring.rotate()
    with transaction.atomic():
        keys = list(DataKey.objects.select_for_update())
        for row in keys:
            plain = ring.unseal(row.sealed, purpose=_seal_purpose(row.kid))
            row.sealed = ring.seal(plain, purpose=_seal_purpose(row.kid))
            row.save(update_fields=["sealed"])
        sources = list(Source.objects.select_for_update())
        for source in sources:
            dsn = ring.unseal(source.dsn_sealed, purpose=DSN_PURPOSE)
            source.dsn_sealed = ring.seal(dsn, purpose=DSN_PURPOSE)
            source.save(update_fields=["dsn_sealed"])
        summary = {
            "master_kid": new_kid,
            "previous_master_kid": previous,
            "data_keys_rewrapped": len(keys),
            "source_dsns_rewrapped": len(sources),
        }
        audit.record(
            action="keys.rotate",
            object_type="master_key",
            object_id=new_kid,
            object_repr=f"master key {new_kid}",
            changes=summary,
        )
    return summary


def _require_admin(actor: Any) -> None:
    from custos.errors import PermissionDenied

    if not getattr(actor, "is_superuser", False):
        raise PermissionDenied("Only administrators may rotate keys.")
