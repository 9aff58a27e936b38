"""Every OpenMetadata endpoint, replaying request bodies recorded from a real CLI run.

``recorded/mariadb_first_run.jsonl`` is what `metadata ingest` (metadata + view lineage)
sent to a fresh Custos for the MariaDB demo; ``postgres_rerun.jsonl`` a second run on
PostgreSQL. Recorded with ``CUSTOS_OM_RECORD=<file>`` (see catalog/om/api.py).
"""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace
from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.om import helpers

SERVICE = "mydemo"


@pytest.fixture
def exchanges() -> list[dict[str, Any]]:
    return helpers.load_recorded("mariadb_first_run.jsonl")


@pytest.fixture
def source(db: Any, admin: Any) -> Any:
    from catalog import services

    return services.create_source(
        actor=admin, name=SERVICE, dsn="mysql://root@127.0.0.1:3306/om_dev_my"
    )


@pytest.fixture
def bot(db: Any, roles: Any) -> Any:
    from catalog.om.services import ensure_bot

    return ensure_bot()


@pytest.fixture
def client(bot: Any) -> APIClient:
    from access.tokens import create_token

    _, plain = create_token(user=bot, name="om-test", days=1)
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}")
    return c


def _send(client: APIClient, method: str, path: str, body: Any = None, query: str = "") -> Any:
    url = path + (f"?{query}" if query else "")
    data = json.dumps(body) if body is not None else None
    return getattr(client, method.lower())(url, data=data, content_type="application/json")


def _replay(client: APIClient, exchanges: list[dict[str, Any]]) -> list[tuple[dict, Any]]:
    out = []
    for e in exchanges:
        response = _send(client, e["method"], e["path"], e["body"], e["query"])
        out.append((e, response))
    return out


def test_replayed_workflow_writes_the_catalog_directly_without_a_session(
    source: Any, client: APIClient, exchanges: list[dict[str, Any]]
) -> None:
    from catalog.models import Asset, DriftEvent
    from catalog.om.models import OmLineageEdge

    results = _replay(client, exchanges)
    for e, response in results:
        assert response.status_code == e["status"], (e["method"], e["path"], response.content[:300])
    tables = Asset.objects.filter(source=source, type__in=["table", "view"])
    assert tables.count() == 23
    assert Asset.objects.filter(source=source, type="column").count() == 214
    assert Asset.objects.filter(source=source, is_primary_key=True).exists()
    assert Asset.objects.filter(source=source, references__isnull=False).exists()
    assert DriftEvent.objects.filter(kind="table_added").count() == 23
    assert OmLineageEdge.objects.count() == 6
    edge = OmLineageEdge.objects.first()
    assert edge is not None and edge.columns and edge.to_asset is not None
    passengers = Asset.objects.get(fqn__endswith="_raw.passengers")
    assert passengers.comment  # table comments arrive


def test_answers_validate_against_openmetadata_models(
    source: Any, client: APIClient, exchanges: list[dict[str, Any]]
) -> None:
    if helpers.skip_reason():
        pytest.skip(helpers.skip_reason() or "")
    results = _replay(client, exchanges)
    answered = [
        {**e, "status": r.status_code, "response": r.json() if r.content else None}
        for e, r in results
    ]
    pairs = helpers.response_pairs(answered)
    assert len(pairs) > 50
    assert helpers.validate(pairs) == []


def test_writes_of_a_session_are_staged_until_commit(
    source: Any, bot: Any, exchanges: list[dict[str, Any]], admin: Any
) -> None:
    from access.tokens import create_token
    from catalog import services
    from catalog.models import Asset
    from catalog.om.models import OmSession, OmStagedEntity
    from catalog.om.store import commit_session

    run = services.start_ingestion(actor=admin, source=source, kind="openmetadata")
    token, plain = create_token(user=bot, name="om-run", days=1)
    session = OmSession.objects.create(run=run, source=source, token=token)
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}")
    for e, response in _replay(c, exchanges):
        assert response.status_code == e["status"], (e["path"], response.content[:300])
    # reads saw the staged tables (the lineage step found its views); the catalog did not
    assert not Asset.objects.filter(source=source, type="table").exists()
    assert OmStagedEntity.objects.filter(session=session, kind="table").count() == 23
    totals = commit_session(session, actor=admin)
    assert totals["tables"] == 23 and totals["lineage_edges"] == 6
    assert Asset.objects.filter(source=source, type__in=["table", "view"]).count() == 23
    assert not OmStagedEntity.objects.exists()


def test_delete_stale_marks_missing_tables_deleted_and_keeps_history(
    source: Any, client: APIClient, exchanges: list[dict[str, Any]]
) -> None:
    from catalog.models import Asset, DriftEvent

    _replay(client, exchanges)
    victim = Asset.objects.get(fqn__endswith="_raw.customer_notes")
    schema_fqn = victim.fqn.rsplit(".", 1)[0]
    seen = list(
        Asset.objects.filter(fqn__startswith=schema_fqn + ".", type__in=["table", "view"])
        .exclude(pk=victim.pk)
        .values_list("fqn", flat=True)
    )
    body = {"scopeFqn": schema_fqn, "scopeEntityType": "databaseSchema", "seenFqns": seen}
    response = _send(client, "DELETE", "/om/api/v1/tables/deleteStale", body)
    assert response.status_code == 200
    assert response.json()["numberOfRowsProcessed"] == 1
    victim.refresh_from_db()
    assert victim.deleted_at is not None  # marked, not destroyed
    assert DriftEvent.objects.filter(table=victim, kind="table_dropped").exists()
    assert Asset.objects.filter(table_ref=victim).exists()  # columns kept too


def test_malformed_table_is_rejected_with_the_validation_message(
    source: Any, client: APIClient, exchanges: list[dict[str, Any]]
) -> None:
    setup = [
        e for e in exchanges if e["path"].endswith(("/databases/bulk", "/databaseSchemas/bulk"))
    ]
    _replay(client, setup)
    bulk = next(e for e in exchanges if e["path"] == "/om/api/v1/tables/bulk")
    table = dict(bulk["body"][0])
    table["columns"] = [{"name": "x"}]  # no dataType
    response = _send(client, "PUT", "/om/api/v1/tables", table)
    assert response.status_code == 400
    assert response.json()["message"] == "columns[0].dataType: field required"
    assert response.json()["error"]["code"] == "validation_error"
    # the bulk form fails that row alone
    response = _send(client, "PUT", "/om/api/v1/tables/bulk", [table, bulk["body"][1]])
    assert response.status_code == 200
    assert response.json()["numberOfRowsFailed"] == 1
    assert response.json()["numberOfRowsPassed"] == 1
    response = _send(client, "PUT", "/om/api/v1/tables", ["not", "an", "object"])
    assert response.status_code == 400
    response = client.put("/om/api/v1/tables", data="{broken", content_type="application/json")
    assert response.status_code == 400 and "invalid JSON" in response.json()["message"]


def test_unknown_service_is_a_404_naming_the_source(client: APIClient) -> None:
    body = {"name": "nope", "serviceType": "Postgres"}
    response = _send(client, "PUT", "/om/api/v1/services/databaseServices", body)
    assert response.status_code == 404
    assert "No Custos source named 'nope'" in response.json()["message"]


def test_json_patch_updates_a_table(
    source: Any, client: APIClient, exchanges: list[dict[str, Any]]
) -> None:
    from catalog.models import Asset

    _replay(client, exchanges)
    fqn = Asset.objects.get(fqn__endswith="_raw.aircraft").fqn
    ops = [{"op": "replace", "path": "/description", "value": "Patched."}]
    response = _send(client, "PATCH", f"/om/api/v1/tables/name/{fqn}", ops)
    assert response.status_code == 200, response.content
    assert response.json()["description"] == "Patched."
    assert Asset.objects.get(fqn=fqn).comment == "Patched."
    bad = [{"op": "remove", "path": "/nope"}]
    response = _send(client, "PATCH", f"/om/api/v1/tables/name/{fqn}", bad)
    assert response.status_code == 400 and "JSON Patch[0]" in response.json()["message"]


def test_unsupported_endpoint_names_itself_and_is_logged(
    client: APIClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="custos.om"):
        response = client.post("/om/api/v1/dashboards", data="{}", content_type="application/json")
    assert response.status_code == 501
    assert response.json()["error"]["details"]["endpoint"] == "POST /v1/dashboards"
    assert any("POST /v1/dashboards" in r.getMessage() for r in caplog.records)
    response = client.get("/om/api/v1/pipelines/name/x")
    assert response.status_code == 404
    assert response.json()["code"] == 404  # what OpenMetadata's client reads


def test_authentication_and_permission(db: Any, alice: Any, api: Any) -> None:
    anonymous = APIClient()
    response = anonymous.get("/om/api/v1/system/version")
    assert response.status_code == 401
    assert response.json()["code"] == 401
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Bearer cst_nope_nope")
    assert bad.get("/om/api/v1/system/version").status_code == 401
    # an analyst's valid token may not feed the catalog
    assert api(alice).get("/om/api/v1/system/version").status_code == 403


def test_version_matches_the_2_0_client(client: APIClient) -> None:
    response = client.get("/om/api/v1/system/version")
    assert response.status_code == 200
    assert response.json()["version"].startswith("2.0.")


def test_export_then_import_round_trips_tags_terms_and_tables(
    source: Any, client: APIClient, exchanges: list[dict[str, Any]], admin: Any, api: Any, sam: Any
) -> None:
    from catalog import services
    from catalog.models import Asset, GlossaryTerm, Tag

    _replay(client, exchanges)
    table = Asset.objects.get(fqn__endswith="_raw.passengers")
    email = Asset.objects.get(table_ref=table, name="email")
    services.add_tag(actor=admin, asset=email, tag="pii")
    parent = services.create_term(actor=admin, name="Customer", definition="A person.")
    services.create_term(actor=admin, name="Email", parent=parent, synonyms=["mail"])
    response = api(admin).get("/api/v1/om/export")
    assert response.status_code == 200
    document = response.json()
    assert len(document["tables"]) == 23
    if not helpers.skip_reason():
        pairs = [("Table", t) for t in document["tables"]]
        pairs += [("Tag", t) for t in document["tags"]]
        pairs += [("GlossaryTerm", t) for t in document["glossaryTerms"]]
        pairs += [("Glossary", g) for g in document["glossaries"]]
        pairs += [("Classification", c) for c in document["classifications"]]
        assert helpers.validate(pairs) == []
    assert api(sam).get("/api/v1/om/export").status_code == 403

    Tag.objects.all().delete()
    GlossaryTerm.objects.filter(parent__isnull=False).delete()
    GlossaryTerm.objects.all().delete()
    response = api(admin).post("/api/v1/om/import", document, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["imported"]["tables"] == 23
    assert Tag.objects.filter(name="pii").exists()
    assert GlossaryTerm.objects.get(fqn="Customer.Email").synonyms == ["mail"]
    assert api(sam).post("/api/v1/om/import", document, format="json").status_code == 403
    bad = {"tables": [{"name": "t", "fullyQualifiedName": "nope.db.s.t", "columns": []}]}
    response = api(admin).post("/api/v1/om/import", bad, format="json")
    assert (
        response.status_code == 400
        and "no Custos source named 'nope'" in response.json()["error"]["message"]
    )


def test_admin_button_and_api_queue_an_openmetadata_run(
    source: Any,
    admin: Any,
    sam: Any,
    api: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.test import Client

    from catalog.models import IngestionRun
    from catalog.om import tasks

    queued: list[int] = []
    monkeypatch.setattr(
        tasks, "om_ingest_source", SimpleNamespace(enqueue=lambda run_id: queued.append(run_id))
    )
    browser = Client()
    browser.force_login(admin)
    page = browser.get("/sources/")
    assert b"Ingest with OpenMetadata" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(f"/sources/{SERVICE}/om-ingest/")
    assert response.status_code == 302
    run = IngestionRun.objects.get(kind="openmetadata")
    assert run.status == "queued" and queued == [run.pk]
    # a second one while the first is queued is refused; a steward may not start one
    assert api(admin).post(f"/api/v1/sources/{SERVICE}/om-ingest").status_code == 409
    steward = Client()
    steward.force_login(sam)
    assert b"Ingest with OpenMetadata" not in steward.get("/sources/").content
    assert steward.post(f"/sources/{SERVICE}/om-ingest/").status_code == 404
    assert api(sam).post(f"/api/v1/sources/{SERVICE}/om-ingest").status_code == 403


def test_sqlite_sources_cannot_use_the_openmetadata_workflow(
    catalog_source: Any, admin: Any, api: Any
) -> None:
    response = api(admin).post(f"/api/v1/sources/{catalog_source.name}/om-ingest")
    assert response.status_code == 400
    assert "PostgreSQL and MySQL/MariaDB" in response.json()["error"]["message"]
