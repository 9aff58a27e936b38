"""Multi-statement scripts: temp tables, CTAS chains, renames, errors, splitting."""

from lineage.sql import analyze


def edges(result):
    return {(e.source, e.target, e.transform) for e in result.edges}


def test_temp_table_is_resolved_through_to_real_sources():
    result = analyze(
        """CREATE TEMP TABLE recent AS SELECT id, email, created_at FROM crm.users
               WHERE created_at > now() - interval '1 day';
        INSERT INTO mart.new_users (user_id, email_hash)
            SELECT id, md5(email) FROM recent;""",
        "postgres",
    )
    assert result.tables_read == ["crm.users"]
    assert result.tables_written == ["mart.new_users"]
    assert edges(result) >= {
        ("crm.users.id", "mart.new_users.user_id", "identity"),
        ("crm.users.email", "mart.new_users.email_hash", "hash"),
        ("crm.users.created_at", "mart.new_users.email_hash", "filter"),
    }
    assert not any("recent" in e.source or "recent" in e.target for e in result.edges)
    # the statement-level view still shows the temporary table
    assert result.statements[1].tables_read == ["recent"]


def test_tsql_hash_temp_tables_and_select_into():
    result = analyze(
        """SELECT c.id, c.email INTO #active FROM dbo.customers c WHERE c.active = 1;
        INSERT INTO dbo.mailing (cid, mail) SELECT id, email FROM #active;
        DROP TABLE #active;""",
        "tsql",
    )
    assert result.tables_read == ["dbo.customers"]
    assert result.tables_written == ["dbo.mailing"]
    assert ("dbo.customers.email", "dbo.mailing.mail", "identity") in edges(result)
    assert result.statements[0].tables_written == ["#active"]


def test_created_then_dropped_table_is_intermediate():
    result = analyze(
        "CREATE TABLE stage AS SELECT a FROM src; INSERT INTO dst (x) SELECT a FROM stage; DROP TABLE stage",
        "postgres",
    )
    assert result.tables_read == ["src"]
    assert result.tables_written == ["dst"]
    assert edges(result) == {("src.a", "dst.x", "identity")}


def test_permanent_ctas_feeding_a_later_statement_is_kept_but_not_a_source():
    result = analyze(
        "CREATE TABLE stg.orders AS SELECT id, amount FROM raw.orders;"
        "INSERT INTO mart.totals SELECT SUM(amount) AS total FROM stg.orders",
        "postgres",
    )
    assert result.tables_read == ["raw.orders"]
    assert result.tables_written == ["stg.orders", "mart.totals"]
    assert ("stg.orders.amount", "mart.totals.total", "aggregate") in edges(result)


def test_script_schema_accumulates_for_star_and_positional_insert():
    result = analyze(
        """CREATE TABLE t1 (a INT, b TEXT);
        CREATE TABLE t2 AS SELECT * FROM t1;
        ALTER TABLE t2 ADD COLUMN c INT;
        INSERT INTO t3 SELECT * FROM t2;""",
        "postgres",
        {"t3": {"x": "int", "y": "text", "z": "int"}},
    )
    assert ("t2.a", "t3.x", "identity") in edges(result)
    assert ("t2.b", "t3.y", "identity") in edges(result)
    assert ("t2.c", "t3.z", "identity") in edges(result)
    assert ("t1.a", "t2.a", "identity") in edges(result)


def test_rename_moves_lineage_to_the_new_name():
    result = analyze(
        """CREATE TABLE daily_new AS SELECT d, COUNT(*) AS n, SUM(v) AS s FROM events GROUP BY d;
        DROP TABLE IF EXISTS daily;
        ALTER TABLE daily_new RENAME TO daily;
        INSERT INTO report (day, total) SELECT d, s FROM daily;""",
        "postgres",
    )
    assert result.tables_read == ["events"]
    assert "daily" in result.tables_written
    assert "daily_new" not in result.tables_written
    assert ("events.v", "daily.s", "aggregate") in edges(result)
    assert ("daily.s", "report.total", "identity") in edges(result)


def test_rename_of_a_temp_table_still_resolves():
    result = analyze(
        "CREATE TEMP TABLE a AS SELECT x FROM src; ALTER TABLE a RENAME TO b;"
        "INSERT INTO dst (y) SELECT x FROM b",
        "postgres",
    )
    assert ("src.x", "dst.y", "identity") in edges(result)


def test_star_through_a_temp_table_without_schema_passes_names():
    result = analyze(
        "CREATE TEMP TABLE t AS SELECT * FROM raw.events; INSERT INTO out (id) SELECT id FROM t",
        "postgres",
    )
    edge = next(e for e in result.edges if e.target == "out.id")
    assert edge.source == "raw.events.id"
    assert edge.confidence <= 0.7


def test_use_sets_defaults_for_later_statements():
    result = analyze("USE SCHEMA analytics.core; SELECT a FROM t", "snowflake")
    assert result.tables_read == ["analytics.core.t"]
    result = analyze("USE shop; SELECT a FROM t", "mysql")
    assert result.tables_read == ["shop.t"]
    result = analyze("SET search_path TO staging; SELECT a FROM t", "postgres")
    assert result.tables_read == ["staging.t"]


def test_broken_statement_is_reported_and_others_still_analysed():
    result = analyze(
        "INSERT INTO a SELECT x FROM b; SELEC broken stuff; INSERT INTO c (y) SELECT z FROM (d; "
        "INSERT INTO e (w) SELECT v FROM f",
        "postgres",
    )
    kinds = [s.kind for s in result.statements]
    assert kinds[0] == "insert"
    assert kinds[-1] == "insert"
    assert [s.error is not None for s in result.statements] == [False, True, True, False]
    assert result.tables_written == ["a", "e"]
    assert len(result.errors) == 2


def test_unterminated_string_falls_back_to_character_split():
    result = analyze("INSERT INTO a SELECT x FROM b; SELECT 'oops FROM c", "postgres")
    assert result.statements[0].error is None
    assert result.statements[0].tables_written == ["a"]
    assert result.statements[-1].error is not None


def test_semicolons_in_strings_comments_and_dollar_quotes_do_not_split():
    result = analyze(
        "SELECT 'a;b' AS s FROM t; -- trailing; comment\n/* ; */ SELECT $$x;y$$ AS d FROM u;",
        "postgres",
    )
    assert len(result.statements) == 2
    assert result.errors == []


def test_tsql_go_separates_batches():
    result = analyze("SELECT a FROM t\nGO\nSELECT b FROM u\nGO", "tsql")
    assert [s.tables_read for s in result.statements] == [["t"], ["u"]]


def test_empty_and_comment_only_scripts():
    assert analyze("", "postgres").statements == []
    assert analyze("  -- nothing\n /* here */ ;;", "postgres").statements == []


def test_unknown_dialect_is_an_error_not_an_exception():
    result = analyze("SELECT 1", "no-such-dialect")
    assert result.errors
    assert "unknown dialect" in result.errors[0]


def test_results_are_cached_but_returned_as_independent_copies():
    first = analyze("SELECT a FROM cached_t", "postgres")
    first.tables_read.append("tampered")
    first.statements[0].warnings.append("tampered")
    second = analyze("SELECT a FROM cached_t", "postgres")
    assert second.tables_read == ["cached_t"]
    assert second.statements[0].warnings == []


def test_schema_changes_invalidate_the_cache():
    sql = "SELECT * FROM t_cache"
    assert analyze(sql, "postgres", {"t_cache": {"a": "int"}}).edges[0].source == "t_cache.a"
    assert analyze(sql, "postgres", {"t_cache": {"b": "int"}}).edges[0].source == "t_cache.b"
