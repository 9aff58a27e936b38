"""The lineage_parse JSON Lines contract and the public API surface."""

import json

from lineage.sql import ColumnEdge, LineageResult, SchemaIndex, analyze, to_contract


def test_contract_shape():
    result = analyze("INSERT INTO t (a) SELECT md5(x) FROM s", "postgres")
    out = to_contract(result, id=7)
    assert out == {
        "id": 7,
        "tables": {"read": ["s"], "write": ["t"]},
        "columns": [{"source": "s.x", "target": "t.a", "transform": "hash", "confidence": 0.9}],
    }
    json.dumps(out)  # plain JSON types only


def test_contract_reports_errors_alongside_partial_lineage():
    out = to_contract(analyze("INSERT INTO t SELECT a FROM s; SELECT FROM WHERE", "postgres"), "q1")
    assert out["tables"]["write"] == ["t"]
    assert "statement 2" in out["error"]


def test_contract_of_an_empty_result_has_no_error_key():
    out = to_contract(LineageResult(), id=None)
    assert out == {"id": None, "tables": {"read": [], "write": []}, "columns": []}


def test_edges_are_frozen_value_objects():
    edge = ColumnEdge("a.b", "c.d", "identity", 1.0)
    assert edge == ColumnEdge("a.b", "c.d", "identity", 1.0)
    assert hash(edge)


def test_prepared_schema_index_gives_the_same_answer_as_a_mapping():
    schema = {"db.s.t": {"a": "int", "b": "int"}}
    sql = "INSERT INTO db.s.u SELECT * FROM t"
    assert (
        analyze(sql, "postgres", SchemaIndex(schema)).edges
        == analyze(sql, "postgres", schema).edges
    )


def test_every_edge_kind_and_confidence_is_in_range():
    result = analyze(
        "SELECT a, sum(b) OVER (PARTITION BY c) w, count(d), md5(e), CASE WHEN f THEN g END "
        "FROM t JOIN u ON t.k = u.k WHERE h > 0",
        "postgres",
    )
    kinds = {
        "identity",
        "expression",
        "case",
        "aggregate",
        "count",
        "hash",
        "window",
        "join_key",
        "filter",
    }
    assert result.edges
    assert all(e.transform in kinds and 0 < e.confidence <= 1 for e in result.edges)


def test_malformed_schema_is_reported():
    result = analyze("SELECT 1", "postgres", {"t": 5})  # type: ignore[dict-item]
    assert result.errors
