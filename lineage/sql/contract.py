"""The JSON Lines "out" object of ``manage.py lineage_parse`` (DESIGN.md, section 5)."""

from __future__ import annotations

from typing import Any

from lineage.sql.model import LineageResult


def to_contract(result: LineageResult, id: object) -> dict[str, Any]:
    """``{"id", "tables": {"read", "write"}, "columns": [...], "error"?}`` for ``result``.

    ``error`` is present only when some statement failed; it joins their messages. The
    other statements' lineage is still reported.
    """
    out: dict[str, Any] = {
        "id": id,
        "tables": {"read": list(result.tables_read), "write": list(result.tables_written)},
        "columns": [
            {
                "source": edge.source,
                "target": edge.target,
                "transform": edge.transform,
                "confidence": edge.confidence,
            }
            for edge in result.edges
        ],
    }
    if result.errors:
        out["error"] = "; ".join(result.errors)
    return out
