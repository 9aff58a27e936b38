"""The ``pii_classify`` JSON Lines contract (DESIGN.md section 5)."""

from __future__ import annotations

import json

from privacy.detect.jsonl import classify_jsonl


def run(lines: list[str]) -> list[dict[str, object]]:
    return [json.loads(line) for line in classify_jsonl(lines)]


def test_one_output_per_input_in_order() -> None:
    out = run(
        [
            json.dumps({"id": "a", "name": "e_mail", "values": ["x@example.com", "y@example.org"]}),
            json.dumps({"id": 2, "name": "order_id", "values": [1, 2, 3, 4, 5, 6]}),
            json.dumps({"id": "c", "name": "name", "values": ["Ana Sari"], "table": "passengers"}),
        ]
    )
    assert [o["id"] for o in out] == ["a", 2, "c"]
    assert out[0]["entity"] == "EMAIL_ADDRESS"
    assert out[1]["entity"] is None
    assert out[2]["entity"] == "PERSON"
    for item in out:
        assert set(item) >= {"id", "entity", "score"}
        assert 0.0 <= float(item["score"]) <= 1.0  # type: ignore[arg-type]
        assert isinstance(item["explanation"], str)


def test_malformed_lines_yield_errors_and_processing_continues() -> None:
    out = run(
        [
            "{not json",
            json.dumps([1, 2]),
            json.dumps({"id": 7, "values": ["a@example.com"]}),
            json.dumps({"id": 8, "name": "email", "values": "a@example.com"}),
            json.dumps({"id": 9, "name": "email", "values": ["a@example.com"]}),
        ]
    )
    assert len(out) == 5
    assert out[0] == {"id": None, "error": out[0]["error"]}
    assert "invalid JSON" in str(out[0]["error"])
    assert out[1]["id"] is None
    assert "object" in str(out[1]["error"])
    assert out[2]["id"] == 7
    assert "name" in str(out[2]["error"])
    assert out[3]["id"] == 8
    assert "values" in str(out[3]["error"])
    assert out[4] == {
        "id": 9,
        "entity": "EMAIL_ADDRESS",
        "score": out[4]["score"],
        "explanation": out[4]["explanation"],
    }


def test_blank_lines_are_skipped_and_table_is_optional() -> None:
    out = run(["", "   ", json.dumps({"id": 1, "name": "email", "values": []})])
    assert len(out) == 1
    assert out[0]["entity"] == "EMAIL_ADDRESS"


def test_free_text_fields() -> None:
    line = json.dumps(
        {"id": 1, "name": "notes", "values": ["please call me at +44 20 7946 0958 tonight"]}
    )
    (out,) = run([line])
    assert out["entity"] == "FREE_TEXT_PII"
    assert out["free_text"] is True
    assert out["entities_in_text"] == ["PHONE_NUMBER"]


def test_many_lines_are_batched_without_losing_order() -> None:
    lines = [
        json.dumps({"id": i, "name": "email" if i % 2 else "qty", "values": [f"u{i}@ex.com"]})
        for i in range(150)
    ]
    out = run(lines)
    assert [o["id"] for o in out] == list(range(150))
