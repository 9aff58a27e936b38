"""The erasure workflow over the REST API on the SQLite demo: plan, four-eyes, execute,
verify, evidence; holds; bad input; permissions; identifiers hashed after close."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import call_command

from tests.gdpr.helpers import passenger_everywhere, register, scalar

URL = "/api/v1/privacy/erasure-requests/"


@pytest.fixture
def air(admin: Any, demo_sqlite: str) -> tuple[Any, str]:
    return register(admin, demo_sqlite), demo_sqlite


def _create(client: Any, email: str, **extra: Any) -> dict[str, Any]:
    res = client.post(
        URL, {"identifiers": {"email": email}, "source": "air", **extra}, format="json"
    )
    assert res.status_code == 201, res.content
    return res.json()


def test_full_erasure_with_four_eyes_and_signed_evidence(
    api: Any,
    dpo: Any,
    dpo2: Any,
    air: tuple[Any, str],
    tmp_path: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _, url = air
    pid, email = passenger_everywhere(url)
    c1, c2 = api(dpo), api(dpo2)
    req = _create(c1, f"  {email.upper()} ")  # normalised: case and spaces do not matter
    assert req["status"] == "open" and req["subject"].startswith("hmac:")
    assert email not in json.dumps(req)

    plan = c1.post(f"{URL}{req['id']}/plan", format="json").json()
    tables = {s["table"].split(".")[-1]: s for s in plan["steps"]}
    assert {
        "raw_passengers",
        "raw_bookings",
        "raw_payments",
        "raw_loyalty_accounts",
        "raw_customer_notes",
        "mart_passenger_360",
        "mart_marketing_contacts",
    } <= set(tables)
    assert all(s["action"] == "delete" for s in plan["steps"])
    order = [s["table"].split(".")[-1] for s in plan["steps"]]
    assert order.index("raw_payments") < order.index("raw_bookings") < order.index("raw_passengers")
    views = {u["table"].split(".")[-1] for u in plan["plan"]["unchanged"] if u["type"] == "view"}
    assert "stg_passengers" in views  # listed, never written
    assert scalar(url, "SELECT COUNT(*) FROM raw_passengers WHERE passenger_id = :p", p=pid) == 1

    # four-eyes: the creator cannot approve; a stale plan hash is refused
    res = c1.post(f"{URL}{req['id']}/approve", {}, format="json")
    assert res.status_code == 403 and res.json()["error"]["code"] == "permission_denied"
    res = c2.post(f"{URL}{req['id']}/approve", {"plan_hash": "0" * 64}, format="json")
    assert res.status_code == 409
    res = c2.post(f"{URL}{req['id']}/approve", {"plan_hash": plan["plan_hash"]}, format="json")
    assert res.status_code == 200 and res.json()["approved_by"] == "dirk"

    with django_capture_on_commit_callbacks(execute=True):
        res = c1.post(f"{URL}{req['id']}/execute", {}, format="json")
    assert res.status_code == 202
    done = c1.get(f"{URL}{req['id']}").json()
    assert done["status"] == "completed", done
    assert done["verification"]["passed"] and not done["verification"]["remaining"]
    for table in (
        "raw_passengers",
        "mart_passenger_360",
        "mart_marketing_contacts",
        "raw_loyalty_accounts",
        "raw_customer_notes",
        "raw_bookings",
    ):
        assert scalar(url, f"SELECT COUNT(*) FROM {table} WHERE passenger_id = :p", p=pid) == 0
    steps = {s["table"].split(".")[-1]: s for s in done["steps"]}
    assert steps["raw_payments"]["before_count"] == tables["raw_payments"]["rows_matched"]
    assert steps["raw_payments"]["after_count"] == 0

    # identifiers are hashed once closed; nothing can be re-discovered
    from gdpr.models import SubjectRequest

    stored = SubjectRequest.objects.get(pk=req["id"])
    assert stored.identifiers_sealed == "" and stored.subject_keys_sealed == ""
    assert stored.identifiers_hashed["email"][0].startswith("hmac:")
    assert not stored.steps.exclude(predicate_sealed="").exists()
    assert c1.post(f"{URL}{req['id']}/plan").status_code == 409

    # evidence: signed JSON that verifies offline, and a printable page
    res = c1.get(f"{URL}{req['id']}/evidence")
    assert res.status_code == 200
    path = tmp_path / "evidence.json"
    path.write_bytes(res.content)
    assert email.lower() not in res.content.decode().lower()
    call_command("verify_evidence", str(path))
    doc = json.loads(res.content)
    doc["document"]["execution"]["steps"][0]["rows_affected"] += 1
    path.write_text(json.dumps(doc))
    with pytest.raises(Exception, match="NOT VERIFIED"):
        call_command("verify_evidence", str(path))
    html = c1.get(f"{URL}{req['id']}/evidence?as=html")
    assert html.status_code == 200 and b"Verification: passed" in html.content

    # the audit trail tells the story with pseudonyms only
    from audit.models import AuditEvent

    actions = list(
        AuditEvent.objects.filter(
            object_id=str(req["id"]), action__startswith="privacy.erasure."
        ).values_list("action", flat=True)
    )
    for step in ("request", "plan", "approve", "execute", "step", "executed", "verify", "complete"):
        assert f"privacy.erasure.{step}" in actions
    payloads = json.dumps(list(AuditEvent.objects.values_list("changes", flat=True)))
    assert email.lower() not in payloads.lower()


def test_legal_hold_keeps_or_anonymises_and_verification_justifies(
    api: Any, dpo: Any, dpo2: Any, air: tuple[Any, str]
) -> None:
    _source, url = air
    pid, email = passenger_everywhere(url)
    c1, c2 = api(dpo), api(dpo2)
    hold = c1.post(
        "/api/v1/privacy/legal-holds/",
        {
            "table": "air.airline.main.raw_bookings",
            "action": "anonymise",
            "reason": "tax law: keep bookings 7 years",
        },
        format="json",
    )
    assert hold.status_code == 201, hold.content
    keep = c1.post(
        "/api/v1/privacy/legal-holds/",
        {
            "table": "air.airline.main.raw_payments",
            "action": "keep",
            "reason": "chargeback dispute #42",
            "subject": email,
        },
        format="json",
    )
    assert keep.status_code == 201
    req = _create(c1, email)
    plan = c1.post(f"{URL}{req['id']}/plan").json()
    actions = {s["table"].split(".")[-1]: s for s in plan["steps"]}
    assert actions["raw_payments"]["action"] == "keep"
    assert "chargeback" in actions["raw_payments"]["reason"]
    assert actions["raw_bookings"]["action"] in ("anonymise", "keep")  # no personal columns
    # bookings keep pointing at the passenger: the passenger row is anonymised, not deleted
    assert actions["raw_passengers"]["action"] == "anonymise"
    assert {"email", "phone", "passport_number"} <= {
        c["name"] for c in actions["raw_passengers"]["columns"]
    }
    c2.post(f"{URL}{req['id']}/approve", {}, format="json")

    from gdpr import services
    from gdpr.models import SubjectRequest

    r = services.run_execution(request=SubjectRequest.objects.get(pk=req["id"]))
    r = services.verify_request(actor=dpo, request=r)
    assert r.status == "completed", r.verification
    justified = {x["table"].split(".")[-1]: x for x in r.verification["remaining"]}
    assert (
        justified["raw_payments"]["justified"]
        and "chargeback" in justified["raw_payments"]["reason"]
    )
    assert justified["raw_passengers"]["justified"]
    assert scalar(url, "SELECT email FROM raw_passengers WHERE passenger_id = :p", p=pid) is None
    assert (
        scalar(url, "SELECT last_name FROM raw_passengers WHERE passenger_id = :p", p=pid)
        == "[erased]"
    )
    assert scalar(url, "SELECT COUNT(*) FROM raw_bookings WHERE passenger_id = :p", p=pid) > 0
    assert (
        scalar(url, "SELECT COUNT(*) FROM mart_marketing_contacts WHERE passenger_id = :p", p=pid)
        == 0
    )


def test_bad_input_gives_json_4xx(api: Any, dpo: Any, air: tuple[Any, str]) -> None:
    c = api(dpo)
    body: Any
    for body in (
        {},
        {"identifiers": {}},
        {"identifiers": {"shoe_size": "42"}},
        {"identifiers": {"email": "not-an-email"}},
        {"identifiers": {"email": ""}},
        {"identifiers": {"email": "a@b.c"}, "deadline_days": 0},
        {"identifiers": {"email": "a@b.c"}, "kind": "nonsense"},
        {"identifiers": {"email": "a@b.c"}, "source": "nope"},
        {"identifiers": "a@b.c"},
    ):
        res = c.post(URL, body, format="json")
        assert res.status_code == 400, (body, res.content)
        assert res.json()["error"]["code"] in ("validation_error", "invalid")
    assert c.get(URL + "?status=bogus").status_code == 400
    req = _create(c, "x@example.org")
    assert c.post(f"{URL}{req['id']}/approve").status_code == 409  # not planned yet
    assert c.post(f"{URL}{req['id']}/execute").status_code == 409
    assert c.post(f"{URL}{req['id']}/verify").status_code == 409
    assert c.get(f"{URL}{req['id']}/evidence").status_code == 404
    assert c.get(f"{URL}999999").status_code == 404
    bad_hold = c.post("/api/v1/privacy/legal-holds/", {"reason": "x"}, format="json")
    assert bad_hold.status_code == 400


def test_deadlines_by_regime_and_overdue(api: Any, dpo: Any, air: tuple[Any, str]) -> None:
    c = api(dpo)
    gdpr = _create(c, "a@example.org")
    ccpa = _create(c, "b@example.org", regime="ccpa")
    late = _create(c, "c@example.org", deadline_days=10, received_at="2020-01-01T00:00:00Z")
    assert gdpr["deadline_days"] == 30 and gdpr["days_left"] in (29, 30) and not gdpr["overdue"]
    assert ccpa["deadline_days"] == 45
    assert late["overdue"] and late["deadline"].startswith("2020-01-11")
    listing = c.get(URL).json()
    assert listing["count"] == 3 and {"results", "next", "previous"} <= set(listing)
    overdue = c.get(URL + "?overdue=true").json()
    assert [r["id"] for r in overdue["results"]] == [late["id"]]


def test_only_dpos_and_admins_see_requests(
    api: Any,
    dpo: Any,
    admin: Any,
    alice: Any,
    sam: Any,
    nobody: Any,
    air: tuple[Any, str],
    client: Any,
) -> None:
    req = _create(api(dpo), "z@example.org")
    assert api(admin).get(f"{URL}{req['id']}").status_code == 200
    for user in (alice, sam, nobody):
        assert api(user).get(f"{URL}{req['id']}").status_code == 404
        assert api(user).post(f"{URL}{req['id']}/plan").status_code == 404
        assert api(user).get(URL).status_code == 403
        assert (
            api(user).post(URL, {"identifiers": {"email": "q@x.org"}}, format="json").status_code
            == 403
        )
    assert api(None).get(URL).status_code in (401, 403)
    client.force_login(alice)
    assert client.get(f"/privacy/requests/{req['id']}/").status_code == 404
    client.force_login(dpo)
    page = client.get("/privacy/requests/")
    assert page.status_code == 200 and b"z@example.org" not in page.content
    assert client.get(f"/privacy/requests/{req['id']}/").status_code == 200


def test_ui_flow_plan_and_approve(client: Any, dpo: Any, dpo2: Any, air: tuple[Any, str]) -> None:
    _, url = air
    _, email = passenger_everywhere(url)
    client.force_login(dpo)
    res = client.post(
        "/privacy/requests/",
        {"kind": "erasure", "regime": "gdpr", "id_email": email, "source": "air"},
    )
    assert res.status_code == 302
    detail = res["Location"]
    pk = int(detail.rstrip("/").split("/")[-1])
    client.post(f"/privacy/requests/{pk}/plan/")
    page = client.get(detail)
    assert b"raw_passengers" in page.content and b"Waiting for a second DPO" in page.content
    client.force_login(dpo2)
    page = client.get(detail)
    assert b"Approve this plan" in page.content
    client.post(f"/privacy/requests/{pk}/approve/", {"plan_hash": page.context["req"].plan_hash})
    from gdpr.models import SubjectRequest

    assert SubjectRequest.objects.get(pk=pk).status == "approved"


def test_subject_access_export_bundle(api: Any, dpo: Any, air: tuple[Any, str]) -> None:
    import io
    import zipfile

    _, url = air
    pid, email = passenger_everywhere(url)
    c = api(dpo)
    req = _create(c, email, kind="access")
    c.post(f"{URL}{req['id']}/plan")
    res = c.get(f"{URL}{req['id']}/export")
    assert res.status_code == 200 and res["Content-Type"] == "application/zip"
    zf = zipfile.ZipFile(io.BytesIO(res.content))
    manifest = json.loads(zf.read("manifest.json"))
    files = {t["table"].split(".")[-1]: t for t in manifest["tables"]}
    assert {"raw_passengers", "raw_bookings", "raw_payments", "mart_passenger_360"} <= set(files)
    passengers = json.loads(zf.read(files["raw_passengers"]["file"]))
    assert passengers["rows"][0]["passenger_id"] == pid and passengers["rows"][0]["email"] == email
    assert "signature.json" in zf.namelist()
    assert (
        c.post(f"{URL}{req['id']}/close", {"note": "sent"}, format="json").json()["status"]
        == "completed"
    )
