"""Presidio-based redaction of PII inside free text (Python only).

Uses the offline analyzer of :mod:`privacy.detect` (blank spaCy, pattern recognizers),
so it runs without any model download. ``"Call me on +44 20 7946 0958"`` ->
``"Call me on <PHONE_NUMBER>"``.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from privacy.masking.base import KeyProvider, MaskingError, MaskOperator, as_text, str_param

#: Entities redacted by default and the minimum recognizer score for each (as the
#: classifier's free-text scan uses them).
TEXT_ENTITIES: dict[str, float] = {
    "EMAIL_ADDRESS": 0.5,
    "PHONE_NUMBER": 0.4,
    "CREDIT_CARD": 0.5,
    "IBAN_CODE": 0.5,
    "IP_ADDRESS": 0.5,
    "US_SSN": 0.5,
    "IN_AADHAAR": 0.5,
    "IN_PAN": 0.6,
    "NATIONAL_ID": 0.6,
    "PASSPORT": 0.6,
    "FREQUENT_FLYER_NUMBER": 0.6,
    "POSTAL_ADDRESS": 0.6,
}
_MAX_TEXT = 100_000


class RedactText(MaskOperator):
    """Replace PII found inside text with ``<ENTITY>``. Params: ``entities`` (subset of
    :data:`TEXT_ENTITIES`), ``replacement`` (``{entity}`` is filled in)."""

    name = "redact_text"
    sql_dialects = frozenset()
    description = "Replace PII inside free text with <ENTITY> placeholders (Presidio, offline)."

    def defaults(self) -> dict[str, Any]:
        return {"entities": None, "replacement": "<{entity}>"}

    def check(self, params: dict[str, Any]) -> None:
        str_param(params, "replacement", max_len=100)
        wanted = params["entities"]
        if wanted is not None and (
            not isinstance(wanted, list) or not set(wanted) <= set(TEXT_ENTITIES)
        ):
            raise MaskingError(f"entities must be a list among {', '.join(TEXT_ENTITIES)}")

    def _apply(self, value: object, params: dict[str, Any], keys: KeyProvider | None) -> object:
        from privacy.detect.engine import get_analyzer  # heavy: load on first use

        text = as_text(value)
        if len(text) > _MAX_TEXT:
            raise MaskingError(f"text longer than {_MAX_TEXT} characters")
        if not any(ch.isdigit() or ch == "@" for ch in text):
            return text  # every recognizer here needs a digit or an '@'
        wanted = sorted(params["entities"] or TEXT_ENTITIES)
        found = [
            r
            for r in get_analyzer().analyze(text, language="en", entities=wanted)
            if r.score >= TEXT_ENTITIES.get(r.entity_type, 1.1)
        ]
        # Longest, best match first; drop matches overlapping one already kept.
        found.sort(key=lambda r: (-(r.end - r.start), -r.score, r.start))
        kept: list[Any] = []
        for r in found:
            if all(r.end <= k.start or r.start >= k.end for k in kept):
                kept.append(r)
        out = text
        for r in sorted(kept, key=lambda r: r.start, reverse=True):
            label = params["replacement"].replace("{entity}", r.entity_type)
            out = out[: r.start] + label + out[r.end :]
        return out

    def _sql(
        self, expr: exp.Expression, dialect: str, params: dict[str, Any], keys: KeyProvider | None
    ) -> exp.Expression:  # pragma: no cover - sql() refuses before calling this
        raise NotImplementedError
