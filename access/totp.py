"""RFC 6238 time-based one-time passwords (pure: no Django).

Secrets are 20 random bytes (160 bits, RFC 4226's recommendation), shown to the user once
as base32 and as an ``otpauth://`` URI for authenticator apps. Codes are 6 digits over
30-second steps; one step of clock drift either way is accepted, and a step once used is
refused afterwards (no replay of an observed code).
"""

from __future__ import annotations

import base64
import secrets
import time
from urllib.parse import quote, urlencode

from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor import InvalidToken
from cryptography.hazmat.primitives.twofactor.totp import TOTP

DIGITS = 6
STEP_SECONDS = 30
DRIFT_STEPS = 1
ISSUER = "Custos"


def new_secret() -> bytes:
    return secrets.token_bytes(20)


def to_base32(secret: bytes) -> str:
    return base64.b32encode(secret).decode().rstrip("=")


def provisioning_uri(secret: bytes, account: str, issuer: str = ISSUER) -> str:
    label = quote(f"{issuer}:{account}")
    query = urlencode(
        {
            "secret": to_base32(secret),
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": STEP_SECONDS,
        }
    )
    return f"otpauth://totp/{label}?{query}"


def _totp(secret: bytes) -> TOTP:
    # HMAC-SHA1 is what RFC 6238 and every authenticator app use; HMAC is not a plain hash.
    return TOTP(secret, DIGITS, SHA1(), STEP_SECONDS, enforce_key_length=True)  # noqa: S303


def code_at(secret: bytes, when: float) -> str:
    return _totp(secret).generate(int(when)).decode()


def verify(secret: bytes, code: str, *, last_step: int = 0, now: float | None = None) -> int | None:
    """The time step ``code`` belongs to, or None (wrong, malformed or already used)."""
    code = (code or "").replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    now = time.time() if now is None else now
    current = int(now) // STEP_SECONDS
    totp = _totp(secret)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if step <= last_step:
            continue
        try:
            totp.verify(code.encode(), step * STEP_SECONDS)
        except InvalidToken:
            continue
        return step
    return None
