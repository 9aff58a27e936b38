"""Sources of lineage: views, query log files, pg_stat_statements, dbt manifests, manual
edges through ``record_edges``; provenance, externals, re-ingest and audit."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.models import AuditEvent
from catalog.models import Asset
from custos.errors import PermissionDenied, ValidationFailed
from lineage import services
from lineage.models import (
    ColumnLineage,
    ExternalAsset,
    LineageProvenance,
    TableLineage,
)
from lineage.specs import EdgeSpec, ProvenanceSpec

AIR = "air.airline.main"
FIXTURES = Path(__file__).parent / "fixtures"


def edge(source: str, target: str) -> ColumnLineage | None:
    return ColumnLineage.objects.filter(source__fqn=source, target__fqn=target).first()


# -- views -------------------------------------------------------------------------------


def test_view_edges_carry_the_view_as_provenance(catalog_source: Any) -> None:
    found = edge(f"{AIR}.raw_passengers.email", f"{AIR}.stg_passengers.email")
    assert found is not None and found.transform == "expression"
    (prov,) = found.provenance.all()
    assert prov.kind == "view" and prov.reference == f"{AIR}.stg_passengers"
    assert "LOWER(TRIM(p.email))" in prov.sql and prov.source == catalog_source
    assert found.table_edge.source.fqn == f"{AIR}.raw_passengers"  # type: ignore[union-attr]
    assert "expression" in found.table_edge.transform_list


def test_changed_and_dropped_views_replace_their_edges(catalog_source: Any) -> None:
    view = Asset.objects.get(fqn=f"{AIR}.stg_passengers")
    view.view_sql = (
        "CREATE VIEW stg_passengers AS "
        "SELECT p.passenger_id, MD5(p.email) AS email FROM raw_passengers AS p"
    )
    view.save()
    report = services.ingest_views(source=catalog_source)
    assert report.write.edges_removed > 0
    email = ColumnLineage.objects.get(
        source__fqn=f"{AIR}.raw_passengers.email", target__fqn=f"{AIR}.stg_passengers.email"
    )
    assert email.transform == "hash"
    assert not ColumnLineage.objects.filter(target__fqn=f"{AIR}.stg_passengers.phone").exists()
    view.view_sql = ""
    view.save()
    services.ingest_views(source=catalog_source)
    assert not ColumnLineage.objects.filter(target__table_ref=view).exists()
    assert not LineageProvenance.objects.filter(reference=view.fqn).exists()


def test_views_ingest_writes_one_audit_event_per_batch(catalog_source: Any) -> None:
    before = AuditEvent.objects.filter(action="lineage.ingest.view").count()
    report = services.ingest_views(source=catalog_source)
    events = AuditEvent.objects.filter(action="lineage.ingest.view").order_by("-seq")
    assert events.count() == before + 1
    assert events[0].changes["column_edges"] == report.write.column_edges > 50


def test_lineage_ingest_command_views(catalog_source: Any) -> None:
    out = StringIO()
    call_command("lineage_ingest", "air", stdout=out)
    assert "view lineage of air: 4 provenance(s)" in out.getvalue()
    with pytest.raises(CommandError, match="No source named"):
        call_command("lineage_ingest", "nope", stdout=out)


# -- query logs ----------------------------------------------------------------------------


def test_jsonl_query_log_with_bad_lines(catalog_source: Any, tmp_path: Path) -> None:
    log = tmp_path / "queries.jsonl"
    insert = (
        "INSERT INTO mart_marketing_contacts (passenger_id, email) "
        "SELECT passenger_id, lower(email) FROM raw_passengers"
    )
    log.write_text(
        "\n".join(
            [
                json.dumps(
                    {"query": insert, "user": "etl", "ts": "2026-11-01T10:00:00Z", "calls": 4}
                ),
                json.dumps({"sql": "  " + insert.replace(" FROM", "\n FROM") + ";"}),  # same query
                json.dumps({"query": "SELECT * FROM raw_passengers"}),  # read-only: no lineage
                "{not json",
                json.dumps(["a list"]),
                json.dumps({"text": "no sql field"}),
                json.dumps({"query": "INSERT INTO ghosts SELECT x FROM nowhere_at_all"}),
                "",
            ]
        ),
        encoding="utf-8",
    )
    out = StringIO()
    call_command("lineage_ingest", "air", "--query-log", str(log), "--json", stdout=out)
    report = json.loads(out.getvalue().strip().splitlines()[-1])
    assert report["provenances"] == 2 and report["skipped"] == 1
    assert report["statements_failed"] == 3 and len(report["errors"]) == 3
    found = edge(f"{AIR}.raw_passengers.email", f"{AIR}.mart_marketing_contacts.email")
    assert found is not None and found.transform == "expression"
    prov = found.provenance.get(kind="query_log")
    assert prov.reference.startswith("sha256:") and prov.details["calls"] == 5
    assert prov.details["user"] == "etl" and prov.seen_at.isoformat().startswith("2026-11-01")
    # unknown tables are kept as external nodes (with their columns), not dropped
    ghost = ExternalAsset.objects.get(name="airline.main.ghosts")
    assert ghost.kind == "table"
    assert TableLineage.objects.filter(
        source_external__name="airline.main.nowhere_at_all", target_external=ghost
    ).exists()
    # a second run changes nothing
    counts = (
        ColumnLineage.objects.count(),
        TableLineage.objects.count(),
        ExternalAsset.objects.count(),
    )
    call_command("lineage_ingest", "air", "--query-log", str(log), stdout=StringIO())
    assert (
        ColumnLineage.objects.count(),
        TableLineage.objects.count(),
        ExternalAsset.objects.count(),
    ) == counts


def test_csv_query_log(catalog_source: Any, tmp_path: Path) -> None:
    log = tmp_path / "history.csv"
    log.write_text(
        'query_text,user,start_time\n"CREATE TABLE mart_x AS SELECT email, COUNT(*) AS n\n'
        'FROM raw_passengers GROUP BY email",alice,2026-10-01 08:00:00\n',
        encoding="utf-8",
    )
    report = services.ingest_query_log(source=catalog_source, path=log)
    assert report.write.provenances == 1 and report.write.column_edges >= 1
    ext = ExternalAsset.objects.get(kind="column", name="airline.main.mart_x.email")
    assert ColumnLineage.objects.filter(
        source__fqn=f"{AIR}.raw_passengers.email", target_external=ext, transform="identity"
    ).exists()


def test_missing_query_log_file_is_a_command_error(catalog_source: Any) -> None:
    with pytest.raises(CommandError, match="No such file"):
        call_command("lineage_ingest", "air", "--query-log", "/nonexistent.jsonl")


def test_pg_stat_statements_needs_postgres(catalog_source: Any) -> None:
    with pytest.raises(ValidationFailed, match="needs a PostgreSQL source"):
        services.ingest_pg_stat_statements(source=catalog_source)
    with pytest.raises(CommandError, match="needs a PostgreSQL source"):
        call_command("lineage_ingest", "air", "--pg-stat-statements")


@pytest.mark.sources
def test_pg_stat_statements_without_the_extension_says_what_to_do(admin: Any) -> None:
    from catalog import services as catalog_services
    from catalog.demo.databases import server_available

    url = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    if not server_available(url):
        pytest.skip("PostgreSQL not reachable")
    source = catalog_services.create_source(actor=admin, name="pgstat", dsn=url)
    message = ""
    try:
        report = services.ingest_pg_stat_statements(source=source)
    except ValidationFailed as exc:
        message = exc.message
    if message:
        assert "pg_stat_statements" in message
        assert "CREATE EXTENSION" in message or "Cannot read" in message
    else:  # the extension is installed here: statements were read
        assert report.kind == "query_log"


# -- dbt -----------------------------------------------------------------------------------


def test_dbt_manifest_models_give_column_lineage(catalog_source: Any) -> None:
    out = StringIO()
    call_command(
        "lineage_ingest",
        "air",
        "--dbt-manifest",
        str(FIXTURES / "dbt_manifest.json"),
        "--json",
        stdout=out,
    )
    report = json.loads(out.getvalue().strip())
    assert report["provenances"] == 4  # the ephemeral model is inlined, not a target
    # through the ephemeral CTE, with filters from its WHERE
    found = edge(f"{AIR}.stg_passengers.email", f"{AIR}.mart_marketing_contacts.email")
    assert found is not None and found.transform == "identity"
    prov = found.provenance.get(kind="dbt")
    assert prov.reference == "model.custos_air.mart_marketing_contacts"
    assert prov.details["materialized"] == "table" and prov.details["dbt_version"] == "1.9.4"
    assert ColumnLineage.objects.filter(
        source__fqn=f"{AIR}.stg_passengers.marketing_opt_in",
        target__fqn=f"{AIR}.mart_marketing_contacts.email",
        transform="filter",
    ).exists()
    assert edge(f"{AIR}.raw_loyalty_accounts.tier", f"{AIR}.mart_marketing_contacts.loyalty_tier")
    # a model the catalog has not ingested yet is an external node; md5 is a hash
    hashed = ColumnLineage.objects.get(
        source__fqn=f"{AIR}.mart_marketing_contacts.email",
        target_external__name="airline.main.contact_emails.email_hash",
    )
    assert hashed.transform == "hash"
    # no compiled SQL: table level from depends_on only
    summary = LineageProvenance.objects.get(reference="model.custos_air.route_summary")
    assert "table-level" in summary.details["note"]
    assert TableLineage.objects.filter(
        source__fqn=f"{AIR}.raw_airports", target_external__name="airline.main.route_summary"
    ).exists()
    # re-ingest: same graph
    counts = (ColumnLineage.objects.count(), TableLineage.objects.count())
    services.ingest_dbt_manifest(source=catalog_source, manifest=FIXTURES / "dbt_manifest.json")
    assert (ColumnLineage.objects.count(), TableLineage.objects.count()) == counts


def test_bad_dbt_manifest(catalog_source: Any, tmp_path: Path) -> None:
    bad = tmp_path / "manifest.json"
    bad.write_text('{"metadata": {}}', encoding="utf-8")
    with pytest.raises(CommandError, match="no 'nodes'"):
        call_command("lineage_ingest", "air", "--dbt-manifest", str(bad))
    bad.write_text("not json", encoding="utf-8")
    with pytest.raises(ValidationFailed, match="Cannot read"):
        services.ingest_dbt_manifest(source=catalog_source, manifest=bad)


# -- record_edges (the write path other apps use) ------------------------------------------


def test_record_edges_upserts_and_keeps_externals(
    catalog_source: Any, alice: Any, admin: Any
) -> None:
    spec = ProvenanceSpec(kind="openmetadata", reference="om-edge-1", source=catalog_source)
    edges = [
        EdgeSpec(f"{AIR}.raw_crew.email", f"{AIR}.mart_passenger_360.email", "identity", 0.9),
        EdgeSpec('"s3://lake/crew.parquet"', f"{AIR}.raw_crew"),
        EdgeSpec(f"{AIR}.raw_crew", f"{AIR}.raw_crew"),  # a self-loop is ignored
        EdgeSpec("a", "b", "teleport"),  # rejected, reported
    ]
    report = services.record_edges(edges=edges, provenance=spec, actor=admin)
    assert report.write.column_edges == 1 and len(report.write.rejected) == 1
    stored = edge(f"{AIR}.raw_crew.email", f"{AIR}.mart_passenger_360.email")
    assert stored is not None and stored.confidence == 0.9
    assert ExternalAsset.objects.filter(name='"s3://lake/crew.parquet"', kind="table").exists()
    again = services.record_edges(edges=edges[:1], provenance=spec)
    assert again.write.column_edges_created == 0
    # replacing: the file edge is gone, the column edge stays
    assert not TableLineage.objects.filter(
        source_external__name='"s3://lake/crew.parquet"'
    ).exists()
    with pytest.raises(PermissionDenied):
        services.record_edges(edges=edges, provenance=spec, actor=alice)
    with pytest.raises(ValidationFailed):
        services.record_edges(edges=edges, provenance=ProvenanceSpec(kind="gossip", reference="x"))


def test_an_edge_seen_by_two_provenances_keeps_the_best_confidence(catalog_source: Any) -> None:
    a, b = f"{AIR}.raw_crew.email", f"{AIR}.mart_passenger_360.email"
    services.record_edges(
        edges=[EdgeSpec(a, b, "identity", 0.5)],
        provenance=ProvenanceSpec(kind="manual", reference="one"),
    )
    services.record_edges(
        edges=[EdgeSpec(a, b, "identity", 0.8)],
        provenance=ProvenanceSpec(kind="manual", reference="two"),
    )
    stored = edge(a, b)
    assert stored is not None and stored.confidence == 0.8 and stored.provenance.count() == 2
    services.record_edges(edges=[], provenance=ProvenanceSpec(kind="manual", reference="two"))
    stored.refresh_from_db()
    assert stored.confidence == 0.5
    services.record_edges(edges=[], provenance=ProvenanceSpec(kind="manual", reference="one"))
    assert edge(a, b) is None


def test_manual_edges_api(api: Any, admin: Any, alice: Any, catalog_source: Any) -> None:
    body = {
        "reference": "spreadsheet-import",
        "source": "air",
        "edges": [
            {
                "source": f"{AIR}.raw_crew.email",
                "target": f"{AIR}.mart_passenger_360.email",
                "transform": "identity",
            }
        ],
    }
    resp = api(admin).post("/api/v1/lineage/edges", body, format="json")
    assert resp.status_code == 201 and resp.json()["column_edges"] == 1
    assert api(alice).post("/api/v1/lineage/edges", body, format="json").status_code == 403
    bad = api(admin).post("/api/v1/lineage/edges", {"edges": "nope"}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "validation_error"
