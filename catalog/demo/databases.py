"""Connecting to demo targets, and creating or dropping their databases.

Helpers take an SQLAlchemy URL string. PostgreSQL databases are created through the
``postgres`` maintenance database; on MariaDB the URL's database plus one database per layer
(``<db>_raw``, ``<db>_staging``, ``<db>_marts``) are created or dropped together.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import NullPool

from catalog.demo.layout import DEFAULT_DATABASE, LAYERS, Dialect, Layout

_SAFE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,50}$")
_CONNECT_TIMEOUT = 3


def dialect_of(url: str | URL) -> Dialect:
    backend = make_url(url).get_backend_name()
    if backend == "postgresql":
        return "postgres"
    if backend in ("mysql", "mariadb"):
        return "mysql"
    if backend == "sqlite":
        return "sqlite"
    raise ValueError(f"unsupported demo target {backend!r}: use sqlite, postgresql or mysql")


def layout_for(url: str | URL) -> Layout:
    parsed = make_url(url)
    dialect = dialect_of(parsed)
    if dialect == "sqlite":
        database = Path(parsed.database).stem if parsed.database else DEFAULT_DATABASE["sqlite"]
    else:
        database = parsed.database or DEFAULT_DATABASE[dialect]
    _check_name(database)
    return Layout(dialect, database)


def _check_name(name: str) -> None:
    # names are interpolated into DDL, so only plain identifiers are accepted
    if not _SAFE_NAME.match(name):
        raise ValueError(f"demo database name {name!r} must be a plain identifier")


def engine_for(url: str | URL, **options: object) -> Engine:
    parsed = make_url(url)
    dialect = dialect_of(parsed)
    connect_args: dict[str, object] = {}
    if dialect == "postgres":
        connect_args["connect_timeout"] = _CONNECT_TIMEOUT
    elif dialect == "mysql":
        connect_args.update(connect_timeout=_CONNECT_TIMEOUT, charset="utf8mb4")
    return create_engine(parsed, connect_args=connect_args, **options)


def _server_url(url: str | URL) -> URL:
    parsed = make_url(url)
    if dialect_of(parsed) == "postgres":
        return parsed.set(database="postgres")
    # URL.set() treats None as "unchanged", so build the database-less URL explicitly
    return URL.create(
        parsed.drivername,
        username=parsed.username,
        password=parsed.password,
        host=parsed.host,
        port=parsed.port,
        query=parsed.query,
    )


def server_available(url: str | URL) -> bool:
    """True when the server behind ``url`` accepts a connection within a few seconds."""
    if dialect_of(url) == "sqlite":
        return True
    engine = engine_for(_server_url(url), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
    finally:
        engine.dispose()


def ensure_database(url: str | URL) -> None:
    """Create the target database (and MariaDB's per-layer databases) if missing."""
    parsed = make_url(url)
    layout = layout_for(parsed)
    if layout.dialect == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        return
    engine = engine_for(_server_url(parsed), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            if layout.dialect == "postgres":
                exists = connection.execute(
                    text("SELECT 1 FROM pg_database WHERE datname = :name"),
                    {"name": layout.database},
                ).first()
                if not exists:
                    connection.execute(text(f'CREATE DATABASE "{layout.database}"'))
            else:
                connection.execute(
                    text(
                        f"CREATE DATABASE IF NOT EXISTS {layout.database} "
                        "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
                    )
                )
    finally:
        engine.dispose()


def drop_database(url: str | URL) -> None:
    """Remove the target database entirely (the SQLite file, or the server databases)."""
    parsed = make_url(url)
    layout = layout_for(parsed)
    if layout.dialect == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(parsed.database + suffix).unlink(missing_ok=True)
        return
    engine = engine_for(_server_url(parsed), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            if layout.dialect == "postgres":
                connection.execute(
                    text(f'DROP DATABASE IF EXISTS "{layout.database}" WITH (FORCE)')
                )
            else:
                for layer in LAYERS:
                    connection.execute(text(f"DROP DATABASE IF EXISTS {layout.schema(layer)}"))
                connection.execute(text(f"DROP DATABASE IF EXISTS {layout.database}"))
    finally:
        engine.dispose()
