"""The engine never raises, whatever it is given (property-based)."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lineage.sql import analyze, to_contract

DIALECTS = [
    None,
    "postgres",
    "mysql",
    "sqlite",
    "snowflake",
    "bigquery",
    "redshift",
    "tsql",
    "spark",
    "hive",
    "duckdb",
]

VALID = [
    "WITH c AS (SELECT a, b FROM s WHERE x > 1) INSERT INTO t (p, q) SELECT a, SUM(b) FROM c GROUP BY a",
    "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v "
    "WHEN NOT MATCHED THEN INSERT (id, v) VALUES (s.id, s.v)",
    "CREATE TEMP TABLE tmp AS SELECT * FROM raw; INSERT INTO out SELECT id, md5(email) FROM tmp",
    "UPDATE t SET a = s.b FROM s WHERE t.id = s.id; DELETE FROM t WHERE a IS NULL",
    "SELECT x.a, (SELECT max(b) FROM y WHERE y.k = x.k) m FROM x UNION SELECT 1, 2",
    "CREATE PROCEDURE p AS BEGIN SELECT 1; END; COPY t FROM 's3://b/k.csv'",
    "SELECT a, a + 1 AS b, b * 2 AS c, ROW_NUMBER() OVER (PARTITION BY d ORDER BY e) FROM t",
]

TOKENS = [
    "SELECT",
    "FROM",
    "WHERE",
    "INSERT",
    "INTO",
    "VALUES",
    "WITH",
    "AS",
    "(",
    ")",
    ",",
    ";",
    "*",
    "a",
    "b.c",
    "t",
    "JOIN",
    "ON",
    "=",
    "UNION",
    "MERGE",
    "USING",
    "WHEN",
    "MATCHED",
    "THEN",
    "UPDATE",
    "SET",
    "CREATE",
    "TABLE",
    "VIEW",
    "BEGIN",
    "END",
    "CASE",
    "'str'",
    "1",
    "$$",
    "--",
    "/*",
    "*/",
    '"q"',
    "`b`",
    "[x]",
    "#tmp",
    "@stage",
    "OVER",
    "PARTITION",
    "BY",
    "GROUP",
    "ALTER",
    "RENAME",
    "TO",
    "DROP",
    "COPY",
    "GO",
    "\n",
]

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check(sql, dialect):
    result = analyze(sql, dialect)
    out = to_contract(result, id=1)
    assert isinstance(out["columns"], list)
    for statement in result.statements:
        assert statement.error is None or isinstance(statement.error, str)


@FAST
@given(st.text(max_size=200), st.sampled_from(DIALECTS))
def test_random_text_never_raises(sql, dialect):
    check(sql, dialect)


@FAST
@given(st.sampled_from(VALID), st.integers(min_value=0, max_value=400), st.sampled_from(DIALECTS))
def test_truncated_valid_sql_never_raises(sql, cut, dialect):
    check(sql[: cut % (len(sql) + 1)], dialect)


@FAST
@given(st.lists(st.sampled_from(TOKENS), max_size=40), st.sampled_from(DIALECTS))
def test_token_soup_never_raises(tokens, dialect):
    check(" ".join(tokens), dialect)
