"""Lineage benchmark cases with hand-written expected answers.

Each case gives the SQL, its dialect, an optional schema, and the truth a careful human
would write down:

* ``read`` / ``write`` — script-level tables: real sources (not temporary tables, not
  tables the script itself created earlier) and final targets (temporary tables
  excluded). Names are lower-case, as qualified as the SQL writes them.
* ``columns`` — script-level *value* lineage ``"source.column -> target.column"`` (no
  filter / join-key influence, through temporary tables to real sources), or ``None``
  where the case has no target table (a plain SELECT): then only tables are scored.

Plain Python on purpose: no YAML/JSON loader, and readable diffs. The expected answers
were written from the SQL, not from any tool's output.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Case:
    name: str
    dialect: str
    sql: str
    read: frozenset[str]
    write: frozenset[str]
    columns: frozenset[str] | None
    schema: dict[str, dict[str, str]] = field(default_factory=dict)


def case(
    name: str,
    dialect: str,
    sql: str,
    read: set[str],
    write: set[str],
    columns: set[str] | None,
    schema: dict[str, dict[str, str]] | None = None,
) -> Case:
    return Case(
        name,
        dialect,
        sql,
        frozenset(read),
        frozenset(write),
        None if columns is None else frozenset(columns),
        schema or {},
    )


AIRLINE = {
    "raw.bookings": {
        "booking_id": "int",
        "passenger_id": "int",
        "flight_id": "int",
        "fare": "numeric",
        "currency": "text",
        "booked_at": "timestamp",
        "status": "text",
    },
    "raw.passengers": {
        "passenger_id": "int",
        "first_name": "text",
        "last_name": "text",
        "email": "text",
        "passport_no": "text",
        "birth_date": "date",
    },
    "raw.flights": {
        "flight_id": "int",
        "flight_no": "text",
        "origin": "text",
        "destination": "text",
        "departs_at": "timestamp",
        "aircraft_id": "int",
    },
    "raw.fx_rates": {"currency": "text", "rate_to_eur": "numeric", "day": "date"},
}

CASES: list[Case] = [
    # ---------------------------------------------------------------- basic DML
    case(
        "insert_select_column_list",
        "postgres",
        "INSERT INTO stg.bookings (id, pax, amount) "
        "SELECT b.booking_id, b.passenger_id, b.fare FROM raw.bookings b WHERE b.status = 'OK'",
        {"raw.bookings"},
        {"stg.bookings"},
        {
            "raw.bookings.booking_id -> stg.bookings.id",
            "raw.bookings.passenger_id -> stg.bookings.pax",
            "raw.bookings.fare -> stg.bookings.amount",
        },
    ),
    case(
        "insert_select_positional_schema",
        "postgres",
        "INSERT INTO mart.fare_by_flight SELECT flight_id, SUM(fare), COUNT(*) "
        "FROM raw.bookings GROUP BY flight_id",
        {"raw.bookings"},
        {"mart.fare_by_flight"},
        {
            "raw.bookings.flight_id -> mart.fare_by_flight.flight_id",
            "raw.bookings.fare -> mart.fare_by_flight.revenue",
        },
        {**AIRLINE, "mart.fare_by_flight": {"flight_id": "int", "revenue": "n", "bookings": "int"}},
    ),
    case(
        "insert_select_star_schema",
        "postgres",
        "INSERT INTO archive.flights SELECT * FROM raw.flights",
        {"raw.flights"},
        {"archive.flights"},
        {
            f"raw.flights.{c} -> archive.flights.{c}"
            for c in (
                "flight_id",
                "flight_no",
                "origin",
                "destination",
                "departs_at",
                "aircraft_id",
            )
        },
        AIRLINE,
    ),
    case(
        "ctas_simple",
        "postgres",
        "CREATE TABLE stg.passengers AS SELECT passenger_id, lower(email) AS email, "
        "first_name || ' ' || last_name AS full_name FROM raw.passengers",
        {"raw.passengers"},
        {"stg.passengers"},
        {
            "raw.passengers.passenger_id -> stg.passengers.passenger_id",
            "raw.passengers.email -> stg.passengers.email",
            "raw.passengers.first_name -> stg.passengers.full_name",
            "raw.passengers.last_name -> stg.passengers.full_name",
        },
    ),
    case(
        "create_view_columns",
        "postgres",
        "CREATE VIEW mart.v_routes (route, n) AS SELECT origin || '-' || destination, "
        "COUNT(*) FROM raw.flights GROUP BY 1",
        {"raw.flights"},
        {"mart.v_routes"},
        {
            "raw.flights.origin -> mart.v_routes.route",
            "raw.flights.destination -> mart.v_routes.route",
        },
    ),
    case(
        "create_or_replace_view_join",
        "snowflake",
        "CREATE OR REPLACE VIEW MART.V_PAX_FLIGHTS AS SELECT P.EMAIL, F.FLIGHT_NO, B.FARE "
        "FROM RAW.BOOKINGS B JOIN RAW.PASSENGERS P ON P.PASSENGER_ID = B.PASSENGER_ID "
        "JOIN RAW.FLIGHTS F ON F.FLIGHT_ID = B.FLIGHT_ID",
        {"raw.bookings", "raw.passengers", "raw.flights"},
        {"mart.v_pax_flights"},
        {
            "raw.passengers.email -> mart.v_pax_flights.email",
            "raw.flights.flight_no -> mart.v_pax_flights.flight_no",
            "raw.bookings.fare -> mart.v_pax_flights.fare",
        },
    ),
    case(
        "with_before_insert",
        "postgres",
        "WITH eur AS (SELECT b.booking_id, b.fare * r.rate_to_eur AS fare_eur FROM raw.bookings b "
        "JOIN raw.fx_rates r ON r.currency = b.currency) "
        "INSERT INTO stg.bookings_eur (booking_id, fare_eur) SELECT booking_id, fare_eur FROM eur",
        {"raw.bookings", "raw.fx_rates"},
        {"stg.bookings_eur"},
        {
            "raw.bookings.booking_id -> stg.bookings_eur.booking_id",
            "raw.bookings.fare -> stg.bookings_eur.fare_eur",
            "raw.fx_rates.rate_to_eur -> stg.bookings_eur.fare_eur",
        },
    ),
    case(
        "with_before_ctas",
        "postgres",
        "WITH x AS (SELECT flight_id, departs_at::date AS day FROM raw.flights) "
        "CREATE TABLE stg.flight_days AS SELECT day, COUNT(flight_id) AS flights FROM x GROUP BY day",
        {"raw.flights"},
        {"stg.flight_days"},
        {
            "raw.flights.departs_at -> stg.flight_days.day",
            "raw.flights.flight_id -> stg.flight_days.flights",
        },
    ),
    case(
        "ctas_with_inside",
        "redshift",
        "CREATE TABLE mart.top_routes AS WITH r AS (SELECT origin, destination, COUNT(*) AS n "
        "FROM raw.flights GROUP BY 1, 2) SELECT origin, destination, n FROM r WHERE n > 100",
        {"raw.flights"},
        {"mart.top_routes"},
        {
            "raw.flights.origin -> mart.top_routes.origin",
            "raw.flights.destination -> mart.top_routes.destination",
        },
    ),
    case(
        "nested_ctes",
        "postgres",
        """INSERT INTO mart.pax_value (passenger_id, lifetime_eur, tier)
        WITH b AS (SELECT passenger_id, fare, currency FROM raw.bookings WHERE status = 'OK'),
             e AS (SELECT b.passenger_id, b.fare * f.rate_to_eur AS eur FROM b
                   JOIN raw.fx_rates f ON f.currency = b.currency),
             t AS (SELECT passenger_id, SUM(eur) AS total FROM e GROUP BY passenger_id)
        SELECT passenger_id, total, CASE WHEN total > 5000 THEN 'gold' ELSE 'std' END FROM t""",
        {"raw.bookings", "raw.fx_rates"},
        {"mart.pax_value"},
        {
            "raw.bookings.passenger_id -> mart.pax_value.passenger_id",
            "raw.bookings.fare -> mart.pax_value.lifetime_eur",
            "raw.fx_rates.rate_to_eur -> mart.pax_value.lifetime_eur",
            "raw.bookings.fare -> mart.pax_value.tier",
            "raw.fx_rates.rate_to_eur -> mart.pax_value.tier",
        },
    ),
    case(
        "nested_subqueries",
        "mysql",
        "INSERT INTO mart.busy_days (day, n) SELECT d, cnt FROM (SELECT day AS d, COUNT(*) AS cnt "
        "FROM (SELECT DATE(departs_at) AS day FROM raw.flights) x GROUP BY day) y WHERE cnt > 10",
        {"raw.flights"},
        {"mart.busy_days"},
        {"raw.flights.departs_at -> mart.busy_days.day"},
    ),
    case(
        "union_all",
        "postgres",
        "INSERT INTO stg.contacts (email) SELECT email FROM raw.passengers "
        "UNION ALL SELECT contact_email FROM raw.agents",
        {"raw.passengers", "raw.agents"},
        {"stg.contacts"},
        {
            "raw.passengers.email -> stg.contacts.email",
            "raw.agents.contact_email -> stg.contacts.email",
        },
    ),
    case(
        "union_three_branches",
        "bigquery",
        "CREATE TABLE ds.all_ids AS SELECT id FROM ds.a UNION DISTINCT SELECT id FROM ds.b "
        "UNION DISTINCT SELECT ref AS id FROM ds.c",
        {"ds.a", "ds.b", "ds.c"},
        {"ds.all_ids"},
        {"ds.a.id -> ds.all_ids.id", "ds.b.id -> ds.all_ids.id", "ds.c.ref -> ds.all_ids.id"},
    ),
    case(
        "intersect",
        "postgres",
        "INSERT INTO stg.repeat_pax (pid) SELECT passenger_id FROM raw.bookings_2023 "
        "INTERSECT SELECT passenger_id FROM raw.bookings_2024",
        {"raw.bookings_2023", "raw.bookings_2024"},
        {"stg.repeat_pax"},
        {
            "raw.bookings_2023.passenger_id -> stg.repeat_pax.pid",
            "raw.bookings_2024.passenger_id -> stg.repeat_pax.pid",
        },
    ),
    case(
        "except",
        "postgres",
        "INSERT INTO stg.lost_pax (pid) SELECT passenger_id FROM raw.bookings_2023 "
        "EXCEPT SELECT passenger_id FROM raw.bookings_2024",
        {"raw.bookings_2023", "raw.bookings_2024"},
        {"stg.lost_pax"},
        {"raw.bookings_2023.passenger_id -> stg.lost_pax.pid"},
    ),
    # ---------------------------------------------------------------- resolution
    case(
        "unqualified_with_schema",
        "postgres",
        "INSERT INTO mart.booking_pax (booking_id, email) SELECT booking_id, email "
        "FROM raw.bookings b JOIN raw.passengers p ON p.passenger_id = b.passenger_id",
        {"raw.bookings", "raw.passengers"},
        {"mart.booking_pax"},
        {
            "raw.bookings.booking_id -> mart.booking_pax.booking_id",
            "raw.passengers.email -> mart.booking_pax.email",
        },
        AIRLINE,
    ),
    case(
        "star_join_schema",
        "postgres",
        "CREATE TABLE stg.fx AS SELECT r.*, b.booking_id FROM raw.fx_rates r "
        "JOIN raw.bookings b ON b.currency = r.currency",
        {"raw.fx_rates", "raw.bookings"},
        {"stg.fx"},
        {
            "raw.fx_rates.currency -> stg.fx.currency",
            "raw.fx_rates.rate_to_eur -> stg.fx.rate_to_eur",
            "raw.fx_rates.day -> stg.fx.day",
            "raw.bookings.booking_id -> stg.fx.booking_id",
        },
        AIRLINE,
    ),
    case(
        "star_in_cte_with_schema",
        "snowflake",
        "CREATE TABLE stg.fx_latest AS WITH f AS (SELECT * FROM raw.fx_rates) "
        "SELECT currency, MAX(rate_to_eur) AS rate FROM f GROUP BY currency",
        {"raw.fx_rates"},
        {"stg.fx_latest"},
        {
            "raw.fx_rates.currency -> stg.fx_latest.currency",
            "raw.fx_rates.rate_to_eur -> stg.fx_latest.rate",
        },
        AIRLINE,
    ),
    case(
        "scalar_subquery",
        "postgres",
        "INSERT INTO mart.flight_load (flight_id, pax) SELECT f.flight_id, "
        "(SELECT COUNT(*) FROM raw.bookings b WHERE b.flight_id = f.flight_id) FROM raw.flights f",
        {"raw.flights", "raw.bookings"},
        {"mart.flight_load"},
        {"raw.flights.flight_id -> mart.flight_load.flight_id"},
    ),
    case(
        "in_subquery_filter",
        "postgres",
        "INSERT INTO stg.vip (email) SELECT email FROM raw.passengers "
        "WHERE passenger_id IN (SELECT passenger_id FROM raw.loyalty WHERE tier = 'gold')",
        {"raw.passengers", "raw.loyalty"},
        {"stg.vip"},
        {"raw.passengers.email -> stg.vip.email"},
    ),
    case(
        "window_functions",
        "postgres",
        "CREATE TABLE stg.last_booking AS SELECT passenger_id, booking_id, "
        "ROW_NUMBER() OVER (PARTITION BY passenger_id ORDER BY booked_at DESC) AS rn "
        "FROM raw.bookings",
        {"raw.bookings"},
        {"stg.last_booking"},
        {
            "raw.bookings.passenger_id -> stg.last_booking.passenger_id",
            "raw.bookings.booking_id -> stg.last_booking.booking_id",
            "raw.bookings.passenger_id -> stg.last_booking.rn",
            "raw.bookings.booked_at -> stg.last_booking.rn",
        },
    ),
    case(
        "window_lag_qualify",
        "snowflake",
        "CREATE TABLE stg.fare_changes AS SELECT flight_id, fare, "
        "LAG(fare) OVER (PARTITION BY flight_id ORDER BY booked_at) AS prev_fare "
        "FROM raw.bookings QUALIFY prev_fare IS NOT NULL",
        {"raw.bookings"},
        {"stg.fare_changes"},
        {
            "raw.bookings.flight_id -> stg.fare_changes.flight_id",
            "raw.bookings.fare -> stg.fare_changes.fare",
            "raw.bookings.fare -> stg.fare_changes.prev_fare",
            "raw.bookings.flight_id -> stg.fare_changes.prev_fare",
            "raw.bookings.booked_at -> stg.fare_changes.prev_fare",
        },
    ),
    case(
        "lateral_alias_snowflake",
        "snowflake",
        "CREATE TABLE stg.fare_tax AS SELECT booking_id, fare * 0.2 AS tax, fare + tax AS gross "
        "FROM raw.bookings",
        {"raw.bookings"},
        {"stg.fare_tax"},
        {
            "raw.bookings.booking_id -> stg.fare_tax.booking_id",
            "raw.bookings.fare -> stg.fare_tax.tax",
            "raw.bookings.fare -> stg.fare_tax.gross",
        },
        AIRLINE,
    ),
    case(
        "lateral_alias_databricks",
        "databricks",
        "CREATE TABLE stg.names AS SELECT upper(last_name) AS ln, concat(ln, ', ', first_name) AS label "
        "FROM raw.passengers",
        {"raw.passengers"},
        {"stg.names"},
        {
            "raw.passengers.last_name -> stg.names.ln",
            "raw.passengers.last_name -> stg.names.label",
            "raw.passengers.first_name -> stg.names.label",
        },
        AIRLINE,
    ),
    case(
        "case_expression",
        "tsql",
        "INSERT INTO mart.fare_band (booking_id, band) SELECT booking_id, "
        "CASE WHEN fare < 100 THEN 'low' WHEN fare < 500 THEN 'mid' ELSE 'high' END FROM raw.bookings",
        {"raw.bookings"},
        {"mart.fare_band"},
        {
            "raw.bookings.booking_id -> mart.fare_band.booking_id",
            "raw.bookings.fare -> mart.fare_band.band",
        },
    ),
    case(
        "hash_pii",
        "bigquery",
        "CREATE TABLE mart.pax_pseudo AS SELECT TO_HEX(SHA256(email)) AS email_hash, "
        "FARM_FINGERPRINT(passport_no) AS passport_fp, EXTRACT(YEAR FROM birth_date) AS birth_year "
        "FROM raw.passengers",
        {"raw.passengers"},
        {"mart.pax_pseudo"},
        {
            "raw.passengers.email -> mart.pax_pseudo.email_hash",
            "raw.passengers.passport_no -> mart.pax_pseudo.passport_fp",
            "raw.passengers.birth_date -> mart.pax_pseudo.birth_year",
        },
    ),
    case(
        "quoted_identifiers_postgres",
        "postgres",
        'INSERT INTO "Mart"."PaxList" ("Email") SELECT "EMail" FROM "Raw"."Passengers"',
        {"raw.passengers"},
        {"mart.paxlist"},
        {"raw.passengers.email -> mart.paxlist.email"},
    ),
    case(
        "snowflake_upper_case",
        "snowflake",
        'INSERT INTO MART.ROUTES (ROUTE) SELECT "ORIGIN" || DESTINATION FROM RAW.FLIGHTS',
        {"raw.flights"},
        {"mart.routes"},
        {"raw.flights.origin -> mart.routes.route", "raw.flights.destination -> mart.routes.route"},
    ),
    case(
        "bigquery_backticks",
        "bigquery",
        "INSERT INTO `proj.mart.daily` (day, n) SELECT DATE(departs_at), COUNT(*) "
        "FROM `proj.raw.flights` GROUP BY 1",
        {"proj.raw.flights"},
        {"proj.mart.daily"},
        {"proj.raw.flights.departs_at -> proj.mart.daily.day"},
    ),
    case(
        "bigquery_unnest",
        "bigquery",
        "CREATE TABLE ds.legs AS SELECT f.flight_id, leg FROM ds.itineraries AS f, UNNEST(f.legs) AS leg",
        {"ds.itineraries"},
        {"ds.legs"},
        {"ds.itineraries.flight_id -> ds.legs.flight_id", "ds.itineraries.legs -> ds.legs.leg"},
    ),
    case(
        "three_part_names_tsql",
        "tsql",
        "INSERT INTO dw.dbo.fact_bookings (booking_key, fare) SELECT b.booking_id, b.fare "
        "FROM ops.dbo.bookings AS b",
        {"ops.dbo.bookings"},
        {"dw.dbo.fact_bookings"},
        {
            "ops.dbo.bookings.booking_id -> dw.dbo.fact_bookings.booking_key",
            "ops.dbo.bookings.fare -> dw.dbo.fact_bookings.fare",
        },
    ),
    # ---------------------------------------------------------------- merge / update / delete
    case(
        "merge_snowflake",
        "snowflake",
        """MERGE INTO dw.passengers t USING stg.passengers s ON t.passenger_id = s.passenger_id
        WHEN MATCHED THEN UPDATE SET t.email = s.email, t.full_name = s.full_name
        WHEN NOT MATCHED THEN INSERT (passenger_id, email, full_name)
            VALUES (s.passenger_id, s.email, s.full_name)""",
        {"stg.passengers"},
        {"dw.passengers"},
        {
            "stg.passengers.email -> dw.passengers.email",
            "stg.passengers.full_name -> dw.passengers.full_name",
            "stg.passengers.passenger_id -> dw.passengers.passenger_id",
        },
    ),
    case(
        "merge_subquery_source",
        "tsql",
        """MERGE INTO dbo.flight_stats AS t
        USING (SELECT flight_id, COUNT(*) AS pax FROM dbo.bookings GROUP BY flight_id) AS s
        ON t.flight_id = s.flight_id
        WHEN MATCHED THEN UPDATE SET t.pax = s.pax
        WHEN NOT MATCHED THEN INSERT (flight_id, pax) VALUES (s.flight_id, s.pax);""",
        {"dbo.bookings"},
        {"dbo.flight_stats"},
        {"dbo.bookings.flight_id -> dbo.flight_stats.flight_id"},
    ),
    case(
        "update_from",
        "postgres",
        "UPDATE stg.bookings SET amount_eur = stg.bookings.amount * r.rate_to_eur "
        "FROM raw.fx_rates r WHERE r.currency = stg.bookings.currency",
        {"raw.fx_rates"},
        {"stg.bookings"},
        {
            "stg.bookings.amount -> stg.bookings.amount_eur",
            "raw.fx_rates.rate_to_eur -> stg.bookings.amount_eur",
        },
    ),
    case(
        "update_tsql_alias",
        "tsql",
        "UPDATE f SET f.pax_count = s.n FROM dbo.flights f "
        "JOIN (SELECT flight_id, COUNT(*) AS n FROM dbo.bookings GROUP BY flight_id) s "
        "ON s.flight_id = f.flight_id",
        {"dbo.bookings"},
        {"dbo.flights"},
        set(),
    ),
    case(
        "delete_using",
        "postgres",
        "DELETE FROM stg.bookings b USING raw.cancellations c WHERE c.booking_id = b.booking_id",
        {"raw.cancellations"},
        {"stg.bookings"},
        set(),
    ),
    # ---------------------------------------------------------------- scripts
    case(
        "script_temp_table",
        "postgres",
        """CREATE TEMP TABLE recent AS SELECT booking_id, passenger_id, fare FROM raw.bookings
            WHERE booked_at > now() - interval '7 days';
        INSERT INTO mart.recent_revenue (passenger_id, revenue)
            SELECT passenger_id, SUM(fare) FROM recent GROUP BY passenger_id;
        DROP TABLE recent;""",
        {"raw.bookings"},
        {"mart.recent_revenue"},
        {
            "raw.bookings.passenger_id -> mart.recent_revenue.passenger_id",
            "raw.bookings.fare -> mart.recent_revenue.revenue",
        },
    ),
    case(
        "script_tsql_hash_temp",
        "tsql",
        """SELECT p.passenger_id, p.email INTO #pax FROM dbo.passengers p WHERE p.active = 1;
        SELECT b.booking_id, x.email INTO #bk FROM dbo.bookings b JOIN #pax x ON x.passenger_id = b.passenger_id;
        INSERT INTO dbo.mailing (booking_id, email) SELECT booking_id, email FROM #bk;
        DROP TABLE #pax; DROP TABLE #bk;""",
        {"dbo.passengers", "dbo.bookings"},
        {"dbo.mailing"},
        {
            "dbo.bookings.booking_id -> dbo.mailing.booking_id",
            "dbo.passengers.email -> dbo.mailing.email",
        },
    ),
    case(
        "script_ctas_chain",
        "redshift",
        """CREATE TABLE stg.f AS SELECT flight_id, origin, destination FROM raw.flights;
        CREATE TABLE mart.routes AS SELECT origin, destination, COUNT(flight_id) AS flights
            FROM stg.f GROUP BY origin, destination;""",
        {"raw.flights"},
        {"stg.f", "mart.routes"},
        {
            "raw.flights.flight_id -> stg.f.flight_id",
            "raw.flights.origin -> stg.f.origin",
            "raw.flights.destination -> stg.f.destination",
            "stg.f.origin -> mart.routes.origin",
            "stg.f.destination -> mart.routes.destination",
            "stg.f.flight_id -> mart.routes.flights",
        },
    ),
    case(
        "script_swap_rename",
        "postgres",
        """CREATE TABLE mart.daily_new AS SELECT departs_at::date AS day, COUNT(*) AS flights
            FROM raw.flights GROUP BY 1;
        DROP TABLE IF EXISTS mart.daily;
        ALTER TABLE mart.daily_new RENAME TO daily;""",
        {"raw.flights"},
        {"mart.daily"},
        {"raw.flights.departs_at -> mart.daily.day"},
    ),
    case(
        "script_positional_after_create",
        "postgres",
        """CREATE TABLE mart.pax (pid INT, mail TEXT);
        INSERT INTO mart.pax SELECT passenger_id, email FROM raw.passengers;""",
        {"raw.passengers"},
        {"mart.pax"},
        {"raw.passengers.passenger_id -> mart.pax.pid", "raw.passengers.email -> mart.pax.mail"},
    ),
    case(
        "script_with_function_definition",
        "postgres",
        """CREATE OR REPLACE FUNCTION mask(t text) RETURNS text AS $$
            BEGIN INSERT INTO audit.calls VALUES (now()); RETURN left(t, 2) || '***'; END $$
            LANGUAGE plpgsql;
        INSERT INTO mart.pax_masked (email) SELECT mask(email) FROM raw.passengers;""",
        {"raw.passengers"},
        {"mart.pax_masked"},
        {"raw.passengers.email -> mart.pax_masked.email"},
    ),
    case(
        "procedure_only",
        "tsql",
        """CREATE PROCEDURE dbo.load_pax AS
        BEGIN
            INSERT INTO dbo.pax SELECT * FROM dbo.raw_pax;
            UPDATE dbo.pax SET email = lower(email);
        END""",
        set(),
        set(),
        set(),
    ),
    case(
        "snowflake_script_use",
        "snowflake",
        """USE SCHEMA airline.raw;
        CREATE OR REPLACE TEMPORARY TABLE t_pax AS SELECT passenger_id, email FROM passengers;
        INSERT INTO airline.mart.emails (passenger_id, email) SELECT passenger_id, email FROM t_pax;""",
        {"airline.raw.passengers"},
        {"airline.mart.emails"},
        {
            "airline.raw.passengers.passenger_id -> airline.mart.emails.passenger_id",
            "airline.raw.passengers.email -> airline.mart.emails.email",
        },
    ),
    # ---------------------------------------------------------------- load / unload
    case(
        "copy_from_s3",
        "redshift",
        "COPY raw.bookings FROM 's3://airline-lake/bookings/2024/' IAM_ROLE 'arn:aws:iam::1:role/r' "
        "FORMAT AS PARQUET",
        {"s3://airline-lake/bookings/2024/"},
        {"raw.bookings"},
        set(),
    ),
    case(
        "snowflake_copy_stage",
        "snowflake",
        "COPY INTO raw.flights FROM @landing/flights/ FILE_FORMAT = (TYPE = CSV SKIP_HEADER = 1)",
        {"@landing/flights/"},
        {"raw.flights"},
        set(),
    ),
    case(
        "postgres_copy_query_to_file",
        "postgres",
        "COPY (SELECT passenger_id, email FROM raw.passengers WHERE email IS NOT NULL) "
        "TO '/exports/pax.csv' WITH CSV HEADER",
        {"raw.passengers"},
        {"file:/exports/pax.csv"},
        {
            "raw.passengers.passenger_id -> file:/exports/pax.csv.passenger_id",
            "raw.passengers.email -> file:/exports/pax.csv.email",
        },
    ),
    case(
        "redshift_unload",
        "redshift",
        "UNLOAD ('SELECT flight_no, origin FROM raw.flights WHERE origin = ''CDG''') "
        "TO 's3://exports/cdg_' IAM_ROLE 'arn:aws:iam::1:role/r'",
        {"raw.flights"},
        {"s3://exports/cdg_"},
        {
            "raw.flights.flight_no -> s3://exports/cdg_.flight_no",
            "raw.flights.origin -> s3://exports/cdg_.origin",
        },
    ),
    case(
        "hive_insert_overwrite_partition",
        "hive",
        "INSERT OVERWRITE TABLE dw.bookings_daily PARTITION (ds = '2024-01-01') "
        "SELECT booking_id, fare FROM ods.bookings WHERE ds = '2024-01-01'",
        {"ods.bookings"},
        {"dw.bookings_daily"},
        {
            "ods.bookings.booking_id -> dw.bookings_daily.booking_id",
            "ods.bookings.fare -> dw.bookings_daily.fare",
        },
    ),
    case(
        "spark_ctas_using_delta",
        "spark",
        "CREATE TABLE gold.pax_stats USING DELTA AS SELECT passenger_id, COUNT(*) AS trips, "
        "AVG(fare) AS avg_fare FROM silver.bookings GROUP BY passenger_id",
        {"silver.bookings"},
        {"gold.pax_stats"},
        {
            "silver.bookings.passenger_id -> gold.pax_stats.passenger_id",
            "silver.bookings.fare -> gold.pax_stats.avg_fare",
        },
    ),
    case(
        "duckdb_read_parquet",
        "duckdb",
        "CREATE TABLE stg.events AS SELECT event_id, payload FROM read_parquet('s3://lake/events.parquet')",
        {"s3://lake/events.parquet"},
        {"stg.events"},
        {
            "s3://lake/events.parquet.event_id -> stg.events.event_id",
            "s3://lake/events.parquet.payload -> stg.events.payload",
        },
    ),
    # ---------------------------------------------------------------- dbt-style models
    case(
        "dbt_staging_model",
        "snowflake",
        """CREATE OR REPLACE VIEW analytics.stg_bookings AS
        WITH source AS (SELECT * FROM raw.bookings),
        renamed AS (
            SELECT booking_id AS id, passenger_id, flight_id, fare AS fare_amount,
                   UPPER(currency) AS currency_code, booked_at::date AS booked_on
            FROM source WHERE status <> 'TEST')
        SELECT * FROM renamed""",
        {"raw.bookings"},
        {"analytics.stg_bookings"},
        {
            "raw.bookings.booking_id -> analytics.stg_bookings.id",
            "raw.bookings.passenger_id -> analytics.stg_bookings.passenger_id",
            "raw.bookings.flight_id -> analytics.stg_bookings.flight_id",
            "raw.bookings.fare -> analytics.stg_bookings.fare_amount",
            "raw.bookings.currency -> analytics.stg_bookings.currency_code",
            "raw.bookings.booked_at -> analytics.stg_bookings.booked_on",
        },
        AIRLINE,
    ),
    case(
        "dbt_mart_model",
        "snowflake",
        """CREATE OR REPLACE TABLE analytics.fct_revenue AS
        WITH bookings AS (SELECT * FROM analytics.stg_bookings),
        fx AS (SELECT currency, rate_to_eur FROM raw.fx_rates),
        joined AS (
            SELECT b.id, b.flight_id, b.fare_amount * fx.rate_to_eur AS fare_eur, b.booked_on
            FROM bookings b LEFT JOIN fx ON fx.currency = b.currency_code)
        SELECT flight_id, booked_on, SUM(fare_eur) AS revenue_eur, COUNT(id) AS bookings
        FROM joined GROUP BY flight_id, booked_on""",
        {"analytics.stg_bookings", "raw.fx_rates"},
        {"analytics.fct_revenue"},
        {
            "analytics.stg_bookings.flight_id -> analytics.fct_revenue.flight_id",
            "analytics.stg_bookings.booked_on -> analytics.fct_revenue.booked_on",
            "analytics.stg_bookings.fare_amount -> analytics.fct_revenue.revenue_eur",
            "raw.fx_rates.rate_to_eur -> analytics.fct_revenue.revenue_eur",
            "analytics.stg_bookings.id -> analytics.fct_revenue.bookings",
        },
        {
            **AIRLINE,
            "analytics.stg_bookings": {
                "id": "int",
                "passenger_id": "int",
                "flight_id": "int",
                "fare_amount": "n",
                "currency_code": "t",
                "booked_on": "date",
            },
        },
    ),
    case(
        "dbt_incremental_merge",
        "databricks",
        """MERGE INTO analytics.dim_passenger AS DBT_INTERNAL_DEST
        USING (SELECT passenger_id, initcap(first_name) AS first_name, sha2(email, 256) AS email_sha
               FROM raw.passengers) AS DBT_INTERNAL_SOURCE
        ON DBT_INTERNAL_SOURCE.passenger_id = DBT_INTERNAL_DEST.passenger_id
        WHEN MATCHED THEN UPDATE SET first_name = DBT_INTERNAL_SOURCE.first_name,
            email_sha = DBT_INTERNAL_SOURCE.email_sha
        WHEN NOT MATCHED THEN INSERT (passenger_id, first_name, email_sha)
            VALUES (DBT_INTERNAL_SOURCE.passenger_id, DBT_INTERNAL_SOURCE.first_name,
                    DBT_INTERNAL_SOURCE.email_sha)""",
        {"raw.passengers"},
        {"analytics.dim_passenger"},
        {
            "raw.passengers.passenger_id -> analytics.dim_passenger.passenger_id",
            "raw.passengers.first_name -> analytics.dim_passenger.first_name",
            "raw.passengers.email -> analytics.dim_passenger.email_sha",
        },
    ),
    case(
        "dbt_snapshot_style",
        "postgres",
        """INSERT INTO snapshots.flights_snapshot (flight_id, flight_no, departs_at, dbt_valid_from)
        SELECT f.flight_id, f.flight_no, f.departs_at, now()
        FROM raw.flights f LEFT JOIN snapshots.flights_snapshot s
          ON s.flight_id = f.flight_id AND s.dbt_valid_to IS NULL
        WHERE s.flight_id IS NULL OR s.departs_at <> f.departs_at""",
        {"raw.flights", "snapshots.flights_snapshot"},
        {"snapshots.flights_snapshot"},
        {
            "raw.flights.flight_id -> snapshots.flights_snapshot.flight_id",
            "raw.flights.flight_no -> snapshots.flights_snapshot.flight_no",
            "raw.flights.departs_at -> snapshots.flights_snapshot.departs_at",
        },
    ),
    # ---------------------------------------------------------------- plain selects (tables only)
    case(
        "select_join_report",
        "postgres",
        "SELECT f.flight_no, COUNT(b.booking_id) FROM raw.flights f "
        "LEFT JOIN raw.bookings b ON b.flight_id = f.flight_id GROUP BY f.flight_no",
        {"raw.flights", "raw.bookings"},
        set(),
        None,
    ),
    case(
        "select_cte_shadowing",
        "postgres",
        "WITH flights AS (SELECT * FROM raw.flights_v2) SELECT flight_no FROM flights",
        {"raw.flights_v2"},
        set(),
        None,
    ),
    case(
        "select_exists",
        "mysql",
        "SELECT p.email FROM raw.passengers p WHERE EXISTS "
        "(SELECT 1 FROM raw.bookings b WHERE b.passenger_id = p.passenger_id)",
        {"raw.passengers", "raw.bookings"},
        set(),
        None,
    ),
    case(
        "select_sqlite_simple",
        "sqlite",
        "SELECT name, COUNT(*) FROM airports JOIN routes ON routes.src = airports.code GROUP BY name",
        {"airports", "routes"},
        set(),
        None,
    ),
    # ---------------------------------------------------------------- tricky
    case(
        "insert_ctes_and_union_in_subquery",
        "postgres",
        """INSERT INTO mart.contacts (kind, email)
        SELECT kind, email FROM (
            SELECT 'pax' AS kind, email FROM raw.passengers
            UNION ALL
            SELECT 'agent', contact_email FROM raw.agents) u
        WHERE email IS NOT NULL""",
        {"raw.passengers", "raw.agents"},
        {"mart.contacts"},
        {
            "raw.passengers.email -> mart.contacts.email",
            "raw.agents.contact_email -> mart.contacts.email",
        },
    ),
    case(
        "coalesce_and_cast",
        "duckdb",
        "CREATE TABLE stg.pax_clean AS SELECT CAST(passenger_id AS BIGINT) AS pid, "
        "COALESCE(email, passport_no) AS contact FROM raw.passengers",
        {"raw.passengers"},
        {"stg.pax_clean"},
        {
            "raw.passengers.passenger_id -> stg.pax_clean.pid",
            "raw.passengers.email -> stg.pax_clean.contact",
            "raw.passengers.passport_no -> stg.pax_clean.contact",
        },
    ),
    case(
        "self_join",
        "postgres",
        "INSERT INTO stg.connections (first_flight, second_flight) SELECT a.flight_id, b.flight_id "
        "FROM raw.flights a JOIN raw.flights b ON a.destination = b.origin "
        "AND b.departs_at > a.departs_at",
        {"raw.flights"},
        {"stg.connections"},
        {
            "raw.flights.flight_id -> stg.connections.first_flight",
            "raw.flights.flight_id -> stg.connections.second_flight",
        },
    ),
    case(
        "derived_table_column_aliases",
        "postgres",
        "INSERT INTO stg.od (o, d) SELECT x.a, x.b FROM (SELECT origin, destination FROM raw.flights) "
        "AS x(a, b)",
        {"raw.flights"},
        {"stg.od"},
        {"raw.flights.origin -> stg.od.o", "raw.flights.destination -> stg.od.d"},
    ),
    case(
        "group_by_having",
        "mysql",
        "INSERT INTO mart.frequent (passenger_id, trips) SELECT passenger_id, COUNT(*) "
        "FROM raw.bookings GROUP BY passenger_id HAVING COUNT(*) > 10",
        {"raw.bookings"},
        {"mart.frequent"},
        {"raw.bookings.passenger_id -> mart.frequent.passenger_id"},
    ),
    case(
        "json_extract_snowflake",
        "snowflake",
        "CREATE TABLE stg.events AS SELECT payload:booking.id::int AS booking_id, "
        "payload:pax.email::string AS email FROM raw.events",
        {"raw.events"},
        {"stg.events"},
        {"raw.events.payload -> stg.events.booking_id", "raw.events.payload -> stg.events.email"},
    ),
    case(
        "insert_values_only",
        "mysql",
        "INSERT INTO ref.airports (code, name) VALUES ('CDG', 'Paris'), ('JFK', 'New York')",
        set(),
        {"ref.airports"},
        set(),
    ),
    case(
        "multi_statement_with_error",
        "postgres",
        """INSERT INTO stg.a (x) SELECT origin FROM raw.flights;
        SELEC oops FROM nowhere;
        INSERT INTO stg.b (y) SELECT destination FROM raw.flights;""",
        {"raw.flights"},
        {"stg.a", "stg.b"},
        {"raw.flights.origin -> stg.a.x", "raw.flights.destination -> stg.b.y"},
    ),
]
