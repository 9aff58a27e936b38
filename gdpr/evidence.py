"""Signed evidence documents: what was found, approved, changed and verified (no values).

``{"document": {...}, "signature": {"algorithm": "ed25519", "key_id", "public_key",
"signature"}}``; the signature covers ``canonical(document)`` (sorted-key compact JSON, the
audit chain's canonical form) and is made with the audit Ed25519 signing key
(``audit.keyfiles``). :func:`verify_signed` needs no database: ``manage.py verify_evidence
FILE [--keys audit-keys.json]`` runs it offline.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from audit.chain import canonical, signing

DOC_TYPE = "custos.gdpr.evidence"


def sign_document(document: dict[str, Any]) -> dict[str, Any]:
    from audit import keyfiles

    private = keyfiles.signing_key()
    public = signing.public_from_private(private)
    return {
        "document": document,
        "signature": {
            "algorithm": signing.ALGORITHM,
            "key_id": signing.key_id(public),
            "public_key": signing.b64(public),
            "signature": signing.sign(private, canonical(document)),
        },
    }


def digest(signed: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(signed["document"])).hexdigest()


def verify_signed(
    signed: Mapping[str, Any], trusted_keys: Mapping[str, bytes] | None = None
) -> tuple[bool, str]:
    """(ok, message). With ``trusted_keys`` the signing key must be one of them."""
    try:
        document = signed["document"]
        sig = signed["signature"]
        public = signing.unb64(str(sig["public_key"]))
    except (KeyError, TypeError, ValueError):
        return False, "not a Custos evidence document (document/signature missing)"
    if document.get("type") != DOC_TYPE:
        return False, f"unexpected document type {document.get('type')!r}"
    if signing.key_id(public) != sig.get("key_id"):
        return False, "key id does not match the embedded public key"
    if trusted_keys is not None and sig.get("key_id") not in trusted_keys:
        return False, f"signed by key {sig.get('key_id')}, which is not among the trusted keys"
    if trusted_keys is not None and trusted_keys[str(sig["key_id"])] != public:
        return False, "embedded public key differs from the trusted key with that id"
    if not signing.signature_ok(public, canonical(document), str(sig.get("signature", ""))):
        return False, "signature does not match the document (altered or forged)"
    verification = document.get("verification") or {}
    if document.get("request", {}).get("kind") == "erasure" and not verification.get("passed"):
        return False, "signature valid, but the document records a failed verification"
    return True, (
        f"evidence for request #{document.get('request', {}).get('id')} is intact; signed by "
        f"key {sig.get('key_id')} at {document.get('generated_at')}"
    )
