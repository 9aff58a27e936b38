"""End to end: the unmodified `metadata ingest` CLI against a live Custos (marker ``om``).

For the PostgreSQL and the MariaDB demo databases (throwaway names): every table, column,
comment, constraint and view-lineage edge must arrive, answers must validate against
OpenMetadata's own models, a second run after ALTER TABLE records drift, and a failing run
leaves the catalog untouched.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests.om import helpers

pytestmark = [
    pytest.mark.om,
    pytest.mark.skipif(helpers.skip_reason() is not None, reason=helpers.skip_reason() or ""),
]

TARGETS = {
    "postgres": "postgresql+psycopg://postgres@127.0.0.1:5432/{db}",
    "mariadb": "mysql+pymysql://root@127.0.0.1:3306/{db}",
}


def _demo(target: str) -> Iterator[tuple[str, str, Any]]:
    from catalog.demo import build_airline, drop_database, server_available

    url = TARGETS[target].format(db=f"om_e2e_{uuid.uuid4().hex[:8]}")
    if not server_available(url):
        if os.environ.get("CUSTOS_REQUIRE_SERVERS"):
            pytest.fail(f"{target} server is not reachable")
        pytest.skip(f"{target} server is not reachable")
    result = build_airline(url, size="small", seed=7)
    try:
        yield target, url, result
    finally:
        drop_database(url)


@pytest.fixture(params=sorted(TARGETS))
def demo_db(request: pytest.FixtureRequest) -> Iterator[tuple[str, str, Any]]:
    yield from _demo(request.param)


@pytest.fixture
def pg_demo_db() -> Iterator[tuple[str, str, Any]]:
    yield from _demo("postgres")


def _native_snapshot(url: str, schemas: list[str]) -> Any:
    from catalog.ingest import native

    return native.read_source(url, include=schemas)


def _expected_view_edges(dialect: str, database: str, views: set[str], fqn_db: str) -> set[tuple]:
    from catalog.demo import expected_lineage

    edges = set()
    for src, dst, _kind in expected_lineage(dialect, database=database):
        src_table, dst_table = src.rsplit(".", 1)[0], dst.rsplit(".", 1)[0]
        if dst_table.split(".", 1)[1] in views:
            edges.add((src_table.split(".", 1)[1], dst_table.split(".", 1)[1]))
    return edges


@pytest.mark.django_db(transaction=True)
def test_metadata_ingest_cli_fills_the_catalog(
    demo_db: tuple[str, str, Any],
    live_server: Any,
    admin: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from catalog import services
    from catalog.models import Asset, AssetType, DriftEvent
    from catalog.om import services as om_services
    from catalog.om.models import OmEntity, OmLineageEdge, OmSession, OmStagedEntity

    target, url, result = demo_db
    record = tmp_path / "exchanges.jsonl"
    monkeypatch.setenv("CUSTOS_OM_RECORD", str(record))
    dsn = url.replace("+psycopg", "").replace("+pymysql", "")
    source = services.create_source(
        actor=admin, name=f"om-{target}", dsn=dsn, include_schemas=list(result.schemas)
    )

    run = om_services.om_ingest_now(actor=admin, source=source, server=live_server.url)
    assert run.status == "succeeded", run.error
    assert run.kind == "openmetadata"
    assert run.stats["failures"] == 0 and run.stats["records"] > 0

    # every table, column, comment and constraint, compared with what the database holds
    snap = _native_snapshot(url, list(result.schemas))
    db_name = snap.databases[0].name
    views: set[str] = set()
    for schema in snap.databases[0].schemas:
        for table in schema.tables:
            fqn = f"{source.name}.{db_name}.{schema.name}.{table.name}"
            asset = Asset.objects.get(fqn=fqn, deleted_at__isnull=True)
            assert asset.type == (AssetType.VIEW if table.kind == "view" else AssetType.TABLE)
            if not (table.kind == "view" and table.comment == "VIEW"):  # MariaDB's placeholder
                assert asset.comment == table.comment, fqn
            if table.kind == "view":
                views.add(f"{schema.name}.{table.name}")
                assert asset.view_sql.strip(), fqn
            cols = {c.name: c for c in Asset.objects.filter(table_ref=asset, type="column")}
            sent = OmEntity.objects.get(kind="table", fqn=fqn).body
            constraints = {c["name"]: c.get("constraint") for c in sent["columns"]}
            assert set(cols) == {c.name for c in table.columns}, fqn
            for c in table.columns:
                assert cols[c.name].comment == c.comment, f"{fqn}.{c.name}"
                assert cols[c.name].is_primary_key == c.is_primary_key, f"{fqn}.{c.name}"
                if constraints.get(c.name) != "UNIQUE":  # OpenMetadata drops NOT NULL there
                    assert cols[c.name].nullable == c.nullable, f"{fqn}.{c.name}"
            for fk in table.foreign_keys:
                for col, ref in zip(fk.columns, fk.ref_columns, strict=True):
                    referenced = cols[col].references
                    assert referenced is not None, f"{fqn}.{col}"
                    assert referenced.fqn == (
                        f"{source.name}.{fk.ref_database}.{fk.ref_schema}.{fk.ref_table}.{ref}"
                    )
    assert Asset.objects.filter(source=source, type__in=["table", "view"]).count() == sum(
        len(s.tables) for s in snap.databases[0].schemas
    )

    # view lineage, table- and column-level
    prefix = f"{source.name}.{db_name}."
    edges = {
        (e.from_fqn.removeprefix(prefix), e.to_fqn.removeprefix(prefix))
        for e in OmLineageEdge.objects.filter(source=source)
    }
    dialect = "postgres" if target == "postgres" else "mysql"
    expected = _expected_view_edges(dialect, result.database, views, db_name)
    assert expected, "the demo has views built on tables"
    assert expected <= edges, sorted(expected - edges)
    for edge in OmLineageEdge.objects.filter(source=source):
        assert edge.to_asset is not None and edge.from_asset is not None
        assert edge.columns, f"{edge} has no column-level lineage"
        for col in edge.columns:
            assert col["to"].startswith(edge.to_fqn + ".")

    # staging is empty once committed; answers validate against OpenMetadata's models
    assert OmSession.objects.get(run=run).status == "committed"
    assert not OmStagedEntity.objects.exists()
    exchanges = [json.loads(x) for x in record.read_text().splitlines()]
    assert helpers.validate(helpers.response_pairs(exchanges)) == []

    # second run after ALTER TABLE: drift recorded, nothing else changes
    table = "passengers"
    schema = result.schemas[0]
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text(f"ALTER TABLE {schema}.{table} ADD COLUMN om_probe VARCHAR(20)"))
    engine.dispose()
    record.unlink()
    run2 = om_services.om_ingest_now(
        actor=admin, source=source, server=live_server.url, lineage=False
    )
    assert run2.status == "succeeded", run2.error
    fqn = f"{source.name}.{db_name}.{schema}.{table}"
    drift = DriftEvent.objects.filter(run=run2)
    assert [(d.table.fqn, d.kind, d.column_name) for d in drift] == [
        (fqn, "column_added", "om_probe")
    ]
    assert Asset.objects.filter(fqn=f"{fqn}.om_probe", deleted_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_failed_workflow_leaves_the_catalog_as_it_was(
    pg_demo_db: tuple[str, str, Any],
    live_server: Any,
    admin: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The metadata step succeeds (writes staged), the lineage step fails: nothing applies."""
    from catalog import services
    from catalog.models import Asset
    from catalog.om import services as om_services
    from catalog.om import workflow
    from catalog.om.models import OmSession, OmStagedEntity

    _, url, result = pg_demo_db
    dsn = url.replace("+psycopg", "")
    source = services.create_source(
        actor=admin, name="om-fail", dsn=dsn, include_schemas=list(result.schemas)
    )
    before = set(Asset.objects.values_list("fqn", flat=True))

    real = workflow.lineage_workflow

    def broken(**kwargs: Any) -> dict[str, Any]:
        config = real(**kwargs)
        config["source"]["serviceConnection"]["config"]["hostPort"] = "127.0.0.1:1"
        return config

    monkeypatch.setattr(workflow, "lineage_workflow", broken)
    run = om_services.om_ingest_now(actor=admin, source=source, server=live_server.url)
    assert run.status == "failed"
    assert "lineage" in run.error
    assert run.stats["discarded_writes"] > 0  # the metadata step did write (to staging)
    assert set(Asset.objects.values_list("fqn", flat=True)) == before
    assert OmSession.objects.get(run=run).status == "discarded"
    assert not OmStagedEntity.objects.exists()
