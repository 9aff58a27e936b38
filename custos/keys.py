"""Key manager: master keys that seal secrets (source DSNs, data keys) at rest.

Keys are generated on first use into ``CUSTOS_KEYS_DIR`` (default ``var/keys/``, files
mode 0600), or supplied by the operator with ``CUSTOS_MASTER_KEY`` (base64, 32 bytes).
Sealed values carry the id of the key that sealed them (``v1:<kid>:<b64>``), so keys can
be rotated: new values use the newest key and old values still open until re-wrapped.
No key material is ever logged or returned by an API.
"""

from __future__ import annotations

import base64
import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_lock = threading.Lock()


class KeyError_(Exception):
    """A sealed value cannot be opened (unknown key id, tampered, wrong purpose)."""


@dataclass(frozen=True)
class MasterKey:
    kid: str
    secret: bytes


def _kid(secret: bytes) -> str:
    return hashlib.sha256(b"custos-kid:" + secret).hexdigest()[:12]


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


class Keyring:
    """All master keys known to this instance; the newest one seals."""

    def __init__(self, keys_dir: Path, env_key: str | None = None) -> None:
        self.keys_dir = keys_dir
        self.env_key = env_key
        self._keys: dict[str, MasterKey] = {}
        self._current: str | None = None

    def _load(self) -> None:
        if self._keys:
            return
        with _lock:
            if self._keys:
                return
            if self.env_key:
                secret = base64.b64decode(self.env_key)
                if len(secret) != 32:
                    raise KeyError_("CUSTOS_MASTER_KEY must be 32 bytes, base64-encoded")
                key = MasterKey(_kid(secret), secret)
                self._keys[key.kid] = key
                self._current = key.kid
            files = sorted(self.keys_dir.glob("master-*.key")) if self.keys_dir.exists() else []
            if not files and not self.env_key:
                files = [self._generate()]
            for path in files:
                secret = base64.b64decode(path.read_bytes().strip())
                key = MasterKey(_kid(secret), secret)
                self._keys[key.kid] = key
            current_file = self.keys_dir / "CURRENT"
            if not self.env_key:
                if current_file.exists():
                    self._current = current_file.read_text().strip()
                else:
                    self._current = _kid(base64.b64decode(files[-1].read_bytes().strip()))

    def _generate(self) -> Path:
        secret = AESGCM.generate_key(bit_length=256)
        kid = _kid(secret)
        # Zero-padded sequence numbers keep glob order = creation order.
        seq = len(list(self.keys_dir.glob("master-*.key"))) if self.keys_dir.exists() else 0
        path = self.keys_dir / f"master-{seq:04d}-{kid}.key"
        _write_private(path, base64.b64encode(secret))
        return path

    @property
    def current(self) -> MasterKey:
        self._load()
        assert self._current is not None
        return self._keys[self._current]

    def key_ids(self) -> list[str]:
        self._load()
        return list(self._keys)

    def rotate(self) -> str:
        """Generate a new master key and make it current; returns its id."""
        self._load()
        path = self._generate()
        secret = base64.b64decode(path.read_bytes().strip())
        key = MasterKey(_kid(secret), secret)
        self._keys[key.kid] = key
        tmp = self.keys_dir / "CURRENT.tmp"
        tmp.write_text(key.kid)
        tmp.replace(self.keys_dir / "CURRENT")
        self._current = key.kid
        return key.kid

    def seal(self, plaintext: str, *, purpose: str) -> str:
        key = self.current
        nonce = os.urandom(12)
        ct = AESGCM(key.secret).encrypt(nonce, plaintext.encode(), purpose.encode())
        return f"v1:{key.kid}:{base64.urlsafe_b64encode(nonce + ct).decode()}"

    def unseal(self, sealed: str, *, purpose: str) -> str:
        self._load()
        try:
            version, kid, blob = sealed.split(":", 2)
        except ValueError as exc:
            raise KeyError_("not a sealed value") from exc
        if version != "v1" or kid not in self._keys:
            raise KeyError_(f"unknown key id {kid!r}")
        raw = base64.urlsafe_b64decode(blob.encode())
        try:
            plain = AESGCM(self._keys[kid].secret).decrypt(raw[:12], raw[12:], purpose.encode())
        except Exception as exc:
            raise KeyError_("sealed value failed authentication") from exc
        return plain.decode()

    def sealed_kid(self, sealed: str) -> str:
        return sealed.split(":", 2)[1]


_keyring: Keyring | None = None


def keyring() -> Keyring:
    """The process-wide keyring configured from settings."""
    global _keyring
    from django.conf import settings  # local: keep this module importable without Django

    keys_dir = Path(settings.KEYS_DIR)
    if _keyring is None or _keyring.keys_dir != keys_dir:
        _keyring = Keyring(keys_dir, os.environ.get("CUSTOS_MASTER_KEY") or None)
    return _keyring
