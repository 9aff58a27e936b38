"""Shared fixtures: named personas (healthchecks style), API clients, a small demo catalog.

Personas: ``admin`` (Admin, superuser), ``sam`` (Steward), ``alice`` (Analyst),
``victor`` (Viewer with a grant on one schema only), ``nobody`` (no role).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread
from rest_framework.test import APIClient

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


class _SerialisedWSGIServer(ThreadedWSGIServer):
    """The live server, one request at a time against the database.

    On in-memory SQLite every server thread shares the test's single connection
    (that is how the browser sees the test's data); two requests of one page at once
    (the page and its lineage fetch) would use that connection concurrently, which
    sqlite3 answers with "bad parameter or other API misuse". Connections stay
    threaded (keep-alive works); only the application call, body included, is
    serialised. On PostgreSQL each thread has its own connection and this costs
    nothing but parallelism the tests do not need.
    """

    _app_lock = threading.Lock()

    def set_app(self, application: Any) -> None:
        lock = self._app_lock

        def serialised(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
            with lock:
                result = application(environ, start_response)
                try:
                    body = b"".join(result)
                finally:
                    close = getattr(result, "close", None)
                    if close is not None:
                        close()
            return [body]

        super().set_app(serialised)


LiveServerThread.server_class = _SerialisedWSGIServer


@pytest.fixture(autouse=True)
def _isolated_data_dir(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each test session gets its own keys and demo files (never the developer's var/)."""
    base = tmp_path_factory.getbasetemp() / "custos-data"
    base.mkdir(exist_ok=True)
    settings.DATA_DIR = base
    settings.KEYS_DIR = base / "keys"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast personas


@pytest.fixture
def roles(db: Any) -> dict[str, Any]:
    from access.roles import ensure_roles

    return ensure_roles()


@pytest.fixture
def make_user(db: Any, roles: dict[str, Any]) -> Callable[..., Any]:
    def make(username: str, role: str | None = None, *, superuser: bool = False) -> Any:
        user = get_user_model().objects.create_user(username=username, password="pw-" + username)
        if superuser:
            user.is_superuser = user.is_staff = True
            user.save()
        if role:
            user.groups.add(roles[role])
        return user

    return make


@pytest.fixture
def admin(make_user: Callable[..., Any]) -> Any:
    return make_user("admin", "Admin", superuser=True)


@pytest.fixture
def sam(make_user: Callable[..., Any]) -> Any:
    return make_user("sam", "Steward")


@pytest.fixture
def alice(make_user: Callable[..., Any]) -> Any:
    return make_user("alice", "Analyst")


@pytest.fixture
def victor(make_user: Callable[..., Any]) -> Any:
    return make_user("victor", "Viewer")


@pytest.fixture
def nobody(make_user: Callable[..., Any]) -> Any:
    return make_user("nobody")


@pytest.fixture
def api() -> Callable[[Any], APIClient]:
    """``api(user)`` -> an APIClient authenticated with a real API token of ``user``."""
    from access.tokens import create_token

    def client_for(user: Any | None) -> APIClient:
        client = APIClient()
        if user is not None:
            _, plain = create_token(user=user, name="test")
            client.credentials(HTTP_AUTHORIZATION=f"Token {plain}")
        return client

    return client_for


@pytest.fixture(scope="session")
def _demo_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from catalog.demo import build_airline

    path = tmp_path_factory.mktemp("demo-template") / "airline.db"
    build_airline(f"sqlite:///{path}", size="small", seed=7)
    return path


@pytest.fixture
def demo_sqlite(tmp_path: Path, _demo_sqlite_template: Path) -> str:
    """A fresh copy of the small Custos Air SQLite database; returns its SQLAlchemy URL."""
    path = tmp_path / "airline.db"
    shutil.copyfile(_demo_sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def catalog_source(db: Any, admin: Any, demo_sqlite: str) -> Any:
    """The small demo registered and ingested as source ``air``."""
    from catalog import services

    source = services.create_source(actor=admin, name="air", dsn=demo_sqlite)
    run = services.ingest_now(actor=admin, source=source)
    assert run.status == "succeeded", run.error
    return source


@pytest.fixture
def victor_granted(victor: Any, catalog_source: Any) -> Any:
    """Victor may see only the mart tables of ``air``."""
    from guardian.shortcuts import assign_perm

    from catalog.models import Asset

    for table in Asset.objects.filter(
        source=catalog_source, type="table", name__startswith="mart_"
    ):
        assign_perm("catalog.view_asset", victor, table)
    return victor
