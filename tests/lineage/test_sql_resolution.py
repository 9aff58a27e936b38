"""Column resolution: stars, unqualified names, nesting, set operations, kinds, case rules."""

import pytest

from lineage.sql import analyze


def value_edges(result):
    return {
        (e.source, e.target, e.transform)
        for e in result.edges
        if e.transform not in ("filter", "join_key")
    }


def confidence(result, source, target):
    return next(e.confidence for e in result.edges if (e.source, e.target) == (source, target))


def test_select_star_is_expanded_from_the_schema():
    result = analyze(
        "INSERT INTO tgt SELECT * FROM src",
        "postgres",
        {"tgt": {"x": "int", "y": "int"}, "src": {"a": "int", "b": "int"}},
    )
    assert value_edges(result) == {("src.a", "tgt.x", "identity"), ("src.b", "tgt.y", "identity")}


def test_qualified_star_expands_only_its_table():
    schema = {"a": {"id": "int", "v": "int"}, "b": {"id": "int", "w": "int"}}
    result = analyze(
        "CREATE TABLE t AS SELECT b.*, a.v FROM a JOIN b ON a.id = b.id", "postgres", schema
    )
    assert value_edges(result) == {
        ("b.id", "t.id", "identity"),
        ("b.w", "t.w", "identity"),
        ("a.v", "t.v", "identity"),
    }


def test_star_without_schema_is_an_honest_partial_result():
    result = analyze("CREATE TABLE t AS SELECT * FROM raw_events", "postgres")
    assert [(e.source, e.target, e.confidence) for e in result.edges] == [
        ("raw_events.*", "t.*", 0.5)
    ]
    assert any("without schema" in w for w in result.warnings)


def test_star_except_drops_columns():
    result = analyze(
        "SELECT * EXCEPT (ssn) FROM people", "bigquery", {"people": {"id": "int", "ssn": "string"}}
    )
    assert value_edges(result) == {("people.id", "id", "identity")}


def test_unqualified_columns_are_resolved_with_the_schema():
    schema = {
        "orders": {"id": "int", "cid": "int", "amount": "int"},
        "customers": {"id": "int", "email": "t"},
    }
    result = analyze(
        "SELECT amount, email FROM orders o JOIN customers c ON o.cid = c.id", "postgres", schema
    )
    assert value_edges(result) == {
        ("orders.amount", "amount", "identity"),
        ("customers.email", "email", "identity"),
    }
    assert confidence(result, "orders.amount", "amount") == 1.0


def test_unqualified_columns_without_schema_are_split_with_low_confidence():
    result = analyze("SELECT amount FROM orders o JOIN customers c ON o.cid = c.id", "postgres")
    assert value_edges(result) == {
        ("orders.amount", "amount", "identity"),
        ("customers.amount", "amount", "identity"),
    }
    assert confidence(result, "orders.amount", "amount") == 0.5
    assert result.warnings


def test_other_sources_known_columns_narrow_the_guess():
    result = analyze(
        "SELECT amount FROM orders o JOIN customers c ON o.cid = c.id",
        "postgres",
        {"customers": {"id": "int", "email": "text"}},
    )
    assert value_edges(result) == {("orders.amount", "amount", "identity")}
    assert confidence(result, "orders.amount", "amount") == 0.8


def test_schema_keys_with_fewer_parts_match_by_suffix():
    result = analyze(
        "SELECT email FROM analytics.public.users",
        "postgres",
        {"public.users": {"email": "text"}},
    )
    assert result.tables_read == ["analytics.public.users"]
    result = analyze("SELECT email FROM users", "postgres", {"shop.public.users": {"email": "t"}})
    assert result.tables_read == ["shop.public.users"]
    assert value_edges(result) == {("shop.public.users.email", "email", "identity")}


def test_nested_ctes_and_subqueries():
    result = analyze(
        """WITH a AS (SELECT id, price * qty AS revenue FROM sales.lines),
                b AS (SELECT id, SUM(revenue) AS total FROM a GROUP BY id),
                c AS (SELECT x.id, x.total FROM (SELECT * FROM b WHERE total > 0) AS x)
        INSERT INTO mart.rev (id, total) SELECT id, total FROM c""",
        "postgres",
    )
    assert value_edges(result) == {
        ("sales.lines.id", "mart.rev.id", "identity"),
        ("sales.lines.price", "mart.rev.total", "aggregate"),
        ("sales.lines.qty", "mart.rev.total", "aggregate"),
    }
    assert result.tables_read == ["sales.lines"]


def test_cte_shadows_a_table_of_the_same_name():
    result = analyze(
        "WITH orders AS (SELECT id FROM raw.orders_v2) SELECT id FROM orders", "postgres"
    )
    assert result.tables_read == ["raw.orders_v2"]


@pytest.mark.parametrize(
    ("operator", "right_kind"),
    [
        ("UNION", "identity"),
        ("UNION ALL", "identity"),
        ("INTERSECT", "identity"),
        ("EXCEPT", "filter"),
    ],
)
def test_set_operations(operator, right_kind):
    result = analyze(f"INSERT INTO t (x) SELECT a FROM t1 {operator} SELECT b FROM t2", "postgres")
    edges = {(e.source, e.target, e.transform) for e in result.edges}
    assert ("t1.a", "t.x", "identity") in edges
    assert ("t2.b", "t.x", right_kind) in edges


def test_scalar_and_correlated_subqueries():
    result = analyze(
        "SELECT u.id, (SELECT MAX(o.amount) FROM orders o WHERE o.uid = u.id) AS top FROM users u",
        "postgres",
    )
    assert ("orders.amount", "top", "aggregate") in value_edges(result)
    assert ("orders.uid", "top", "filter") in {
        (e.source, e.target, e.transform) for e in result.edges
    }


@pytest.mark.parametrize("dialect", ["snowflake", "redshift", "databricks", "duckdb"])
def test_lateral_column_aliases(dialect):
    result = analyze("SELECT price * qty AS total, total * 0.2 AS tax FROM lines", dialect)
    assert value_edges(result) == {
        ("lines.price", "total", "expression"),
        ("lines.qty", "total", "expression"),
        ("lines.price", "tax", "expression"),
        ("lines.qty", "tax", "expression"),
    }


@pytest.mark.parametrize(
    ("expression", "kind"),
    [
        ("email", "identity"),
        ("CAST(email AS VARCHAR(10))", "identity"),
        ("(email)", "identity"),
        ("UPPER(email)", "expression"),
        ("email || '@x'", "expression"),
        ("CASE WHEN email LIKE '%@%' THEN 'ok' ELSE 'bad' END", "case"),
        ("MD5(email)", "hash"),
        ("SHA2(email, 256)", "hash"),
        ("SHA256(email)", "hash"),
        ("COUNT(email)", "count"),
        ("COUNT(DISTINCT email)", "count"),
        ("MAX(email)", "aggregate"),
        ("STRING_AGG(email, ',')", "expression"),
        ("ARRAY_AGG(email)", "expression"),
        ("LAG(email) OVER (ORDER BY id)", "window"),
        ("SUM(MD5(email))", "aggregate"),
        ("MD5(UPPER(email))", "hash"),
        ("COALESCE(email, MD5(email))", "expression"),
    ],
)
def test_transform_kinds(expression, kind):
    result = analyze(f"SELECT {expression} AS out FROM users", "postgres")
    assert (("users.email", "out", kind)) in value_edges(result)
    assert len([e for e in result.edges if e.source == "users.email"]) == 1


def test_window_partition_and_order_columns():
    result = analyze(
        "SELECT ROW_NUMBER() OVER (PARTITION BY dept ORDER BY salary DESC) AS rn FROM emp", "spark"
    )
    assert value_edges(result) == {("emp.dept", "rn", "window"), ("emp.salary", "rn", "window")}


def test_join_keys_and_filters_reach_every_target_column():
    result = analyze(
        "INSERT INTO t (a) SELECT x.a FROM x JOIN y ON x.k = y.k WHERE y.flag = 1 HAVING 1 = 1",
        "postgres",
    )
    edges = {(e.source, e.target, e.transform) for e in result.edges}
    assert edges == {
        ("x.a", "t.a", "identity"),
        ("x.k", "t.a", "join_key"),
        ("y.k", "t.a", "join_key"),
        ("y.flag", "t.a", "filter"),
    }


def test_join_using_columns_are_join_keys():
    result = analyze("SELECT a.v FROM a JOIN b USING (k)", "postgres")
    assert {(e.source, e.transform) for e in result.edges if e.transform == "join_key"} == {
        ("a.k", "join_key"),
        ("b.k", "join_key"),
    }


def test_unnest_and_lateral_flatten():
    bq = analyze("SELECT t.id, tag FROM ds.t AS t, UNNEST(t.tags) AS tag", "bigquery")
    assert ("ds.t.tags", "tag", "expression") in value_edges(bq)
    sf = analyze("SELECT f.value AS v FROM raw.t, LATERAL FLATTEN(input => t.arr) f", "snowflake")
    assert ("raw.t.arr", "v", "expression") in value_edges(sf)


def test_postgres_quoted_identifiers_keep_case_unquoted_fold():
    result = analyze('SELECT "UserId", Email FROM "Sales"."Orders"', "postgres")
    assert result.tables_read == ["Sales.Orders"]
    assert value_edges(result) == {
        ("Sales.Orders.UserId", "UserId", "identity"),
        ("Sales.Orders.email", "email", "identity"),
    }


def test_snowflake_upper_case_folds_to_the_same_lowercase_name():
    result = analyze(
        'SELECT ORDERS.AMOUNT, "ORDERS"."ID", "MixedCase" FROM DB.PUBLIC.ORDERS', "snowflake"
    )
    assert result.tables_read == ["db.public.orders"]
    assert value_edges(result) == {
        ("db.public.orders.amount", "amount", "identity"),
        ("db.public.orders.id", "id", "identity"),
        ("db.public.orders.MixedCase", "MixedCase", "identity"),
    }


def test_snowflake_schema_with_stored_upper_case_names_matches():
    result = analyze(
        "SELECT * FROM orders",
        "snowflake",
        {"DB.PUBLIC.ORDERS": {"ID": "NUMBER", "AMOUNT": "NUMBER"}},
    )
    assert value_edges(result) == {
        ("db.public.orders.id", "id", "identity"),
        ("db.public.orders.amount", "amount", "identity"),
    }


@pytest.mark.parametrize("dialect", ["tsql", "bigquery", "mysql", "sqlite", "duckdb", "hive"])
def test_case_insensitive_dialects_lowercase_everything(dialect):
    quote = {"tsql": '"', "bigquery": "`", "mysql": "`", "hive": "`"}.get(dialect, '"')
    result = analyze(f"SELECT {quote}Amount{quote} FROM Sales.Orders", dialect)
    assert value_edges(result) == {("sales.orders.amount", "amount", "identity")}


def test_fqn_parts_containing_dots_are_quoted():
    result = analyze('SELECT "a.b" FROM "my.schema"."t"', "postgres")
    assert value_edges(result) == {('"my.schema".t."a.b"', '"a.b"', "identity")}


def test_bigquery_backquoted_path_is_split_into_parts():
    result = analyze("SELECT id FROM `proj.dataset.events`", "bigquery")
    assert result.tables_read == ["proj.dataset.events"]


def test_duckdb_file_scans_are_pseudo_tables():
    result = analyze(
        "CREATE TABLE t AS SELECT id FROM read_parquet('s3://lake/x.parquet')", "duckdb"
    )
    assert result.tables_read == ['"s3://lake/x.parquet"']


def test_default_catalog_and_schema_qualify_names():
    result = analyze("SELECT a FROM t", "snowflake", default_catalog="DW", default_schema="RAW")
    assert result.tables_read == ["dw.raw.t"]


def test_derived_table_column_aliases_rename_outputs():
    result = analyze(
        "INSERT INTO od (o, d) SELECT x.a, x.b FROM (SELECT origin, dest FROM flights) AS x(a, b)",
        "postgres",
    )
    assert value_edges(result) == {
        ("flights.origin", "od.o", "identity"),
        ("flights.dest", "od.d", "identity"),
    }
