"""JSON Lines batch classification: the ``pii_classify`` contract, without Django.

In, one object per line: ``{"id", "name", "values": [...], "table"?, "comment"?}``.
Out, one object per input line, in order:
``{"id", "entity": "EMAIL_ADDRESS" | ... | null, "score": 0..1, "explanation": "..."}``
plus ``"free_text": true, "entities_in_text": [...]`` for prose holding PII.
A line that cannot be read yields ``{"id": <id or null>, "error": "..."}`` and the batch
goes on; blank lines are skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from privacy.detect.classifier import ColumnClassifier, ColumnResult, ColumnSample, get_classifier

_BATCH = 64


class _LineError(ValueError):
    def __init__(self, message: str, line_id: object = None) -> None:
        super().__init__(message)
        self.line_id = line_id


def _parse(line: str) -> tuple[object, ColumnSample]:
    try:
        payload: Any = json.loads(line)
    except json.JSONDecodeError as exc:
        raise _LineError(f"invalid JSON: {exc.msg} at column {exc.colno}") from exc
    if not isinstance(payload, dict):
        raise _LineError("expected a JSON object")
    line_id = payload.get("id")
    if isinstance(line_id, dict | list):
        raise _LineError('"id" must be a string or a number', None)
    name = payload.get("name")
    if not isinstance(name, str):
        raise _LineError('"name" must be a string', line_id)
    values = payload.get("values", [])
    if not isinstance(values, list):
        raise _LineError('"values" must be a list', line_id)
    for key in ("table", "comment", "data_type"):
        if payload.get(key) is not None and not isinstance(payload[key], str):
            raise _LineError(f'"{key}" must be a string', line_id)
    sample = ColumnSample(
        name=name,
        values=[v if not isinstance(v, dict | list) else json.dumps(v) for v in values],
        table=payload.get("table"),
        comment=payload.get("comment"),
        data_type=payload.get("data_type"),
    )
    return line_id, sample


def _render(line_id: object, result: ColumnResult, *, explain: bool) -> str:
    out: dict[str, object] = {"id": line_id, "entity": result.entity, "score": result.score}
    if result.free_text:
        out["free_text"] = True
        out["entities_in_text"] = list(result.entities_in_text)
    if explain:
        out["explanation"] = result.explain()
    return json.dumps(out, ensure_ascii=False)


def classify_jsonl(
    in_lines: Iterable[str],
    *,
    classifier: ColumnClassifier | None = None,
    explain: bool = True,
) -> Iterator[str]:
    """Classify JSON Lines input; yields one output line (no newline) per non-blank input."""
    engine = classifier or get_classifier()
    pending: list[tuple[object, ColumnSample | str]] = []

    def flush() -> Iterator[str]:
        columns = [item for _, item in pending if isinstance(item, ColumnSample)]
        results = iter(engine.classify_many(columns))
        for line_id, item in pending:
            if isinstance(item, str):
                yield json.dumps({"id": line_id, "error": item}, ensure_ascii=False)
            else:
                yield _render(line_id, next(results), explain=explain)
        pending.clear()

    for line in in_lines:
        if not line.strip():
            continue
        try:
            line_id, sample = _parse(line)
        except _LineError as exc:
            pending.append((exc.line_id, str(exc)))
        else:
            pending.append((line_id, sample))
        if len(pending) >= _BATCH:
            yield from flush()
    yield from flush()
