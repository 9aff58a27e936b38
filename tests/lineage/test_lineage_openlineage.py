"""``POST /api/v1/lineage``: OpenLineage RunEvents (Marquez-compatible), the columnLineage
facet, namespace -> source mapping, and 4xx JSON errors for malformed events."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from lineage.models import ColumnLineage, ExternalAsset, LineageProvenance, TableLineage

AIR = "air.airline.main"


def run_event(namespace: str = "air", **overrides: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "eventType": "COMPLETE",
        "eventTime": "2026-11-20T10:00:00.000Z",
        "producer": "https://github.com/OpenLineage/OpenLineage/tree/1.24.0/integration/spark",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": "0193a7f0-0000-7000-8000-000000000001"},
        "job": {
            "namespace": "spark-prod",
            "name": "nightly.loyalty_export",
            "facets": {"sql": {"query": "INSERT INTO mart_loyalty_status SELECT ..."}},
        },
        "inputs": [
            {"namespace": namespace, "name": "airline.main.raw_loyalty_accounts"},
            {"namespace": namespace, "name": "main.mart_passenger_360"},
        ],
        "outputs": [
            {
                "namespace": namespace,
                "name": "mart_loyalty_status",
                "facets": {
                    "columnLineage": {
                        "_producer": "https://github.com/OpenLineage/OpenLineage",
                        "_schemaURL": "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json",
                        "fields": {
                            "current_tier": {
                                "inputFields": [
                                    {
                                        "namespace": namespace,
                                        "name": "airline.main.raw_loyalty_accounts",
                                        "field": "tier",
                                        "transformations": [
                                            {"type": "DIRECT", "subtype": "IDENTITY"}
                                        ],
                                    },
                                    {
                                        "namespace": namespace,
                                        "name": "airline.main.raw_loyalty_accounts",
                                        "field": "passenger_id",
                                        "transformations": [
                                            {"type": "INDIRECT", "subtype": "JOIN"}
                                        ],
                                    },
                                ]
                            },
                            "spend_eur": {
                                "inputFields": [
                                    {
                                        "namespace": namespace,
                                        "name": "main.mart_passenger_360",
                                        "field": "total_spent_eur",
                                        "transformations": [
                                            {
                                                "type": "DIRECT",
                                                "subtype": "AGGREGATION",
                                                "masking": False,
                                            }
                                        ],
                                    }
                                ]
                            },
                            "earned_tier": {
                                "inputFields": [
                                    {
                                        "namespace": namespace,
                                        "name": "main.mart_passenger_360",
                                        "field": "email",
                                        "transformations": [
                                            {
                                                "type": "DIRECT",
                                                "subtype": "TRANSFORMATION",
                                                "masking": True,
                                            }
                                        ],
                                    }
                                ]
                            },
                        },
                    }
                },
            }
        ],
    }
    event.update(overrides)
    return event


def col(source: str, target: str) -> ColumnLineage | None:
    return ColumnLineage.objects.filter(source__fqn=source, target__fqn=target).first()


def test_event_with_column_lineage_facet(api: Any, admin: Any, catalog_source: Any) -> None:
    resp = api(admin).post("/api/v1/lineage", run_event(), format="json")
    assert resp.status_code == 201, resp.content
    assert resp.json()["source"] == "air" and resp.json()["column_edges"] == 4
    tier = col(f"{AIR}.raw_loyalty_accounts.tier", f"{AIR}.mart_loyalty_status.current_tier")
    assert tier is not None and tier.transform == "identity"
    join = ColumnLineage.objects.get(
        source__fqn=f"{AIR}.raw_loyalty_accounts.passenger_id",
        target__fqn=f"{AIR}.mart_loyalty_status.current_tier",
    )
    assert join.transform == "join_key"
    spend = col(f"{AIR}.mart_passenger_360.total_spent_eur", f"{AIR}.mart_loyalty_status.spend_eur")
    assert spend is not None and spend.transform == "aggregate"
    masked = col(f"{AIR}.mart_passenger_360.email", f"{AIR}.mart_loyalty_status.earned_tier")
    assert masked is not None and masked.transform == "hash"
    prov = tier.provenance.get()
    assert prov.kind == "openlineage" and prov.reference == "spark-prod/nightly.loyalty_export"
    assert prov.details["run_id"].startswith("0193a7f0") and prov.sql.startswith("INSERT")
    assert TableLineage.objects.filter(
        source__fqn=f"{AIR}.mart_passenger_360", target__fqn=f"{AIR}.mart_loyalty_status"
    ).exists()
    # a new run of the same job replaces its lineage instead of adding to it
    second = run_event(run={"runId": "0193a7f0-0000-7000-8000-000000000002"})
    second["outputs"][0]["facets"]["columnLineage"]["fields"].pop("earned_tier")
    assert api(admin).post("/api/v1/lineage/", second, format="json").status_code == 201
    assert col(f"{AIR}.mart_passenger_360.email", f"{AIR}.mart_loyalty_status.earned_tier") is None
    assert LineageProvenance.objects.filter(kind="openlineage").count() == 1


def test_database_uri_namespace_maps_to_the_sqlite_source(
    api: Any, admin: Any, catalog_source: Any
) -> None:
    resp = api(admin).post(
        "/api/v1/lineage", run_event(namespace="sqlite:///data/airline.db"), format="json"
    )
    assert resp.status_code == 201
    assert col(f"{AIR}.raw_loyalty_accounts.tier", f"{AIR}.mart_loyalty_status.current_tier")


def test_unknown_namespaces_become_external_nodes(
    api: Any, admin: Any, catalog_source: Any
) -> None:
    event = run_event()
    event["inputs"] = [{"namespace": "s3://lake", "name": "exports/loyalty.parquet"}]
    event["outputs"][0]["facets"] = {}
    resp = api(admin).post("/api/v1/lineage", event, format="json")
    assert resp.status_code == 201 and resp.json()["column_edges"] == 0
    ext = ExternalAsset.objects.get(name='"s3://lake/exports/loyalty.parquet"')
    assert TableLineage.objects.filter(
        source_external=ext, target__fqn=f"{AIR}.mart_loyalty_status"
    ).exists()


def test_fail_events_record_nothing(api: Any, admin: Any, catalog_source: Any) -> None:
    resp = api(admin).post("/api/v1/lineage", run_event(eventType="FAIL"), format="json")
    assert resp.status_code == 201 and resp.json()["column_edges"] == 0
    assert not LineageProvenance.objects.filter(kind="openlineage").exists()


def _broken(path: str, value: Any) -> dict[str, Any]:
    event = copy.deepcopy(run_event())
    node: Any = event
    keys = path.split(".")
    for key in keys[:-1]:
        node = node[int(key)] if key.isdigit() else node[key]
    last = keys[-1]
    if value is KeyError:
        del node[last]
    else:
        node[int(last) if last.isdigit() else last] = value
    return event


@pytest.mark.parametrize(
    ("path", "value", "where"),
    [
        ("eventTime", KeyError, "event.eventTime"),
        ("eventTime", "yesterday", "event.eventTime"),
        ("eventType", "EXPLODED", "event.eventType"),
        ("run", KeyError, "event.run"),
        ("run.runId", 7, "event.run.runId"),
        ("job.name", "", "event.job.name"),
        ("inputs", {"not": "a list"}, "event.inputs"),
        ("inputs.0.namespace", None, "event.inputs[0].namespace"),
        (
            "outputs.0.facets.columnLineage.fields",
            [],
            "event.outputs[0].facets.columnLineage.fields",
        ),
        (
            "outputs.0.facets.columnLineage.fields.spend_eur.inputFields",
            "x",
            "event.outputs[0].facets.columnLineage.fields.spend_eur.inputFields",
        ),
    ],
)
def test_malformed_events_are_400_json(
    api: Any, admin: Any, catalog_source: Any, path: str, value: Any, where: str
) -> None:
    resp = api(admin).post("/api/v1/lineage", _broken(path, value), format="json")
    assert resp.status_code == 400, resp.content
    error = resp.json()["error"]
    assert error["code"] == "validation_error" and error["details"]["path"] == where
    assert not LineageProvenance.objects.filter(kind="openlineage").exists()


def test_non_object_bodies_and_permissions(
    api: Any, admin: Any, alice: Any, catalog_source: Any
) -> None:
    body: Any
    for body in ([], "text"):
        resp = api(admin).post("/api/v1/lineage", body, format="json")
        assert resp.status_code == 400 and "error" in resp.json()
    resp = api(admin).post("/api/v1/lineage", data="{oops", content_type="application/json")
    assert resp.status_code == 400 and "error" in resp.json()
    assert api(alice).post("/api/v1/lineage", run_event(), format="json").status_code == 403
    assert api(None).post("/api/v1/lineage", run_event(), format="json").status_code in (401, 403)
