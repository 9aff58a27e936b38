"""Gateway: read-only enforcement, resolution errors, limits, timeout, API contract."""

from __future__ import annotations

from typing import Any

import pytest

from access.gateway.parse import QueryRejected, parse_readonly

REJECTED = [
    ("DELETE FROM raw_passengers", "not_read_only"),
    ("UPDATE raw_passengers SET email = 'x'", "not_read_only"),
    ("INSERT INTO raw_passengers (passenger_id) VALUES (1)", "not_read_only"),
    ("DROP TABLE raw_passengers", "not_read_only"),
    ("CREATE TABLE x AS SELECT * FROM raw_passengers", "not_read_only"),
    ("SELECT 1; DELETE FROM raw_passengers", "multiple_statements"),
    ("SELECT * INTO copy FROM raw_passengers", "not_read_only"),
    ("SELECT * FROM raw_passengers FOR UPDATE", "not_read_only"),
    ("WITH d AS (DELETE FROM raw_passengers RETURNING *) SELECT * FROM d", "not_read_only"),
    ("SELECT pg_sleep(10)", "function_denied"),
    ("SELECT query_to_xml('select * from raw.passengers', true, true, '')", "function_denied"),
    ("SELECT set_config('statement_timeout', '0', false)", "function_denied"),
    ("SELECT nextval('seq')", "function_denied"),
    ("SELECT my_audit_writer(email) FROM raw_passengers", "function_denied"),
    ("PRAGMA query_only = 0", "not_read_only"),
    ("", "invalid_sql"),
    ("SELEC email FRM", "invalid_sql"),
    ("SELECT * FROM generate_series(1, 10)", "not_supported"),
]


@pytest.mark.parametrize(("sql", "code"), REJECTED)
def test_parse_rejects_anything_not_read_only(sql: str, code: str) -> None:
    dialect = "postgres" if "pg_" in sql or "query_to" in sql or "generate" in sql else "sqlite"
    with pytest.raises(QueryRejected) as info:
        parse_readonly(sql, dialect)
    assert info.value.code == code, (sql, info.value)


@pytest.mark.parametrize(
    ("sql", "dialect"),
    [
        ("SELECT sleep(5)", "mysql"),
        ("SELECT benchmark(1000000, md5('x'))", "mysql"),
        ("SELECT load_file('/etc/passwd')", "mysql"),
        ("SELECT load_extension('x')", "sqlite"),
        ("SELECT get_lock('a', 10)", "mysql"),
    ],
)
def test_side_effect_functions_are_denied_per_dialect(sql: str, dialect: str) -> None:
    with pytest.raises(QueryRejected):
        parse_readonly(sql, dialect)


def test_read_only_queries_parse() -> None:
    for sql in [
        "SELECT 1",
        "WITH a AS (SELECT 1 AS x) SELECT x FROM a",
        "SELECT 1 UNION SELECT 2",
        "VALUES (1), (2)",
    ]:
        parse_readonly(sql, "sqlite")


pytestmark_db = pytest.mark.django_db


@pytest.mark.django_db
def test_query_api_contract_and_errors(api: Any, alice: Any, admin: Any, pii_source: Any) -> None:
    client = api(alice)
    ok = client.post(
        "/api/v1/query",
        {"source": "air", "sql": "SELECT passenger_id, email FROM raw_passengers", "limit": 5},
        format="json",
    )
    assert ok.status_code == 200, ok.content
    body = ok.json()
    assert body["columns"] == ["passenger_id", "email"]
    assert body["row_count"] == 5 and body["truncated"] is True
    assert {"column": "air.airline.main.raw_passengers.email", "operator": "nullify"} in body[
        "masks"
    ]
    assert "sql_executed" not in body  # admins only
    assert (
        "sql_executed"
        in api(admin)
        .post("/api/v1/query/", {"source": "air", "sql": "SELECT 1"}, format="json")
        .json()
    )
    cases = [
        ({"source": "air", "sql": "DELETE FROM raw_passengers"}, 400, "not_read_only"),
        ({"source": "air", "sql": "SELECT * FROM no_such_table"}, 404, "not_found"),
        ({"source": "air", "sql": "SELECT * FROM sqlite_master"}, 404, "not_found"),
        ({"source": "air", "sql": "SELECT nope FROM raw_passengers"}, 400, "unknown_column"),
        ({"source": "nope", "sql": "SELECT 1"}, 404, "not_found"),
        ({"source": "air"}, 400, "validation_error"),
        ({"source": "air", "sql": "SELECT 1", "limit": 0}, 400, "validation_error"),
        ({"source": "air", "sql": "SELECT 1", "limit": "many"}, 400, "validation_error"),
        (
            {"source": "air", "sql": "SELECT * FROM raw_passengers LIMIT (SELECT 1)"},
            400,
            "not_supported",
        ),
    ]
    for data, status, code in cases:
        resp = client.post("/api/v1/query", data, format="json")
        assert resp.status_code == status, (data, resp.content)
        assert resp.json()["error"]["code"] == code, (data, resp.json())
    assert (
        client.post("/api/v1/query", "not json", content_type="application/json").status_code == 400
    )


@pytest.mark.django_db
def test_row_limit_and_truncation(run_sql: Any, alice: Any, settings: Any) -> None:
    settings.CUSTOS_QUERY_MAX_ROWS = 7
    out = run_sql(alice, "SELECT passenger_id FROM raw_passengers", limit=1000)
    assert out.row_count == 7 and out.truncated
    out = run_sql(alice, "SELECT passenger_id FROM raw_passengers LIMIT 3")
    assert out.row_count == 3 and not out.truncated


@pytest.mark.django_db
def test_statement_timeout_cancels_long_queries(run_sql: Any, alice: Any, settings: Any) -> None:
    from custos.errors import DomainError

    settings.CUSTOS_QUERY_TIMEOUT_SECONDS = 0.3
    slow = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
    with pytest.raises(DomainError) as info:
        run_sql(alice, slow)
    assert info.value.code == "query_timeout"


@pytest.mark.django_db
def test_connection_is_read_only_even_if_sql_got_through(pii_source: Any) -> None:
    """Defence in depth: the executor's connection refuses writes by itself."""
    from access.gateway import execute
    from catalog.services import source_dsn

    with pytest.raises(execute.ExecutionFailed):
        execute.run(source_dsn(pii_source), "DELETE FROM raw_passengers", limit=10, timeout_s=5)
    out = execute.run(
        source_dsn(pii_source), "SELECT count(*) FROM raw_passengers", limit=10, timeout_s=5
    )
    assert out.rows[0][0] == 200


@pytest.mark.django_db
@pytest.mark.sources
def test_postgres_connection_read_only_and_timeout(
    admin: Any, alice: Any, pg_demo_url: str, settings: Any
) -> None:
    from access.gateway import execute
    from access.gateway.engine import run_query
    from custos.errors import DomainError
    from tests.access.conftest import register

    with pytest.raises(execute.ExecutionFailed):
        execute.run(pg_demo_url, "DELETE FROM raw.passengers", limit=10, timeout_s=5)
    with pytest.raises(execute.ExecutionFailed) as info:
        execute.run(pg_demo_url, "SELECT pg_sleep(3)", limit=10, timeout_s=0.2)
    assert info.value.timeout
    register(admin, "pg", pg_demo_url)
    settings.CUSTOS_QUERY_TIMEOUT_SECONDS = 0.2
    with pytest.raises(DomainError) as err:
        run_query(
            user=alice,
            source="pg",
            sql="SELECT count(*) FROM raw.bookings a, raw.bookings b, raw.bookings c",
        )
    assert err.value.code == "query_timeout"


@pytest.mark.django_db
@pytest.mark.sources
def test_mariadb_connection_read_only(my_demo_url: str) -> None:
    from access.gateway import execute

    db = my_demo_url.rsplit("/", 1)[1]
    with pytest.raises(execute.ExecutionFailed):
        execute.run(my_demo_url, f"DELETE FROM {db}_raw.passengers", limit=10, timeout_s=5)
    with pytest.raises(execute.ExecutionFailed) as info:
        execute.run(my_demo_url, "SELECT SLEEP(3)", limit=10, timeout_s=0.3)
    assert info.value.timeout or "interrupt" in info.value.detail.lower() or info.value.detail


@pytest.mark.django_db
def test_every_query_is_audited_without_values(api: Any, alice: Any, pii_source: Any) -> None:
    from audit.models import AuditEvent

    api(alice).post(
        "/api/v1/query",
        {"source": "air", "sql": "SELECT first_name, city FROM raw_passengers LIMIT 2"},
        format="json",
    )
    api(alice).post(
        "/api/v1/query", {"source": "air", "sql": "DROP TABLE raw_passengers"}, format="json"
    )
    ok = AuditEvent.objects.filter(action="access.query").latest("seq")
    assert ok.changes["row_count"] == 2 and ok.changes["sql"].startswith("SELECT first_name")
    assert ok.changes["masks"] == [
        {"column": "air.airline.main.raw_passengers.first_name", "operator": "nullify"}
    ]
    assert "duration_ms" in ok.changes and "rows" not in ok.changes
    assert AuditEvent.objects.filter(
        action="access.query.rejected", changes__error="not_read_only"
    ).exists()


@pytest.mark.django_db
def test_preview_and_export_use_the_same_engine(api: Any, alice: Any, pii_source: Any) -> None:
    from audit.models import AuditEvent

    prev = api(alice).get("/api/v1/tables/air.airline.main.raw_passengers/preview?limit=3")
    assert prev.status_code == 200, prev.content
    cols = prev.json()["columns"]
    assert all(r[cols.index("email")] is None for r in prev.json()["rows"])
    csv = api(alice).post(
        "/api/v1/query/export",
        {"source": "air", "sql": "SELECT email, city FROM raw_passengers"},
        format="json",
    )
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode().splitlines()
    assert (
        lines[0] == "email,city"
        and len(lines) == 201
        and all(line.startswith(",") for line in lines[1:])
    )
    purposes = set(
        AuditEvent.objects.filter(action="access.query").values_list("changes__purpose", flat=True)
    )
    assert {"preview", "export"} <= purposes
