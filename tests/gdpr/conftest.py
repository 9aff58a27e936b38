"""Fixtures for the GDPR tests: DPO personas, demo sources on SQLite / PostgreSQL / MariaDB."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

PG_BASE = "postgresql+psycopg://postgres@127.0.0.1:5432/"
MY_BASE = "mysql+pymysql://root@127.0.0.1:3306/"


@pytest.fixture
def demo_template(_demo_sqlite_template: Any) -> Any:
    """The session's pristine small demo SQLite file (copy it before writing)."""
    return _demo_sqlite_template


@pytest.fixture
def dpo(make_user: Callable[..., Any]) -> Any:
    return make_user("dana", "DPO")


@pytest.fixture
def dpo2(make_user: Callable[..., Any]) -> Any:
    return make_user("dirk", "DPO")


def server_or_skip(url: str) -> None:
    from catalog.demo import server_available

    if server_available(url):
        return
    if os.environ.get("CUSTOS_REQUIRE_SERVERS"):
        pytest.fail(
            f"server for {url.split('@')[-1]} is unreachable and CUSTOS_REQUIRE_SERVERS is set"
        )
    pytest.skip(
        f"server for {url.split('@')[-1]} is unreachable (set CUSTOS_REQUIRE_SERVERS to fail)"
    )


@pytest.fixture(params=["postgres", "mariadb"])
def server_demo(request: pytest.FixtureRequest) -> Iterator[str]:
    """A throwaway small demo airline on PostgreSQL or MariaDB; yields its URL."""
    from catalog.demo import build_airline, drop_database

    name = f"gdpr_{uuid.uuid4().hex[:8]}"
    url = (PG_BASE if request.param == "postgres" else MY_BASE) + name
    server_or_skip(url)
    build_airline(url, size="small", seed=7)
    try:
        yield url
    finally:
        drop_database(url)
