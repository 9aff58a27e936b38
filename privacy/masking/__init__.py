"""Masking operators, defined once for Python and for SQL (pure: no Django).

Usage (the query gateway and previews/exports)::

    from privacy.masking import get_operator

    op = get_operator("partial")
    op.apply("4111111111111111", {"keep": 4})            # '************1111'
    if op.sql_capable("postgres"):
        masked = op.sql(sqlglot.exp.column("card"), "postgres", {"keep": 4})
        query = select.select(masked.as_("card"))         # render with dialect="postgres"
    else:
        ...  # run the query unmasked for this column and op.apply() each value

Operators (``OPERATORS``; ``params`` in brackets, defaults shown):

============  ===================================================  ==========================
name          what                                                 SQL
============  ===================================================  ==========================
nullify       NULL                                                 sqlite, postgres, mysql
redact        constant [value="[REDACTED]"]                        sqlite, postgres, mysql
partial       keep last N [mode="last", keep=4, mask_char="*"];    sqlite, postgres, mysql
              e-mail domain [mode="email"]
generalise    [to="year"|"age_band"|"prefix", band=10,             sqlite, postgres, mysql
              as_of=None (today), keep=3]
pseudonym     HMAC-SHA256 hex [length=32, kid=None]                sqlite (UDF), postgres, mysql
tokenise      reversible ``tok:<kid>:<b64>`` AES-SIV [kid=None]    sqlite (UDF) only
redact_text   PII inside prose -> ``<ENTITY>`` [entities, replacement]  none (Python)
============  ===================================================  ==========================

Every operator maps NULL to NULL. ``mysql`` covers MariaDB (``mariadb`` is an alias);
``postgresql`` is an alias of ``postgres``. Keys come from a :class:`KeyProvider`
(``privacy.keys.data_keys()`` in Django; :class:`StaticKeys` elsewhere). On SQLite call
:func:`register_sqlite_functions` on each connection before running masked SQL.
"""

from __future__ import annotations

from privacy.masking.base import (
    DIALECTS,
    PSEUDONYM,
    TOKENISE,
    KeyMaterial,
    KeyProvider,
    MaskingError,
    MaskOperator,
    NotSqlCapable,
    StaticKeys,
    as_text,
    canonical_dialect,
)
from privacy.masking.crypto import (
    PSEUDONYM_KEY_BYTES,
    TOKENISE_KEY_BYTES,
    Pseudonym,
    Tokenise,
    detokenise,
    register_sqlite_functions,
    token_kid,
)
from privacy.masking.simple import Generalise, Nullify, Partial, Redact
from privacy.masking.text import RedactText

OPERATORS: dict[str, MaskOperator] = {
    op.name: op
    for op in (
        Nullify(),
        Redact(),
        Partial(),
        Generalise(),
        Pseudonym(),
        Tokenise(),
        RedactText(),
    )
}
_ALIASES = {"generalize": "generalise", "tokenize": "tokenise", "null": "nullify"}


def get_operator(name: str) -> MaskOperator:
    """The operator called ``name`` (US spellings accepted); :class:`MaskingError` if none."""
    key = _ALIASES.get(name, name)
    try:
        return OPERATORS[key]
    except KeyError:
        raise MaskingError(
            f"unknown masking operator {name!r} (known: {', '.join(OPERATORS)})"
        ) from None


__all__ = [
    "DIALECTS",
    "OPERATORS",
    "PSEUDONYM",
    "PSEUDONYM_KEY_BYTES",
    "TOKENISE",
    "TOKENISE_KEY_BYTES",
    "KeyMaterial",
    "KeyProvider",
    "MaskOperator",
    "MaskingError",
    "NotSqlCapable",
    "StaticKeys",
    "as_text",
    "canonical_dialect",
    "detokenise",
    "get_operator",
    "register_sqlite_functions",
    "token_kid",
]
