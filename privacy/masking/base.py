"""Building blocks of the masking operators: keys, dialects, the operator base class.

Pure Python (no Django). Keys are *passed in* through a :class:`KeyProvider`; the Django
side (``privacy.keys.DataKeyStore``) provides managed, sealed, rotatable keys and
:class:`StaticKeys` serves tests and offline tools.
"""

from __future__ import annotations

import datetime as dt
import functools
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar, Protocol

import sqlglot
from sqlglot import exp

#: Canonical SQL dialect names (sqlglot's); ``postgresql`` and ``mariadb`` are aliases.
DIALECTS = ("sqlite", "postgres", "mysql")
_ALIASES = {"postgresql": "postgres", "mariadb": "mysql", "sqlite3": "sqlite"}

#: Data-key purposes.
PSEUDONYM = "pseudonym"
TOKENISE = "tokenise"


class MaskingError(ValueError):
    """Bad operator name, bad parameters, or a value/token that cannot be processed."""


class NotSqlCapable(MaskingError):
    """The operator has no SQL form in this dialect: apply it in Python after the query."""


@dataclass(frozen=True)
class KeyMaterial:
    """One data key. ``secret`` never appears in ``repr`` (and so never in logs)."""

    kid: str
    secret: bytes = field(repr=False)


class KeyProvider(Protocol):
    """Where operators get their keys: the active key of a purpose, or a key by id."""

    def active(self, purpose: str) -> KeyMaterial: ...

    def by_kid(self, kid: str) -> KeyMaterial: ...


class StaticKeys:
    """A fixed set of keys: ``StaticKeys({"pseudonym": [k1], "tokenise": [old, new]})``.

    The last key of each purpose is the active one; all keys open by id.
    """

    def __init__(self, keys: Mapping[str, list[KeyMaterial]]) -> None:
        self._keys = {purpose: list(items) for purpose, items in keys.items()}
        self._by_kid = {k.kid: k for items in self._keys.values() for k in items}

    def active(self, purpose: str) -> KeyMaterial:
        items = self._keys.get(purpose)
        if not items:
            raise MaskingError(f"no {purpose} key")
        return items[-1]

    def by_kid(self, kid: str) -> KeyMaterial:
        try:
            return self._by_kid[kid]
        except KeyError:
            raise MaskingError(f"unknown key id {kid!r}") from None


def canonical_dialect(dialect: str) -> str:
    """``postgresql`` -> ``postgres``, ``mariadb`` -> ``mysql``; unknown names raise."""
    name = _ALIASES.get(dialect.lower(), dialect.lower())
    if name not in DIALECTS:
        raise MaskingError(f"unsupported dialect {dialect!r} (sqlite, postgres, mysql/mariadb)")
    return name


def as_text(value: object) -> str:
    """The text form every SQL dialect gives a value under ``CAST(x AS TEXT/CHAR)``.

    Pseudonyms and tokens are defined over this form, so Python and SQL agree for text,
    integers, decimals and dates (``YYYY-MM-DD``); timestamps use a space separator.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        raise MaskingError("binary values cannot be masked as text")
    return str(value)


# -- SQL templates -------------------------------------------------------------------------

#: In templates, ``__cv__`` is the masked value; other ``__c<x>__`` names are parameters.
VALUE = "__cv__"


@functools.lru_cache(maxsize=256)
def _parse(template: str, dialect: str) -> exp.Expression:
    # Parsed as a SELECT item: a bare "REPLACE(...)" would otherwise read as a statement.
    select = sqlglot.parse_one(f"SELECT {template}", read=dialect)
    if not isinstance(select, exp.Select) or len(select.expressions) != 1:
        raise MaskingError(f"bad SQL template {template!r}")  # pragma: no cover
    return select.expressions[0]


def fill(template: str, dialect: str, **slots: exp.Expression) -> exp.Expression:
    """Parse ``template`` in ``dialect`` and put expressions in its ``__c<x>__`` slots.

    ``fill("UPPER(__cv__)", "postgres", cv=column)`` fills slot ``__cv__``. Slots are replaced in one pass, so a
    slot's expression is never searched for further slots.
    """
    tree = _parse(template, dialect).copy()
    wanted = {f"__{name}__": node for name, node in slots.items()}
    for column in list(tree.find_all(exp.Column)):
        if not column.table and column.name in wanted:
            replacement = wanted[column.name].copy()
            if column is tree:
                return replacement
            column.replace(replacement)
    return tree


def literal(value: str | int) -> exp.Expression:
    """A SQL literal (string or integer), properly quoted for every dialect."""
    if isinstance(value, int):
        return exp.Literal.number(value)
    return exp.Literal.string(value)


# -- operators -----------------------------------------------------------------------------


class MaskOperator(ABC):
    """A masking operator, defined once for Python and for SQL.

    * ``apply(value, params, keys)`` masks one Python value (previews, exports, and the
      gateway's post-query path). ``None`` stays ``None`` for every operator.
    * ``sql(expr, dialect, params, keys)`` wraps a sqlglot expression so the database
      computes the same result (``NULL`` stays ``NULL``). Render the query with the same
      dialect: ``query.sql(dialect="postgres")``.
    * ``reversible``: tokens can be turned back into values (tokenise only).
    * ``sql_capable(dialect)``: False means apply it in Python after the query.
    """

    name: ClassVar[str]
    reversible: ClassVar[bool] = False
    #: Dialects with an SQL form (canonical names).
    sql_dialects: ClassVar[frozenset[str]] = frozenset(DIALECTS)
    #: Operators whose SQL form already maps NULL to NULL (or ignores the value).
    null_safe_sql: ClassVar[bool] = False
    description: ClassVar[str] = ""

    def sql_capable(self, dialect: str) -> bool:
        try:
            return canonical_dialect(dialect) in self.sql_dialects
        except MaskingError:
            return False

    def params(self, params: Mapping[str, Any] | None) -> dict[str, Any]:
        """Validated parameters with defaults filled in (raises :class:`MaskingError`)."""
        given = dict(params or {})
        defaults = self.defaults()
        unknown = set(given) - set(defaults)
        if unknown:
            raise MaskingError(f"{self.name}: unknown parameter(s) {', '.join(sorted(unknown))}")
        merged = {**defaults, **given}
        self.check(merged)
        return merged

    def defaults(self) -> dict[str, Any]:
        return {}

    def check(self, params: dict[str, Any]) -> None:  # noqa: B027 - optional hook
        """Raise :class:`MaskingError` if ``params`` are not acceptable."""

    def apply(
        self,
        value: object,
        params: Mapping[str, Any] | None = None,
        keys: KeyProvider | None = None,
    ) -> object:
        checked = self.params(params)
        if value is None:
            return None
        return self._apply(value, checked, keys)

    def sql(
        self,
        expr: exp.Expression,
        dialect: str,
        params: Mapping[str, Any] | None = None,
        keys: KeyProvider | None = None,
    ) -> exp.Expression:
        name = canonical_dialect(dialect)
        if name not in self.sql_dialects:
            raise NotSqlCapable(
                f"{self.name} has no SQL form in {name}: apply it in Python after the query"
            )
        checked = self.params(params)
        body = self._sql(expr, name, checked, keys)
        if self.null_safe_sql:
            return body
        return exp.Case(
            ifs=[exp.If(this=exp.Is(this=expr.copy(), expression=exp.Null()), true=exp.Null())],
            default=body,
        )

    @abstractmethod
    def _apply(self, value: object, params: dict[str, Any], keys: KeyProvider | None) -> object:
        """Mask a non-null value."""

    @abstractmethod
    def _sql(
        self, expr: exp.Expression, dialect: str, params: dict[str, Any], keys: KeyProvider | None
    ) -> exp.Expression:
        """The SQL form for a non-null value in canonical ``dialect``."""


def need_keys(keys: KeyProvider | None, operator: str) -> KeyProvider:
    if keys is None:
        raise MaskingError(f"{operator} needs keys (a KeyProvider)")
    return keys


def int_param(params: dict[str, Any], name: str, lo: int, hi: int) -> int:
    value = params[name]
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise MaskingError(f"{name} must be an integer between {lo} and {hi}")
    return value


def str_param(params: dict[str, Any], name: str, *, max_len: int = 200) -> str:
    value = params[name]
    if not isinstance(value, str) or len(value) > max_len:
        raise MaskingError(f"{name} must be a string of at most {max_len} characters")
    return value
