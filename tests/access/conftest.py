"""Fixtures for access tests: PII classifications on the demo, policies, direct source reads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

PASSENGERS = "air.airline.main.raw_passengers"
PII_COLUMNS = {
    "email": "EMAIL_ADDRESS",
    "phone": "PHONE_NUMBER",
    "first_name": "PERSON",
    "last_name": "PERSON",
    "passport_number": "PASSPORT",
    "date_of_birth": "DATE_OF_BIRTH",
}


def classify(table_fqn: str, columns: dict[str, str], status: str = "confirmed") -> None:
    from catalog.models import Asset, Classification

    for name, entity in columns.items():
        col = Asset.objects.get(fqn=f"{table_fqn}.{name}")
        Classification.objects.create(asset=col, entity=entity, status=status, source="manual")


@pytest.fixture
def pii_source(catalog_source: Any) -> Any:
    """The demo source with the raw passenger PII columns classified (confirmed)."""
    classify(PASSENGERS, PII_COLUMNS)
    return catalog_source


@pytest.fixture
def run_sql(pii_source: Any) -> Callable[..., Any]:
    """``run_sql(user, sql, **kw)`` -> QueryOutcome through the gateway on source ``air``."""
    from access.gateway.engine import run_query

    def run(user: Any, sql: str, **kw: Any) -> Any:
        return run_query(user=user, source="air", sql=sql, **kw)

    return run


# -- server sources (PostgreSQL, MariaDB) ------------------------------------------------------

PG_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
MY_SERVER = "mysql://root@127.0.0.1:3306/mysql"


def _server_demo(url: str, tag: str) -> str:
    import os

    from catalog.demo import build_airline, server_available

    if not server_available(url):
        if os.environ.get("CI"):
            pytest.fail(f"{tag} is not running (CI must not skip)")
        pytest.skip(f"{tag} server not running on 127.0.0.1")
    build_airline(url, size="small", seed=7)
    return url


@pytest.fixture(scope="session")
def pg_demo_url() -> Any:
    import os

    from catalog.demo import drop_database

    url = f"postgresql://postgres@127.0.0.1:5432/custos_access_t{os.getpid()}"
    yield _server_demo(url, "PostgreSQL")
    from access.gateway.execute import dispose_all

    dispose_all()
    drop_database(url)


@pytest.fixture(scope="session")
def my_demo_url() -> Any:
    import os

    from catalog.demo import drop_database

    url = f"mysql+pymysql://root@127.0.0.1:3306/cat{os.getpid()}"
    yield _server_demo(url, "MariaDB")
    from access.gateway.execute import dispose_all

    dispose_all()
    drop_database(url)


def register(admin: Any, name: str, url: str, include: list[str] | None = None) -> Any:
    from catalog import services

    source = services.create_source(actor=admin, name=name, dsn=url, include_schemas=include or [])
    run = services.ingest_now(actor=admin, source=source)
    assert run.status == "succeeded", run.error
    return source
