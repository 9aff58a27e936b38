"""Ed25519 signatures over chain heads (checkpoints) and bundle manifests (no Django).

Keys travel as raw 32-byte values, base64-encoded in files and JSON. A key id is the
first 16 hex digits of sha256(public key), so a verifier can name the key it trusts.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from audit.chain import canonical

ALGORITHM = "ed25519"
CHECKPOINT_TYPE = "custos.audit.checkpoint"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    return base64.b64decode(text.encode(), validate=True)


def key_id(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()[:16]


def generate_private() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def public_from_private(private_raw: bytes) -> bytes:
    return (
        Ed25519PrivateKey.from_private_bytes(private_raw)
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )


def sign(private_raw: bytes, message: bytes) -> str:
    """Base64 Ed25519 signature of ``message``."""
    return b64(Ed25519PrivateKey.from_private_bytes(private_raw).sign(message))


def signature_ok(public_raw: bytes, message: bytes, signature: str) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(unb64(signature), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def public_pem(public_raw: bytes) -> str:
    return (
        Ed25519PublicKey.from_public_bytes(public_raw)
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def export_public_keys(public_keys: Mapping[str, bytes]) -> dict[str, Any]:
    """The JSON document auditors keep (``manage.py audit_keys``, ``GET /api/v1/audit/keys``)."""
    return {
        "algorithm": ALGORITHM,
        "keys": [
            {"key_id": kid, "public_key": b64(raw), "pem": public_pem(raw)}
            for kid, raw in public_keys.items()
        ],
    }


def load_public_keys(text: str) -> dict[str, bytes]:
    """Public keys from an exported JSON document, PEM block(s) or one raw base64 key."""
    text = text.strip()
    keys: dict[str, bytes] = {}
    if text.startswith("{"):
        doc = json.loads(text)
        for entry in doc.get("keys", []):
            raw = unb64(entry["public_key"])
            keys[key_id(raw)] = raw
        return keys
    if "-----BEGIN PUBLIC KEY-----" in text:
        for block in text.split("-----END PUBLIC KEY-----"):
            if "-----BEGIN PUBLIC KEY-----" not in block:
                continue
            pem = (block.strip() + "\n-----END PUBLIC KEY-----\n").encode()
            loaded = serialization.load_pem_public_key(pem)
            if not isinstance(loaded, Ed25519PublicKey):
                raise ValueError("not an Ed25519 public key")
            raw = loaded.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            keys[key_id(raw)] = raw
        return keys
    raw = unb64(text)
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return {key_id(raw): raw}


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement "the chain had head ``hash`` at ``seq``"."""

    seq: int
    hash: str
    signed_at: str  # ISO 8601
    key_id: str
    signature: str = ""

    def message(self) -> bytes:
        return canonical(
            {
                "type": CHECKPOINT_TYPE,
                "v": 1,
                "seq": self.seq,
                "hash": self.hash,
                "signed_at": self.signed_at,
                "key_id": self.key_id,
            }
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Checkpoint:
        return cls(
            seq=int(data["seq"]),
            hash=str(data["hash"]),
            signed_at=str(data["signed_at"]),
            key_id=str(data["key_id"]),
            signature=str(data["signature"]),
        )


def sign_checkpoint(private_raw: bytes, *, seq: int, head_hash: str, signed_at: str) -> Checkpoint:
    kid = key_id(public_from_private(private_raw))
    unsigned = Checkpoint(seq, head_hash, signed_at, kid)
    return Checkpoint(seq, head_hash, signed_at, kid, sign(private_raw, unsigned.message()))


def checkpoint_problem(cp: Checkpoint, public_keys: Mapping[str, bytes]) -> str | None:
    """None if the checkpoint's signature holds under a known key, else why not."""
    raw = public_keys.get(cp.key_id)
    if raw is None:
        return f"checkpoint at seq {cp.seq} is signed by unknown key {cp.key_id}"
    if not signature_ok(raw, cp.message(), cp.signature):
        return f"checkpoint at seq {cp.seq} has an invalid signature (key {cp.key_id})"
    return None
