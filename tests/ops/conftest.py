"""The production stack, started once for the ``prodstack`` tests (``make smoke-prod``)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.ops.prodstack import ProdStack, ensure_postgres_running, services_available


@pytest.fixture(scope="session")
def prodstack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProdStack]:
    if not services_available():
        reason = "PostgreSQL and Redis on loopback are needed for the production stack"
        if os.environ.get("CUSTOS_REQUIRE_SERVERS"):
            pytest.fail(f"{reason} and CUSTOS_REQUIRE_SERVERS is set")
        pytest.skip(f"{reason} (set CUSTOS_REQUIRE_SERVERS to fail)")
    stack = ProdStack(tmp_path_factory.mktemp("prodstack"))
    try:
        stack.start(workers=2)
        yield stack
    finally:
        try:
            ensure_postgres_running()  # a fault test may have stopped it
        finally:
            stack.stop()
