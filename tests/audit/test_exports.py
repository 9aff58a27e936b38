"""Compliance exports: 202 + job with progress, signed bundle, scopes, permissions."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from audit import keyfiles, services
from audit.chain.bundle import verify_bundle
from audit.models import AuditEvent
from tests.audit.conftest import write_events

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor(make_user: Any) -> Any:
    return make_user("audrey", "Auditor")


def _export(client: Any, capture: Any, **body: Any) -> dict[str, Any]:
    with capture(execute=True):
        resp = client.post("/api/v1/audit/exports", body, format="json")
    assert resp.status_code == 202, resp.content
    return resp.json()


def _download(client: Any, export: dict[str, Any], tmp_path: Path) -> Path:
    status = client.get(f"/api/v1/audit/exports/{export['id']}").json()
    assert status["status"] == "succeeded", status
    assert status["progress"]["percent"] == 100
    resp = client.get(status["download"].replace("http://testserver", ""))
    assert resp.status_code == 200
    path = tmp_path / f"{export['id']}.zip"
    path.write_bytes(b"".join(resp.streaming_content))
    return path


def test_full_export_is_a_verifiable_contiguous_chain(
    api: Any, auditor: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    write_events(20)
    client = api(auditor)
    export = _export(client, django_capture_on_commit_callbacks, scope="all")
    assert export["status"] in {"queued", "succeeded"}
    path = _download(client, export, tmp_path)
    result = verify_bundle(path, trusted_keys=keyfiles.public_keys())
    assert result.ok, result.summary()
    assert result.contiguous and result.pinned
    assert result.first_seq == 1 and result.events >= 20
    assert result.checkpoints >= 1  # the export sealed the head first
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        assert manifest["scope"]["kind"] == "all"
        assert manifest["events"]["count"] == result.events
        assert {"events.jsonl", "events.csv", "manifest.json", "manifest.sig"} <= set(zf.namelist())
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert {"audit.export.request", "audit.export.complete", "audit.export.download"} <= set(
        actions
    )


def test_period_filter(
    api: Any, auditor: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    write_events(5)
    client = api(auditor)
    export = _export(
        client,
        django_capture_on_commit_callbacks,
        scope="all",
        since="2000-01-01",
        until="2000-02-01",
    )
    path = _download(client, export, tmp_path)
    result = verify_bundle(path)
    assert result.ok and result.events == 0


def test_user_scope(
    api: Any, auditor: Any, alice: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    write_events(3)
    with transaction.atomic():
        services.record(action="catalog.tag.add", actor=alice, object_type="asset", object_id="9")
    client = api(auditor)
    export = _export(client, django_capture_on_commit_callbacks, scope="user", username="alice")
    result = verify_bundle(_download(client, export, tmp_path))
    assert result.ok and not result.contiguous
    # alice's token creation (conftest api fixture is not used for alice) + her tag event
    with zipfile.ZipFile(tmp_path / f"{export['id']}.zip") as zf:
        actors = {
            json.loads(line)["body"]["actor"] for line in zf.read("events.jsonl").splitlines()
        }
    assert actors == {"alice"}


def test_subject_scope_finds_pseudonymised_mentions(
    api: Any, auditor: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    ref = services.subject_ref("Jane.Doe@example.com")
    with transaction.atomic():
        services.record(
            action="privacy.erasure.request",
            object_type="erasure",
            object_id="1",
            changes={"subject": ref},
        )
        services.record(
            action="privacy.erasure.complete",
            object_type="erasure",
            object_id="1",
            changes={"subject": ref},
        )
        services.record(
            action="privacy.erasure.request",
            object_type="erasure",
            object_id="2",
            changes={"subject": services.subject_ref("other@example.com")},
        )
    client = api(auditor)
    export = _export(
        client,
        django_capture_on_commit_callbacks,
        scope="subject",
        subject=" jane.doe@EXAMPLE.com ",
    )
    assert export["target"] == ref  # the raw identifier is never stored
    path = _download(client, export, tmp_path)
    # Both erasure events, plus this export's own request (it names the subject too).
    assert verify_bundle(path).events == 3
    raw = path.read_bytes()
    assert b"jane" not in raw.lower()
    request_event = AuditEvent.objects.get(action="audit.export.request", changes__scope="subject")
    assert "jane" not in json.dumps(request_event.changes).lower()


def test_asset_scope(
    api: Any,
    admin: Any,
    tmp_path: Path,
    catalog_source: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from catalog.models import Asset

    table = Asset.objects.filter(source=catalog_source, type="table").order_by("fqn").first()
    assert table is not None
    with transaction.atomic():
        services.record(action="catalog.asset.update", obj=table, changes={"x": 1})
    client = api(admin)
    export = _export(client, django_capture_on_commit_callbacks, scope="asset", fqn=table.fqn)
    path = _download(client, export, tmp_path)
    result = verify_bundle(path)
    assert result.ok and result.events >= 1
    with zipfile.ZipFile(path) as zf:
        objects = {
            json.loads(line)["body"]["object"] for line in zf.read("events.jsonl").splitlines()
        }
    assert all(
        o == table.fqn or o.startswith(table.fqn + ".") or o.startswith(table.fqn + ":")
        for o in objects
    )


def test_export_permissions_and_validation(api: Any, alice: Any, auditor: Any) -> None:
    assert (
        api(alice).post("/api/v1/audit/exports", {"scope": "all"}, format="json").status_code == 403
    )
    client = api(auditor)
    bad = client.post("/api/v1/audit/exports", {"scope": "asset"}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["details"]["field"] == "fqn"
    assert (
        client.post("/api/v1/audit/exports", {"scope": "galaxy"}, format="json").status_code == 400
    )
    bad_date = client.post(
        "/api/v1/audit/exports", {"scope": "all", "since": "yesterday"}, format="json"
    )
    assert bad_date.status_code == 400
    missing = client.get("/api/v1/audit/exports/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404


def test_keys_endpoint_publishes_the_public_key(api: Any, alice: Any) -> None:
    body = api(alice).get("/api/v1/audit/keys").json()
    assert body["algorithm"] == "ed25519"
    assert [k["key_id"] for k in body["keys"]] == list(keyfiles.public_keys())
    assert "PRIVATE" not in json.dumps(body)


def test_signing_key_file_is_private() -> None:
    keyfiles.signing_key()
    files = list(keyfiles.keys_dir().glob("audit-signing-*.key"))
    assert files and all((f.stat().st_mode & 0o777) == 0o600 for f in files)


def test_export_ui_flow(client: Any, auditor: Any, django_capture_on_commit_callbacks: Any) -> None:
    write_events(3)
    client.force_login(auditor)
    assert client.get("/audit/exports/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post("/audit/exports/", {"scope": "all"})
    assert resp.status_code == 302
    page = client.get(resp["Location"])
    assert b"Succeeded" in page.content and b"Download bundle" in page.content
    download = client.get(resp["Location"] + "download/")
    assert download.status_code == 200
    data = b"".join(download.streaming_content)
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
