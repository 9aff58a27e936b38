"""Operators without keys: nullify, redact, partial, generalise.

Each class holds the Python implementation and the SQL templates per dialect side by
side, so the two cannot drift apart unnoticed (tests compare them on every engine).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlglot import exp

from privacy.masking.base import (
    KeyProvider,
    MaskingError,
    MaskOperator,
    as_text,
    fill,
    int_param,
    literal,
    str_param,
)

# ``CAST(x AS TEXT)`` per dialect (MySQL/MariaDB has no TEXT cast target).
_TEXT = {
    "sqlite": "CAST(__cv__ AS TEXT)",
    "postgres": "CAST(__cv__ AS TEXT)",
    "mysql": "CAST(__cv__ AS CHAR)",
}


class Nullify(MaskOperator):
    name = "nullify"
    null_safe_sql = True
    description = "Replace every value with NULL."

    def _apply(self, value: object, params: dict[str, Any], keys: KeyProvider | None) -> object:
        return None

    def _sql(
        self, expr: exp.Expression, dialect: str, params: dict[str, Any], keys: KeyProvider | None
    ) -> exp.Expression:
        return exp.Null()


class Redact(MaskOperator):
    name = "redact"
    description = "Replace every non-null value with a constant (default '[REDACTED]')."

    def defaults(self) -> dict[str, Any]:
        return {"value": "[REDACTED]"}

    def check(self, params: dict[str, Any]) -> None:
        str_param(params, "value")

    def _apply(self, value: object, params: dict[str, Any], keys: KeyProvider | None) -> object:
        return params["value"]

    def _sql(
        self, expr: exp.Expression, dialect: str, params: dict[str, Any], keys: KeyProvider | None
    ) -> exp.Expression:
        return literal(params["value"])


class Partial(MaskOperator):
    """Keep the last ``keep`` characters (``mode="last"``) or an e-mail's domain.

    ``last``: ``4111111111111111`` -> ``************1111``; a value no longer than
    ``keep`` is masked entirely. ``email``: ``ana@example.com`` -> ``***@example.com``
    (everything after the first ``@``); a value without ``@`` becomes ``***``.
    """

    name = "partial"
    description = "Keep the last N characters, or the domain of an e-mail address."

    _LAST = {
        "postgres": (
            "CASE WHEN LENGTH({t}) <= __cn__ THEN REPEAT(__cc__, LENGTH({t})) "
            "ELSE REPEAT(__cc__, LENGTH({t}) - __cn__) || RIGHT({t}, __cn__) END"
        ),
        "mysql": (
            "CASE WHEN CHAR_LENGTH({t}) <= __cn__ THEN REPEAT(__cc__, CHAR_LENGTH({t})) "
            "ELSE CONCAT(REPEAT(__cc__, CHAR_LENGTH({t}) - __cn__), RIGHT({t}, __cn__)) END"
        ),
        # SQLite has no REPEAT: hex(zeroblob(n)) is n "00" pairs, each replaced by the mask.
        "sqlite": (
            "CASE WHEN LENGTH({t}) <= __cn__ "
            "THEN REPLACE(HEX(ZEROBLOB(LENGTH({t}))), '00', __cc__) "
            "ELSE REPLACE(HEX(ZEROBLOB(LENGTH({t}) - __cn__)), '00', __cc__) "
            "|| SUBSTR({t}, -__cn__) END"
        ),
    }
    _EMAIL = {
        "postgres": (
            "CASE WHEN STRPOS({t}, '@') > 0 "
            "THEN __cm__ || '@' || SUBSTR({t}, STRPOS({t}, '@') + 1) ELSE __cm__ END"
        ),
        "mysql": (
            "CASE WHEN LOCATE('@', {t}) > 0 "
            "THEN CONCAT(__cm__, '@', SUBSTRING({t}, LOCATE('@', {t}) + 1)) ELSE __cm__ END"
        ),
        "sqlite": (
            "CASE WHEN INSTR({t}, '@') > 0 "
            "THEN __cm__ || '@' || SUBSTR({t}, INSTR({t}, '@') + 1) ELSE __cm__ END"
        ),
    }

    def defaults(self) -> dict[str, Any]:
        return {"mode": "last", "keep": 4, "mask_char": "*"}

    def check(self, params: dict[str, Any]) -> None:
        if params["mode"] not in ("last", "email"):
            raise MaskingError("mode must be 'last' or 'email'")
        int_param(params, "keep", 0, 64)
        char = str_param(params, "mask_char", max_len=1)
        if len(char) != 1 or char == "'":
            raise MaskingError("mask_char must be one character (not a quote)")

    def _apply(self, value: object, params: dict[str, Any], keys: KeyProvider | None) -> object:
        text, char = as_text(value), params["mask_char"]
        if params["mode"] == "email":
            at = text.find("@")
            return char * 3 + text[at:] if at >= 0 else char * 3
        keep = params["keep"]
        if len(text) <= keep or keep == 0:
            return char * len(text)
        return char * (len(text) - keep) + text[-keep:]

    def _sql(
        self, expr: exp.Expression, dialect: str, params: dict[str, Any], keys: KeyProvider | None
    ) -> exp.Expression:
        text = _TEXT[dialect]
        char = params["mask_char"]
        if params["mode"] == "email":
            return fill(self._EMAIL[dialect].format(t=text), dialect, cv=expr, cm=literal(char * 3))
        keep = params["keep"]
        if keep == 0:  # SUBSTR(x, -0) is the whole string in SQLite: mask everything
            return Partial._all_masked(expr, dialect, char)
        return fill(
            self._LAST[dialect].format(t=text), dialect, cv=expr, cn=literal(keep), cc=literal(char)
        )

    @staticmethod
    def _all_masked(expr: exp.Expression, dialect: str, char: str) -> exp.Expression:
        template = {
            "postgres": "REPEAT(__cc__, LENGTH({t}))",
            "mysql": "REPEAT(__cc__, CHAR_LENGTH({t}))",
            "sqlite": "REPLACE(HEX(ZEROBLOB(LENGTH({t}))), '00', __cc__)",
        }[dialect]
        return fill(template.format(t=_TEXT[dialect]), dialect, cv=expr, cc=literal(char))


def _to_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(as_text(value).strip()[:10])
    except ValueError as exc:
        raise MaskingError("value is not a date (YYYY-MM-DD)") from exc


class Generalise(MaskOperator):
    """Coarsen a value: ``to="year"`` (date -> 1985), ``to="age_band"`` (birth date ->
    ``"30-39"`` as of ``as_of``, default today / ``CURRENT_DATE``; ``band`` years wide),
    ``to="prefix"`` (postcode ``SW1A 1AA`` -> ``SW1``, first ``keep`` characters after
    trimming spaces)."""

    name = "generalise"
    description = "Date to year, birth date to age band, or postcode to its prefix."

    _YEAR = {
        "postgres": "CAST(EXTRACT(YEAR FROM CAST(__cv__ AS DATE)) AS INT)",
        "mysql": "YEAR(__cv__)",
        "sqlite": "CAST(STRFTIME('%Y', __cv__) AS INTEGER)",
    }
    _PREFIX = {
        "postgres": "SUBSTR(TRIM(CAST(__cv__ AS TEXT)), 1, __cn__)",
        "mysql": "SUBSTRING(TRIM(CAST(__cv__ AS CHAR)), 1, __cn__)",
        "sqlite": "SUBSTR(TRIM(CAST(__cv__ AS TEXT)), 1, __cn__)",
    }
    _AGE = {
        "postgres": "CAST(DATE_PART('year', AGE(__ca__, CAST(__cv__ AS DATE))) AS INT)",
        "mysql": "TIMESTAMPDIFF(YEAR, __cv__, __ca__)",
        "sqlite": (
            "(CAST(STRFTIME('%Y', __ca__) AS INTEGER) - CAST(STRFTIME('%Y', __cv__) AS INTEGER)"
            " - (STRFTIME('%m-%d', __ca__) < STRFTIME('%m-%d', __cv__)))"
        ),
    }
    _BAND = {
        "postgres": (
            "CAST(({a} / __cn__) * __cn__ AS TEXT) || '-' "
            "|| CAST(({a} / __cn__) * __cn__ + __cn__ - 1 AS TEXT)"
        ),
        "mysql": "CONCAT(({a} DIV __cn__) * __cn__, '-', ({a} DIV __cn__) * __cn__ + __cn__ - 1)",
        "sqlite": (
            "CAST(({a} / __cn__) * __cn__ AS TEXT) || '-' "
            "|| CAST(({a} / __cn__) * __cn__ + __cn__ - 1 AS TEXT)"
        ),
    }

    def defaults(self) -> dict[str, Any]:
        return {"to": "year", "band": 10, "as_of": None, "keep": 3}

    def check(self, params: dict[str, Any]) -> None:
        if params["to"] not in ("year", "age_band", "prefix"):
            raise MaskingError("to must be 'year', 'age_band' or 'prefix'")
        int_param(params, "band", 1, 100)
        int_param(params, "keep", 1, 20)
        if params["as_of"] is not None:
            try:
                dt.date.fromisoformat(str(params["as_of"]))
            except ValueError as exc:
                raise MaskingError("as_of must be a date YYYY-MM-DD") from exc

    def _apply(self, value: object, params: dict[str, Any], keys: KeyProvider | None) -> object:
        if params["to"] == "prefix":
            return as_text(value).strip(" ")[: params["keep"]]
        born = _to_date(value)
        if params["to"] == "year":
            return born.year
        as_of = dt.date.fromisoformat(params["as_of"]) if params["as_of"] else dt.date.today()
        age = as_of.year - born.year - ((as_of.month, as_of.day) < (born.month, born.day))
        lower = (age // params["band"]) * params["band"]
        return f"{lower}-{lower + params['band'] - 1}"

    def _sql(
        self, expr: exp.Expression, dialect: str, params: dict[str, Any], keys: KeyProvider | None
    ) -> exp.Expression:
        if params["to"] == "year":
            return fill(self._YEAR[dialect], dialect, cv=expr)
        if params["to"] == "prefix":
            return fill(self._PREFIX[dialect], dialect, cv=expr, cn=literal(params["keep"]))
        if params["as_of"]:
            day = literal(str(params["as_of"]))
            as_of = day if dialect == "sqlite" else exp.cast(day, exp.DataType.build("date"))
        else:
            as_of = exp.CurrentDate()
        template = self._BAND[dialect].format(a=self._AGE[dialect])
        return fill(template, dialect, cv=expr, ca=as_of, cn=literal(params["band"]))
