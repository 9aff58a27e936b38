"""Statement kinds: what each one reads, writes and derives, column by column."""

from lineage.sql import analyze


def value_edges(result):
    return {
        (e.source, e.target, e.transform)
        for e in result.edges
        if e.transform not in ("filter", "join_key")
    }


def indirect_edges(result):
    return {
        (e.source, e.target, e.transform)
        for e in result.edges
        if e.transform in ("filter", "join_key")
    }


SCHEMA = {
    "shop.public.orders": {
        "id": "int",
        "customer_id": "int",
        "amount": "numeric",
        "status": "text",
    },
    "shop.public.customers": {"id": "int", "email": "text", "name": "text"},
    "shop.mart.daily": {"customer_id": "int", "total": "numeric", "n": "int"},
}


def test_insert_select_with_column_list_maps_by_position():
    result = analyze(
        "INSERT INTO mart.t (a_out, b_out) SELECT x.a, x.b + 1 FROM raw.x AS x", "postgres"
    )
    assert result.tables_read == ["raw.x"]
    assert result.tables_written == ["mart.t"]
    assert value_edges(result) == {
        ("raw.x.a", "mart.t.a_out", "identity"),
        ("raw.x.b", "mart.t.b_out", "expression"),
    }
    assert result.statements[0].kind == "insert"


def test_insert_without_column_list_uses_target_schema_positionally():
    result = analyze(
        "INSERT INTO mart.daily SELECT customer_id, SUM(amount), COUNT(id) FROM orders "
        "GROUP BY customer_id",
        "postgres",
        SCHEMA,
        default_catalog="shop",
        default_schema="public",
    )
    assert result.tables_written == ["shop.mart.daily"]
    assert value_edges(result) == {
        ("shop.public.orders.customer_id", "shop.mart.daily.customer_id", "identity"),
        ("shop.public.orders.amount", "shop.mart.daily.total", "aggregate"),
        ("shop.public.orders.id", "shop.mart.daily.n", "count"),
    }
    assert all(e.confidence == 1.0 for e in result.edges)


def test_insert_without_column_list_or_schema_maps_by_name_with_lower_confidence():
    result = analyze("INSERT INTO tgt SELECT a, b FROM src", "postgres")
    assert value_edges(result) == {("src.a", "tgt.a", "identity"), ("src.b", "tgt.b", "identity")}
    assert all(e.confidence <= 0.6 for e in result.edges)
    assert any("mapped to it by name" in w for w in result.warnings)


def test_insert_values_writes_without_edges():
    result = analyze("INSERT INTO t (a) VALUES (1), (2)", "postgres")
    assert result.tables_written == ["t"]
    assert result.edges == []


def test_ctas_creates_columns_named_after_outputs():
    result = analyze(
        "CREATE TABLE mart.big AS SELECT o.id AS order_id, o.amount * 2 AS doubled "
        "FROM sales.orders o WHERE o.amount > 10",
        "postgres",
    )
    assert result.statements[0].kind == "ctas"
    assert value_edges(result) == {
        ("sales.orders.id", "mart.big.order_id", "identity"),
        ("sales.orders.amount", "mart.big.doubled", "expression"),
    }
    assert ("sales.orders.amount", "mart.big.order_id", "filter") in indirect_edges(result)


def test_create_view_with_column_list_renames_outputs():
    result = analyze("CREATE VIEW v (x, y) AS SELECT a, b FROM s", "postgres")
    assert result.statements[0].kind == "create_view"
    assert value_edges(result) == {("s.a", "v.x", "identity"), ("s.b", "v.y", "identity")}


def test_with_before_insert_resolves_through_the_cte():
    result = analyze(
        "WITH c AS (SELECT id, lower(email) AS e FROM crm.users) "
        "INSERT INTO mart.emails (uid, email) SELECT id, e FROM c",
        "postgres",
    )
    assert result.tables_read == ["crm.users"]
    assert value_edges(result) == {
        ("crm.users.id", "mart.emails.uid", "identity"),
        ("crm.users.email", "mart.emails.email", "expression"),
    }


def test_with_before_create_table_as():
    result = analyze("WITH c AS (SELECT id FROM s) CREATE TABLE t AS SELECT id FROM c", "postgres")
    assert value_edges(result) == {("s.id", "t.id", "identity")}


def test_tsql_insert_with_cte_inside():
    result = analyze(
        "INSERT INTO dbo.t (a) SELECT x FROM (SELECT col AS x FROM dbo.s) AS sub", "tsql"
    )
    assert value_edges(result) == {("dbo.s.col", "dbo.t.a", "identity")}


def test_merge_matched_and_not_matched_branches():
    result = analyze(
        """MERGE INTO dw.customers AS t USING staging.customers AS s ON t.id = s.id
        WHEN MATCHED AND s.deleted = 0 THEN UPDATE SET t.email = s.email, t.name = upper(s.name)
        WHEN MATCHED THEN DELETE
        WHEN NOT MATCHED THEN INSERT (id, email, name) VALUES (s.id, s.email, s.name)""",
        "snowflake",
    )
    assert result.statements[0].kind == "merge"
    assert result.tables_read == ["staging.customers"]
    assert result.tables_written == ["dw.customers"]
    assert value_edges(result) == {
        ("staging.customers.email", "dw.customers.email", "identity"),
        ("staging.customers.name", "dw.customers.name", "identity"),
        ("staging.customers.id", "dw.customers.id", "identity"),
    }  # name is upper()-ed on update but copied on insert: the weaker kind wins
    indirect = indirect_edges(result)
    assert ("staging.customers.deleted", "dw.customers.email", "filter") in indirect
    assert ("staging.customers.id", "dw.customers.email", "join_key") in indirect


def test_merge_with_subquery_source():
    result = analyze(
        "MERGE INTO t USING (SELECT id, v FROM raw.s WHERE ok) AS s ON t.id = s.id "
        "WHEN MATCHED THEN UPDATE SET v = s.v",
        "postgres",
    )
    assert result.tables_read == ["raw.s"]
    assert ("raw.s.v", "t.v", "identity") in value_edges(result)


def test_update_from_postgres():
    result = analyze(
        "UPDATE orders SET amount = s.amount * s.rate FROM fx.rates s WHERE orders.cur = s.cur",
        "postgres",
    )
    assert result.statements[0].kind == "update"
    assert result.tables_read == ["fx.rates"]
    assert result.tables_written == ["orders"]
    assert value_edges(result) == {
        ("fx.rates.amount", "orders.amount", "expression"),
        ("fx.rates.rate", "orders.amount", "expression"),
    }
    assert ("orders.cur", "orders.amount", "filter") in indirect_edges(result)


def test_update_tsql_alias_target_is_the_aliased_table():
    result = analyze(
        "UPDATE o SET o.total = s.total FROM sales.orders o JOIN stage.totals s ON o.id = s.id",
        "tsql",
    )
    assert result.tables_written == ["sales.orders"]
    assert value_edges(result) == {("stage.totals.total", "sales.orders.total", "identity")}


def test_update_mysql_join():
    result = analyze("UPDATE t JOIN s ON t.id = s.id SET t.a = s.b", "mysql")
    assert result.tables_written == ["t"]
    assert result.tables_read == ["s"]
    assert value_edges(result) == {("s.b", "t.a", "identity")}


def test_delete_reads_only_its_filter_tables():
    result = analyze("DELETE FROM t WHERE id IN (SELECT id FROM banned)", "postgres")
    assert result.statements[0].kind == "delete"
    assert result.tables_read == ["banned"]
    assert result.tables_written == ["t"]


def test_select_into_creates_a_table():
    result = analyze("SELECT id, name INTO archive.people FROM crm.people", "postgres")
    assert result.statements[0].kind == "select_into"
    assert result.tables_written == ["archive.people"]
    assert value_edges(result) == {
        ("crm.people.id", "archive.people.id", "identity"),
        ("crm.people.name", "archive.people.name", "identity"),
    }


def test_create_function_and_procedure_write_nothing():
    result = analyze(
        """CREATE FUNCTION f() RETURNS int AS $$ BEGIN INSERT INTO audit VALUES (1); RETURN 1; END $$
        LANGUAGE plpgsql;
        CREATE OR REPLACE PROCEDURE p() LANGUAGE SQL AS $$ INSERT INTO t SELECT * FROM s $$""",
        "postgres",
    )
    assert [s.kind for s in result.statements] == ["create_function", "create_procedure"]
    assert result.tables_read == []
    assert result.tables_written == []


def test_tsql_procedure_with_begin_end_body_is_one_statement():
    result = analyze(
        "CREATE PROCEDURE p AS BEGIN INSERT INTO t SELECT a FROM s; UPDATE t SET a = 1; END;\n"
        "SELECT 1 AS one",
        "tsql",
    )
    assert [s.kind for s in result.statements] == ["create_procedure", "select"]
    assert result.tables_written == []


def test_copy_from_and_to_paths_are_pseudo_tables():
    result = analyze(
        "COPY raw.events FROM 's3://lake/events/2024.csv' IAM_ROLE 'arn:aws:iam::1:role/x' CSV",
        "redshift",
    )
    assert result.statements[0].kind == "copy"
    assert result.tables_read == ['"s3://lake/events/2024.csv"']
    assert result.tables_written == ["raw.events"]

    out = analyze("COPY (SELECT id, email FROM users) TO '/tmp/users.csv' WITH CSV", "postgres")
    assert out.tables_written == ['"file:/tmp/users.csv"']
    assert ("users.email", '"file:/tmp/users.csv".email', "identity") in value_edges(out)


def test_snowflake_copy_into_stage_and_table():
    result = analyze(
        "COPY INTO raw.orders FROM @landing/orders/ FILE_FORMAT=(TYPE=CSV);"
        "COPY INTO @export/orders FROM (SELECT id, amount FROM raw.orders)",
        "snowflake",
    )
    assert result.statements[0].tables_read == ["@landing/orders/"]
    assert result.statements[0].tables_written == ["raw.orders"]
    assert result.statements[1].tables_written == ["@export/orders"]
    assert ("raw.orders.amount", "@export/orders.amount", "identity") in value_edges(result)


def test_redshift_unload_parses_the_quoted_query():
    result = analyze(
        "UNLOAD ('SELECT id, email FROM crm.users WHERE country = ''FR''') "
        "TO 's3://exports/users_' IAM_ROLE 'arn:x'",
        "redshift",
    )
    assert result.statements[0].kind == "unload"
    assert result.tables_read == ["crm.users"]
    assert result.tables_written == ["s3://exports/users_"]
    assert ("crm.users.email", "s3://exports/users_.email", "identity") in value_edges(result)


def test_hive_insert_overwrite_table_and_directory():
    result = analyze(
        "INSERT OVERWRITE TABLE dw.t SELECT a FROM ods.s;"
        "INSERT OVERWRITE DIRECTORY 'hdfs://out/x' SELECT a FROM ods.s",
        "hive",
    )
    assert result.tables_written == ["dw.t", "hdfs://out/x"]


def test_snowflake_clone_copies_every_known_column():
    result = analyze(
        "CREATE TABLE backup_orders CLONE orders",
        "snowflake",
        {"orders": {"ID": "int", "AMOUNT": "n"}},
    )
    assert result.tables_read == ["orders"]
    assert value_edges(result) == {
        ("orders.id", "backup_orders.id", "identity"),
        ("orders.amount", "backup_orders.amount", "identity"),
    }


def test_plain_select_targets_are_bare_output_names():
    result = analyze("SELECT id AS user_id FROM users", "postgres")
    assert result.statements[0].kind == "select"
    assert result.tables_written == []
    assert value_edges(result) == {("users.id", "user_id", "identity")}


def test_ddl_and_session_statements_have_no_lineage():
    result = analyze(
        "CREATE INDEX i ON t (a); BEGIN; COMMIT; GRANT SELECT ON t TO bob; TRUNCATE TABLE t",
        "postgres",
    )
    assert result.tables_read == []
    assert result.errors == []
    assert result.statements[-1].kind == "truncate"
    assert result.tables_written == ["t"]
