"""Mask-bypass suite: no clear value of a masked column ever leaves the gateway.

Policy: EMAIL_ADDRESS -> ``partial`` (all but the last 4 characters starred) for the Analyst role;
PHONE_NUMBER has no policy -> default deny (nullify). Every query below tries to get the
real values out (functions, casts, WHERE probes, LIKE, CASE, joins, subqueries, CTEs,
unions, windows, GROUP/ORDER BY, SELECT *); each result is compared with the real values
read directly from the source. Runs on SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from tests.access.conftest import classify, register

pytestmark = pytest.mark.django_db

# {P}: passengers, {B}: bookings, {e0}: a real e-mail, {pre}: its first 3 characters,
# {ph}: a real phone number.
QUERIES = [
    "SELECT email, phone FROM {P}",
    "SELECT lower(email), upper(email), trim(email), email || '' FROM {P}",
    "SELECT CAST(email AS CHAR(300)), CAST(phone AS CHAR(64)) FROM {P}",
    "SELECT substr(email, 2, 40), replace(email, '@', ' at ') FROM {P}",
    "SELECT passenger_id, email FROM {P} WHERE email = '{e0}'",
    "SELECT passenger_id FROM {P} WHERE lower(email) = lower('{e0}')",
    "SELECT passenger_id FROM {P} WHERE email LIKE '{pre}%'",
    "SELECT passenger_id FROM {P} WHERE phone = '{ph}'",
    "SELECT CASE WHEN email = '{e0}' THEN 1 ELSE 0 END AS hit, passenger_id FROM {P}",
    "SELECT p.email, b.pnr FROM {P} p JOIN {B} b ON b.passenger_id = p.passenger_id",
    "SELECT b.pnr FROM {B} b JOIN {P} p ON p.email = '{e0}' AND p.passenger_id = b.passenger_id",
    "SELECT x.e FROM (SELECT email AS e, phone AS f FROM {P}) x",
    "WITH c AS (SELECT email, phone FROM {P}) SELECT * FROM c",
    "WITH c AS (SELECT * FROM {P}) SELECT c.email FROM c WHERE c.email = '{e0}'",
    "SELECT * FROM {P}",
    "SELECT p.* FROM {P} p",
    "SELECT email FROM {P} UNION SELECT phone FROM {P}",
    "SELECT email FROM {P} UNION ALL SELECT email FROM {P} WHERE email = '{e0}'",
    "SELECT email, row_number() OVER (PARTITION BY email ORDER BY phone) AS rn FROM {P}",
    "SELECT email, lag(email) OVER (ORDER BY passenger_id) FROM {P}",
    "SELECT email FROM {P} ORDER BY email",
    "SELECT email, count(*) FROM {P} GROUP BY email",
    "SELECT max(email), min(email), max(phone), count(DISTINCT email) FROM {P}",
    "SELECT (SELECT p2.email FROM {P} p2 WHERE p2.passenger_id = p.passenger_id) FROM {P} p",
    "SELECT passenger_id FROM {P} WHERE passenger_id IN (SELECT passenger_id FROM {P} WHERE email = '{e0}')",
    "SELECT passenger_id FROM {P} p WHERE EXISTS (SELECT 1 FROM {P} q WHERE q.email = '{e0}' AND q.passenger_id = p.passenger_id)",  # noqa: E501
    "SELECT coalesce(email, phone), nullif(email, '') FROM {P}",
    "SELECT length(email) AS l, email FROM {P} WHERE length(email) > 3",
]
PROBES = {4, 5, 6, 7, 10, 13, 24, 25}  # queries that must find no row when masking works
AGGREGATE = {
    "sqlite": "SELECT group_concat(email, ',') FROM {P}",
    "postgres": "SELECT string_agg(email, ',') FROM {P}",
    "mysql": "SELECT group_concat(email SEPARATOR ',') FROM {P}",
}


def _policies(alice: Any, table_fqn: str) -> None:
    from access import services

    classify(table_fqn, {"email": "EMAIL_ADDRESS", "phone": "PHONE_NUMBER"})
    services.create_policy(
        actor=_admin(),
        kind="masking",
        data={
            "name": "emails partial for analysts",
            "target_kind": "classification",
            "entity": "EMAIL_ADDRESS",
            "group": "Analyst",
            "operator": "partial",
        },
    )


def _admin() -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="admin")


def _real(url: str, table: str) -> tuple[set[str], set[str]]:
    engine = sa.create_engine(
        url.replace("postgresql://", "postgresql+psycopg://").replace(
            "mysql://", "mysql+pymysql://"
        )
        if "+" not in url
        else url
    )
    with engine.connect() as conn:
        rows = conn.execute(sa.text(f"SELECT email, phone FROM {table}")).all()
    engine.dispose()
    return {r[0] for r in rows if r[0]}, {r[1] for r in rows if r[1]}


def _leaks(rows: list[list[Any]], secrets: set[str]) -> list[str]:
    found: list[Any] = []
    for row in rows:
        for value in row:
            if value is None:
                continue
            text = str(value)
            found.extend(s for s in secrets if s in text)
    return found


def _battery(
    run: Any, alice: Any, dialect: str, passengers: str, bookings: str, url: str, real_table: str
) -> None:
    emails, phones = _real(url, real_table)
    assert len(emails) > 50 and len(phones) > 50
    e0 = sorted(emails)[0]
    ph = sorted(phones)[0]
    secrets = emails | phones
    for i, template in enumerate([*QUERIES, AGGREGATE[dialect]]):
        sql = template.format(P=passengers, B=bookings, e0=e0, pre=e0[:3], ph=ph)
        out = run(alice, sql)
        leaks = _leaks(out.rows, secrets)
        assert not leaks, (dialect, sql, leaks[:3])
        if i in PROBES:
            assert out.rows == [] or all(r == [0] or r[0] in (0, None) for r in out.rows), (
                dialect,
                sql,
                out.rows[:3],
            )
        if i == 8:
            assert all(r[0] == 0 for r in out.rows), (dialect, sql)
    # The policy really applies (partial, not nullify): masked text, same length as the value.
    first = run(alice, f"SELECT email FROM {passengers} ORDER BY passenger_id").rows
    assert sum(1 for r in first if r[0] and r[0].startswith("****")) > 50


def test_mask_bypass_sqlite(admin: Any, alice: Any, catalog_source: Any, demo_sqlite: str) -> None:
    from access.gateway.engine import run_query

    _policies(alice, "air.airline.main.raw_passengers")

    def run(user: Any, sql: str) -> Any:
        return run_query(user=user, source="air", sql=sql, limit=5000)

    _battery(run, alice, "sqlite", "raw_passengers", "raw_bookings", demo_sqlite, "raw_passengers")


@pytest.mark.sources
def test_mask_bypass_postgresql(admin: Any, alice: Any, pg_demo_url: str) -> None:
    from access.gateway.engine import run_query

    register(admin, "pg", pg_demo_url)
    db = pg_demo_url.rsplit("/", 1)[1]
    _policies(alice, f"pg.{db}.raw.passengers")

    def run(user: Any, sql: str) -> Any:
        return run_query(user=user, source="pg", sql=sql, limit=5000)

    _battery(
        run, alice, "postgres", "raw.passengers", "raw.bookings", pg_demo_url, "raw.passengers"
    )


@pytest.mark.sources
def test_mask_bypass_mariadb(admin: Any, alice: Any, my_demo_url: str) -> None:
    from access.gateway.engine import run_query

    db = my_demo_url.rsplit("/", 1)[1]
    register(admin, "my", my_demo_url, include=[f"{db}_raw", f"{db}_staging", f"{db}_marts"])
    _policies(alice, f"my.default.{db}_raw.passengers")

    def run(user: Any, sql: str) -> Any:
        return run_query(user=user, source="my", sql=sql, limit=5000)

    _battery(
        run,
        alice,
        "mysql",
        f"{db}_raw.passengers",
        f"{db}_raw.bookings",
        my_demo_url,
        f"{db}_raw.passengers",
    )
