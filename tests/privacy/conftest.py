"""Fixtures of the privacy tests: throwaway server databases (PostgreSQL, MariaDB).

A test needing a server skips with the reason when it is unreachable, unless
``CUSTOS_REQUIRE_SERVERS`` is set (CI), where that is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import pytest

from catalog.demo import drop_database, ensure_database, server_available

SERVERS = {
    "postgres": "postgresql+psycopg://postgres@127.0.0.1:5432/",
    "mysql": "mysql+pymysql://root@127.0.0.1:3306/",
}


def require_server(kind: str) -> str:
    base = SERVERS[kind]
    probe = base + ("postgres" if kind == "postgres" else "")
    if not server_available(probe):
        if os.environ.get("CUSTOS_REQUIRE_SERVERS"):
            pytest.fail(f"server required (CUSTOS_REQUIRE_SERVERS) but not reachable: {base}")
        pytest.skip(f"{kind} server not reachable at {base}")
    return base


@pytest.fixture
def throwaway_db() -> Iterator[Callable[[str], str]]:
    """``throwaway_db("postgres"|"mysql"|"sqlite")`` -> URL of a fresh, empty database
    that is dropped after the test."""
    made: list[str] = []

    def make(kind: str) -> str:
        name = f"custos_p_{uuid.uuid4().hex[:10]}"
        if kind == "sqlite":
            import tempfile

            url = f"sqlite:///{tempfile.mkdtemp(prefix='custos-priv-')}/{name}.db"
        else:
            url = require_server(kind) + name
        ensure_database(url)
        made.append(url)
        return url

    yield make
    for url in made:
        drop_database(url)
