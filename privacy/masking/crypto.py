"""Keyed operators: deterministic pseudonyms (HMAC-SHA256) and reversible tokens (AES-SIV).

Pseudonym = the first ``length`` hex digits of ``HMAC-SHA256(key, utf8(text(value)))``.
The SQL forms compute exactly that, so a pseudonymised join key agrees whether the
database or Python masked it:

* PostgreSQL: the HMAC construction ``H((K ^ opad) || H((K ^ ipad) || m))`` over the
  built-in ``sha256()`` (PostgreSQL >= 11, no extension; equal to pgcrypto's
  ``hmac(m, K, 'sha256')``, which a test proves when pgcrypto is installable).
* MariaDB/MySQL: the same construction over ``SHA2(..., 256)`` and ``UNHEX``.
* SQLite (no hash functions): a deterministic Python function ``custos_pseudonym(kid, text,
  length)`` registered on the connection by :func:`register_sqlite_functions`.

The padded keys ``K ^ ipad`` / ``K ^ opad`` are *in the SQL text* for PostgreSQL and
MariaDB: never log rendered masked queries, and keep statement logging off for the
gateway's database role.

Tokens are ``tok:<kid>:<base64url(AES-SIV(key, text))>``: deterministic (equal values
give equal tokens, so joins and group-bys still work), authenticated, and reversible
with the key ``kid`` names, which survives rotation. No supported database has AES-SIV:
tokenise is SQL-capable on SQLite only (``custos_tokenise`` UDF); elsewhere the gateway
tokenises the result rows in Python after the query.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import sqlite3
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from sqlglot import exp

from privacy.masking.base import (
    PSEUDONYM,
    TOKENISE,
    KeyMaterial,
    KeyProvider,
    MaskingError,
    MaskOperator,
    as_text,
    fill,
    int_param,
    literal,
    need_keys,
)

TOKEN_PREFIX = "tok"
_AAD = [b"custos-token-v1"]
_BLOCK = 64  # SHA-256 block size in bytes
PSEUDONYM_KEY_BYTES = 32
TOKENISE_KEY_BYTES = 64  # AES-SIV with AES-256 needs a 512-bit key


def pseudonym_of(text: str, secret: bytes, length: int = 32) -> str:
    """The pseudonym of ``text`` under ``secret`` (lowercase hex, ``length`` digits)."""
    return hmac.new(secret, text.encode("utf-8"), hashlib.sha256).hexdigest()[:length]


def _pads(secret: bytes) -> tuple[str, str]:
    """Hex of ``K ^ ipad`` and ``K ^ opad`` (RFC 2104; keys longer than a block are hashed)."""
    key = hashlib.sha256(secret).digest() if len(secret) > _BLOCK else secret
    key = key.ljust(_BLOCK, b"\0")
    inner = bytes(b ^ 0x36 for b in key)
    outer = bytes(b ^ 0x5C for b in key)
    return inner.hex(), outer.hex()


def _key_for(keys: KeyProvider, purpose: str, kid: str | None) -> KeyMaterial:
    return keys.by_kid(kid) if kid else keys.active(purpose)


class Pseudonym(MaskOperator):
    """Deterministic pseudonym (HMAC-SHA256, managed key). Params: ``length`` (8-64 hex
    digits, default 32), ``kid`` (pin a key id; default: the active pseudonym key)."""

    name = "pseudonym"
    description = "Deterministic HMAC-SHA256 pseudonym; stable across runs, joins still work."

    _HMAC = {
        "postgres": (
            "SUBSTR(ENCODE(SHA256(DECODE(__co__, 'hex') || SHA256(DECODE(__ci__, 'hex') "
            "|| CONVERT_TO(CAST(__cv__ AS TEXT), 'UTF8'))), 'hex'), 1, __cn__)"
        ),
        "mysql": (
            "SUBSTRING(SHA2(CONCAT(UNHEX(__co__), UNHEX(SHA2(CONCAT(UNHEX(__ci__), "
            "CONVERT(CAST(__cv__ AS CHAR) USING utf8mb4)), 256))), 256), 1, __cn__)"
        ),
        "sqlite": "custos_pseudonym(__ck__, CAST(__cv__ AS TEXT), __cn__)",
    }

    def defaults(self) -> dict[str, Any]:
        return {"length": 32, "kid": None}

    def check(self, params: dict[str, Any]) -> None:
        int_param(params, "length", 8, 64)
        if params["kid"] is not None and not isinstance(params["kid"], str):
            raise MaskingError("kid must be a string")

    def _apply(self, value: object, params: dict[str, Any], keys: KeyProvider | None) -> object:
        key = _key_for(need_keys(keys, self.name), PSEUDONYM, params["kid"])
        return pseudonym_of(as_text(value), key.secret, params["length"])

    def _sql(
        self, expr: exp.Expression, dialect: str, params: dict[str, Any], keys: KeyProvider | None
    ) -> exp.Expression:
        key = _key_for(need_keys(keys, self.name), PSEUDONYM, params["kid"])
        length = literal(params["length"])
        if dialect == "sqlite":
            return fill(self._HMAC[dialect], dialect, cv=expr, ck=literal(key.kid), cn=length)
        inner, outer = _pads(key.secret)
        return fill(
            self._HMAC[dialect], dialect, cv=expr, ci=literal(inner), co=literal(outer), cn=length
        )


def tokenise_text(text: str, key: KeyMaterial) -> str:
    blob = AESSIV(key.secret).encrypt(text.encode("utf-8"), _AAD)
    return f"{TOKEN_PREFIX}:{key.kid}:{base64.urlsafe_b64encode(blob).decode().rstrip('=')}"


def token_kid(token: str) -> str:
    """The key id inside a token (raises :class:`MaskingError` if it is not a token)."""
    parts = token.split(":", 2) if isinstance(token, str) else []
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1] or not parts[2]:
        raise MaskingError("not a Custos token (tok:<kid>:<data>)")
    return parts[1]


def detokenise(token: str, keys: KeyProvider) -> str:
    """The original text of ``token``; raises :class:`MaskingError` if it is not valid."""
    kid = token_kid(token)
    blob = token.split(":", 2)[2]
    try:
        raw = base64.urlsafe_b64decode(blob + "=" * (-len(blob) % 4))
    except ValueError as exc:
        raise MaskingError("token data is not base64") from exc
    key = keys.by_kid(kid)
    try:
        return AESSIV(key.secret).decrypt(raw, _AAD).decode("utf-8")
    except (InvalidTag, ValueError) as exc:
        raise MaskingError("token failed authentication") from exc


class Tokenise(MaskOperator):
    """Reversible deterministic token ``tok:<kid>:<b64>`` (AES-SIV). Params: ``kid``."""

    name = "tokenise"
    reversible = True
    sql_dialects = frozenset({"sqlite"})
    description = "Reversible deterministic token (AES-SIV); detokenise is audited."

    def defaults(self) -> dict[str, Any]:
        return {"kid": None}

    def _apply(self, value: object, params: dict[str, Any], keys: KeyProvider | None) -> object:
        key = _key_for(need_keys(keys, self.name), TOKENISE, params["kid"])
        return tokenise_text(as_text(value), key)

    def _sql(
        self, expr: exp.Expression, dialect: str, params: dict[str, Any], keys: KeyProvider | None
    ) -> exp.Expression:
        key = _key_for(need_keys(keys, self.name), TOKENISE, params["kid"])
        return fill(
            "custos_tokenise(__ck__, CAST(__cv__ AS TEXT))", dialect, cv=expr, ck=literal(key.kid)
        )


def register_sqlite_functions(conn: sqlite3.Connection, keys: KeyProvider) -> None:
    """Register ``custos_pseudonym`` and ``custos_tokenise`` on a SQLite connection.

    SQLite has no hash or cipher functions, so the SQL forms of ``pseudonym`` and
    ``tokenise`` call these deterministic Python functions. Keys are looked up by id
    through ``keys``; no key material appears in the SQL. With SQLAlchemy::

        @sqlalchemy.event.listens_for(engine, "connect")
        def _(dbapi_conn, _record):
            register_sqlite_functions(dbapi_conn, keys)
    """

    def pseudonym(kid: str, text: str | None, length: int) -> str | None:
        if text is None:
            return None
        return pseudonym_of(text, keys.by_kid(kid).secret, int(length))

    def tokenise(kid: str, text: str | None) -> str | None:
        return None if text is None else tokenise_text(text, keys.by_kid(kid))

    conn.create_function("custos_pseudonym", 3, pseudonym, deterministic=True)
    conn.create_function("custos_tokenise", 2, tokenise, deterministic=True)
