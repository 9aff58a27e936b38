"""Key files of the audit trail, kept under ``CUSTOS_KEYS_DIR`` (never in the database).

* ``audit-signing-NNNN-<kid>.key``: Ed25519 private keys (base64, mode 0600) that sign
  checkpoints and bundle manifests. Generated on first use; the newest one signs, older
  ones still verify (``manage.py audit_keys --rotate``).
* ``audit-pseudonym.key``: the HMAC key behind :func:`audit.services.pseudonymise`.

Whoever can write the database but cannot read these files cannot forge a checkpoint or
a bundle signature.
"""

from __future__ import annotations

import base64
import contextlib
import os
import threading
from pathlib import Path

from django.conf import settings

from audit.chain import signing
from custos.keys import _write_private

_lock = threading.Lock()
_cache: dict[tuple[Path, str], bytes] = {}


def keys_dir() -> Path:
    return Path(getattr(settings, "CUSTOS_AUDIT_KEYS_DIR", None) or settings.KEYS_DIR)


def _signing_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("audit-signing-*.key")) if directory.exists() else []


def _generate_signing(directory: Path) -> Path:
    private = signing.generate_private()
    kid = signing.key_id(signing.public_from_private(private))
    seq = len(_signing_files(directory))
    path = directory / f"audit-signing-{seq:04d}-{kid}.key"
    _write_private(path, base64.b64encode(private))
    return path


def _read_private(path: Path) -> bytes:
    return base64.b64decode(path.read_bytes().strip())


def signing_key() -> bytes:
    """The current (newest) private signing key; generated on first use."""
    directory = keys_dir()
    with _lock:
        files = _signing_files(directory)
        if not files:
            files = [_generate_signing(directory)]
        return _read_private(files[-1])


def rotate_signing_key() -> str:
    """Create a new signing key (older keys keep verifying); returns its key id."""
    with _lock:
        path = _generate_signing(keys_dir())
    return signing.key_id(signing.public_from_private(_read_private(path)))


def public_keys() -> dict[str, bytes]:
    """Every audit public key of this instance (id -> raw), oldest first."""
    directory = keys_dir()
    keys: dict[str, bytes] = {}
    for path in _signing_files(directory):
        public = signing.public_from_private(_read_private(path))
        keys[signing.key_id(public)] = public
    if not keys:
        public = signing.public_from_private(signing_key())
        keys[signing.key_id(public)] = public
    return keys


def pseudonym_key() -> bytes:
    directory = keys_dir()
    cache_key = (directory, "pseudonym")
    cached = _cache.get(cache_key)
    if cached is not None:
        return cached
    with _lock:
        path = directory / "audit-pseudonym.key"
        if not path.exists():
            with contextlib.suppress(FileExistsError):  # another process won the race
                _write_private(path, base64.b64encode(os.urandom(32)))
        key = base64.b64decode(path.read_bytes().strip())
        _cache[cache_key] = key
        return key
