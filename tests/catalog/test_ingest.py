"""Native ingestion: catalog contents, drift on re-ingest, metadata survives, failures change nothing."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from audit.models import AuditEvent
from catalog import services
from catalog.models import Asset, DriftEvent, IngestionRun, SearchEntry, Source

pytestmark = pytest.mark.django_db


def _db_path(url: str) -> str:
    return url.removeprefix("sqlite:///")


def test_ingest_catalogs_tables_columns_keys_and_comments(catalog_source: Source) -> None:
    tables = Asset.objects.filter(source=catalog_source, type__in=["table", "view"])
    assert tables.filter(name="raw_passengers").exists()
    assert tables.filter(type="view").exists(), "staging views are catalogued as views"
    email = Asset.objects.get(fqn="air.airline.main.raw_passengers.email")
    assert email.type == "column" and email.data_type and email.position
    pk = Asset.objects.get(fqn="air.airline.main.raw_passengers.passenger_id")
    assert pk.is_primary_key
    fk = Asset.objects.filter(source=catalog_source, type="column", references__isnull=False)
    assert fk.exists(), "foreign keys are linked to the referenced column"
    assert SearchEntry.objects.filter(asset=email).exists()
    view = tables.filter(type="view").first()
    assert view is not None and "select" in view.view_sql.lower()


def test_reingest_without_changes_records_no_drift(catalog_source: Source, admin: Any) -> None:
    before = DriftEvent.objects.count()
    run = services.ingest_now(actor=admin, source=catalog_source)
    assert run.status == "succeeded"
    assert DriftEvent.objects.count() == before
    assert (
        Asset.objects.filter(source=catalog_source).count()
        == Asset.objects.filter(source=catalog_source).values("fqn").distinct().count()
    )


def test_drift_is_recorded_and_descriptions_survive(
    catalog_source: Source, admin: Any, demo_sqlite: str
) -> None:
    email = Asset.objects.get(fqn="air.airline.main.raw_passengers.email")
    services.update_asset(
        actor=admin, asset=email, description="Contact e-mail, verified at booking"
    )
    services.add_tag(actor=admin, asset=email, tag="contact")
    con = sqlite3.connect(_db_path(demo_sqlite))
    con.executescript(
        "CREATE TABLE scratch (id INTEGER PRIMARY KEY, note TEXT, legacy TEXT);"
        "CREATE TABLE doomed (id INTEGER PRIMARY KEY);"
    )
    assert services.ingest_now(actor=admin, source=catalog_source).status == "succeeded"
    con.executescript(
        """
        ALTER TABLE raw_passengers ADD COLUMN loyalty_segment TEXT;
        ALTER TABLE scratch DROP COLUMN legacy;
        CREATE TABLE brand_new (id INTEGER PRIMARY KEY);
        DROP TABLE doomed;
        """
    )
    con.close()
    run = services.ingest_now(actor=admin, source=catalog_source)
    assert run.status == "succeeded", run.error
    kinds = {(d.kind, d.column_name) for d in DriftEvent.objects.filter(run=run)}
    assert ("column_added", "loyalty_segment") in kinds
    assert ("column_removed", "legacy") in kinds
    assert ("table_added", "") in kinds
    assert ("table_dropped", "") in kinds
    email.refresh_from_db()
    assert email.description == "Contact e-mail, verified at booking"
    assert email.tag_assignments.filter(tag__name="contact").exists()
    legacy = Asset.objects.get(fqn="air.airline.main.scratch.legacy")
    assert legacy.deleted_at is not None, "removed columns are marked deleted, not destroyed"
    assert Asset.objects.get(fqn="air.airline.main.doomed").deleted_at is not None
    assert AuditEvent.objects.filter(
        action="catalog.table.update", object_repr__endswith="raw_passengers"
    ).exists()


def test_unreachable_source_fails_cleanly_and_changes_nothing(admin: Any, tmp_path: Any) -> None:
    source = services.create_source(
        actor=admin, name="gone", dsn=f"sqlite:///{tmp_path / 'missing.db'}"
    )
    assets_before = Asset.objects.count()
    run = services.ingest_now(actor=admin, source=source)
    assert run.status == "failed"
    assert "does not exist" in run.error
    assert Asset.objects.count() == assets_before


def test_bad_credentials_error_does_not_leak_password(admin: Any) -> None:
    source = services.create_source(
        actor=admin, name="pg-bad", dsn="postgresql://nouser:s3cretpw@127.0.0.1:1/nodb"
    )
    run = services.ingest_now(actor=admin, source=source)
    assert run.status == "failed"
    assert "s3cretpw" not in run.error
    assert IngestionRun.objects.get(pk=run.pk).status == "failed"


def test_dsn_is_sealed_at_rest(admin: Any, demo_sqlite: str) -> None:
    source = services.create_source(
        actor=admin, name="sealed", dsn="postgresql://u:topsecret@127.0.0.1:5432/test"
    )
    raw = Source.objects.filter(pk=source.pk).values_list("dsn_sealed", flat=True).get()
    assert "topsecret" not in raw and raw.startswith("v1:")
    assert services.source_dsn(source).endswith("/test")
    assert "topsecret" not in services.redacted_dsn(source)
    assert "topsecret" not in str(
        AuditEvent.objects.filter(action="catalog.source.create").values_list("changes")
    )
