"""Shared steps of the GDPR tests (register + ingest a demo source, pick a passenger)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from catalog.demo.databases import layout_for


def register(admin: Any, url: str, name: str = "air", scan: bool = False) -> Any:
    """Register and ingest ``url``; on MariaDB only this demo's databases (the server may
    hold other demos, which a test must never touch)."""
    from catalog import services
    from catalog.demo.layout import LAYERS

    layout = layout_for(url)
    include = [layout.schema(layer) for layer in LAYERS] if layout.dialect == "mysql" else None
    source = services.create_source(actor=admin, name=name, dsn=url, include_schemas=include)
    run = services.ingest_now(actor=admin, source=source)
    assert run.status == "succeeded", run.error
    if scan:
        from privacy import services as privacy

        assert privacy.scan_now(actor=admin, source=source).status == "succeeded"
    return source


def q(url: str, layer: str, table: str) -> str:
    return layout_for(url).qualified(layer, table)  # type: ignore[arg-type]


def passenger_everywhere(url: str) -> tuple[int, str]:
    """A passenger with bookings, payments, loyalty, notes and a marketing-contact copy."""
    engine = sa.create_engine(url)
    p, m, la, n, b = (
        q(url, "raw", "passengers"),
        q(url, "marts", "marketing_contacts"),
        q(url, "raw", "loyalty_accounts"),
        q(url, "raw", "customer_notes"),
        q(url, "raw", "bookings"),
    )
    sql = (
        f"SELECT p.passenger_id, p.email FROM {p} p JOIN {m} m ON m.passenger_id = p.passenger_id "
        f"JOIN {la} la ON la.passenger_id = p.passenger_id "
        f"WHERE EXISTS (SELECT 1 FROM {n} n WHERE n.passenger_id = p.passenger_id) "
        f"AND EXISTS (SELECT 1 FROM {b} b WHERE b.passenger_id = p.passenger_id) "
        "ORDER BY p.passenger_id"
    )
    try:
        with engine.connect() as conn:
            row = conn.execute(sa.text(sql)).first()
    finally:
        engine.dispose()
    assert row is not None
    return int(row[0]), str(row[1])


def scalar(url: str, sql: str, **params: Any) -> Any:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()
    finally:
        engine.dispose()
