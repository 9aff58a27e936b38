"""Privacy REST API: classify contract, scans, review queue and actions, manual
classifications, permissions (invisible = 404, not allowed = 403), JSON errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from audit.models import AuditEvent
from catalog.models import Asset, Classification
from privacy import services

PASSENGERS = "air.airline.main.raw_passengers"
MART_EMAIL = "air.airline.main.mart_passenger_360.email"


def _error(resp: Any, status: int) -> dict[str, Any]:
    assert resp.status_code == status, resp.content
    body = resp.json()["error"]
    assert {"code", "message", "details"} <= set(body)
    return dict(body)


@pytest.fixture
def scanned(catalog_source: Any, admin: Any) -> Any:
    scan = services.scan_now(actor=admin, source=catalog_source)
    assert scan.status == "succeeded"
    return scan


# -- classify (contract) ------------------------------------------------------------------


def test_classify_contract(api: Callable[[Any], Any], alice: Any) -> None:
    resp = api(alice).post(
        "/api/v1/privacy/classify",
        {
            "columns": [
                {"name": "e_mail", "values": ["ana@example.com", "bo@example.org"]},
                {"name": "order_id", "values": [1, 2, 3, 4, 5, 6, 7]},
                {
                    "name": "remarks",
                    "values": [
                        "Call me on +44 20 7946 0958 please after six",
                        "ana@example.com asked for a window seat today",
                    ],
                },
            ]
        },
        format="json",
    )
    assert resp.status_code == 200
    results = resp.json()["results"]
    assert [r["name"] for r in results] == ["e_mail", "order_id", "remarks"]
    assert results[0]["entity"] == "EMAIL_ADDRESS" and results[0]["score"] > 0.5
    assert results[1]["entity"] is None
    assert results[2]["free_text"] and results[2]["entities_in_text"]
    for r in results:
        assert set(r) == {"name", "entity", "score", "explanation", "free_text", "entities_in_text"}
    assert not Classification.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"columns": "x"},
        {"columns": []},
        {"columns": [{"values": ["a"]}]},
        {"columns": [{"name": "a", "values": [{"nested": 1}]}]},
        {"columns": [{"name": "a", "values": ["v"] * 1001}]},
        {"columns": [{"name": f"c{i}", "values": []} for i in range(1001)]},
    ],
)
def test_classify_bad_input_is_a_json_4xx(api: Callable[[Any], Any], alice: Any, body: Any) -> None:
    _error(api(alice).post("/api/v1/privacy/classify", body, format="json"), 400)


def test_classify_needs_authentication(api: Callable[[Any], Any], db: Any) -> None:
    resp = api(None).post("/api/v1/privacy/classify", {"columns": []}, format="json")
    assert resp.status_code in (401, 403) and "error" in resp.json()


# -- scans --------------------------------------------------------------------------------------


def test_scan_trigger_and_progress(
    api: Callable[[Any], Any],
    sam: Any,
    catalog_source: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        resp = api(sam).post(
            "/api/v1/privacy/scans", {"source": "air", "table": PASSENGERS}, format="json"
        )
    assert resp.status_code == 202
    scan = resp.json()
    assert scan["status"] == "queued" and scan["scope"] == "table"
    got = api(sam).get(f"/api/v1/privacy/scans/{scan['id']}").json()
    assert got["status"] == "succeeded" and got["progress_done"] == got["progress_total"] == 1
    assert got["percent"] == 100 and got["stats"]["columns"] > 5
    assert api(sam).get("/api/v1/privacy/scans").json()["count"] == 1


def test_scan_permissions(
    api: Callable[[Any], Any], alice: Any, victor_granted: Any, nobody: Any, catalog_source: Any
) -> None:
    _error(api(alice).post("/api/v1/privacy/scans", {"source": "air"}, format="json"), 403)
    _error(api(nobody).post("/api/v1/privacy/scans", {"source": "air"}, format="json"), 404)
    _error(api(alice).post("/api/v1/privacy/scans", {"source": "nope"}, format="json"), 404)
    _error(api(alice).post("/api/v1/privacy/scans", {}, format="json"), 400)
    _error(api(nobody).get("/api/v1/privacy/scans/999"), 404)


def test_second_scan_while_one_is_queued_conflicts(
    api: Callable[[Any], Any], sam: Any, catalog_source: Any
) -> None:
    assert (
        api(sam).post("/api/v1/privacy/scans", {"source": "air"}, format="json").status_code == 202
    )
    _error(api(sam).post("/api/v1/privacy/scans", {"source": "air"}, format="json"), 409)


# -- review ------------------------------------------------------------------------------------


def test_review_queue_sorted_by_score_and_filtered(
    api: Callable[[Any], Any], sam: Any, scanned: Any
) -> None:
    body = api(sam).get("/api/v1/privacy/review?page_size=500").json()
    scores = [r["score"] for r in body["results"]]
    assert body["count"] == len(scores) > 10 and scores == sorted(scores, reverse=True)
    first = body["results"][0]
    assert (
        first["explanation"] and first["status"] == "proposed" and first["fqn"].startswith("air.")
    )
    emails = api(sam).get("/api/v1/privacy/review?entity=EMAIL_ADDRESS").json()["results"]
    assert emails and {r["entity"] for r in emails} == {"EMAIL_ADDRESS"}
    assert api(sam).get("/api/v1/privacy/review?source=other").json()["count"] == 0
    _error(api(sam).get("/api/v1/privacy/review?status=maybe"), 400)


def test_analysts_have_nothing_to_review(
    api: Callable[[Any], Any], alice: Any, scanned: Any
) -> None:
    assert api(alice).get("/api/v1/privacy/review").json()["count"] == 0
    row = Classification.objects.get(asset__fqn=f"{PASSENGERS}.email")
    _error(api(alice).post(f"/api/v1/privacy/classifications/{row.pk}/confirm"), 403)


def test_confirm_and_reject(api: Callable[[Any], Any], sam: Any, scanned: Any) -> None:
    email = Classification.objects.get(asset__fqn=f"{PASSENGERS}.email")
    resp = api(sam).post(f"/api/v1/privacy/classifications/{email.pk}/confirm/", {}, format="json")
    assert resp.status_code == 200 and resp.json()["status"] == "confirmed"
    gender = Classification.objects.get(asset__fqn=f"{PASSENGERS}.gender")
    resp = api(sam).post(
        f"/api/v1/privacy/classifications/{gender.pk}/reject", {"note": "not needed"}, format="json"
    )
    assert resp.json()["status"] == "rejected"
    event = AuditEvent.objects.filter(action="privacy.classification.reject").get()
    assert event.changes["note"] == "not needed" and event.actor_label == "sam"
    _error(api(sam).post("/api/v1/privacy/classifications/99999/confirm"), 404)


def test_owner_of_a_table_may_review_its_columns(
    api: Callable[[Any], Any], victor_granted: Any, scanned: Any
) -> None:
    from catalog.models import Ownership

    mart = Classification.objects.get(asset__fqn=MART_EMAIL)
    raw = Classification.objects.get(asset__fqn=f"{PASSENGERS}.email")
    # victor sees the mart tables but may not change them: 403; raw is invisible: 404
    _error(api(victor_granted).post(f"/api/v1/privacy/classifications/{mart.pk}/confirm"), 403)
    _error(api(victor_granted).post(f"/api/v1/privacy/classifications/{raw.pk}/confirm"), 404)
    table = mart.asset.parent
    assert table is not None
    Ownership.objects.create(asset=table, user=victor_granted, role="steward")
    resp = api(victor_granted).post(f"/api/v1/privacy/classifications/{mart.pk}/confirm")
    assert resp.status_code == 200
    queue = api(victor_granted).get("/api/v1/privacy/review").json()["results"]
    assert queue and all(r["table"] == table.fqn for r in queue)


def test_bulk_review_is_all_or_nothing(
    api: Callable[[Any], Any], sam: Any, victor_granted: Any, scanned: Any
) -> None:
    ids = list(
        Classification.objects.filter(asset__fqn__startswith=PASSENGERS).values_list(
            "pk", flat=True
        )
    )
    resp = api(sam).post(
        "/api/v1/privacy/review/bulk", {"ids": ids, "action": "confirm"}, format="json"
    )
    assert resp.status_code == 200 and resp.json()["updated"] == len(ids)
    assert set(Classification.objects.filter(pk__in=ids).values_list("status", flat=True)) == {
        "confirmed"
    }
    _error(
        api(sam).post("/api/v1/privacy/review/bulk", {"ids": ids, "action": "burn"}, format="json"),
        400,
    )
    _error(
        api(sam).post(
            "/api/v1/privacy/review/bulk", {"ids": [], "action": "reject"}, format="json"
        ),
        400,
    )
    _error(
        api(sam).post(
            "/api/v1/privacy/review/bulk", {"ids": [*ids, 99999], "action": "reject"}, format="json"
        ),
        404,
    )
    mart = Classification.objects.get(asset__fqn=MART_EMAIL)
    _error(
        api(victor_granted).post(
            "/api/v1/privacy/review/bulk",
            {"ids": [mart.pk, ids[0]], "action": "reject"},
            format="json",
        ),
        404,
    )
    assert set(Classification.objects.filter(pk__in=ids).values_list("status", flat=True)) == {
        "confirmed"
    }


def test_manual_classifications(
    api: Callable[[Any], Any], sam: Any, alice: Any, catalog_source: Any
) -> None:
    column = (
        Asset.objects.filter(fqn__startswith=PASSENGERS, type="column")
        .exclude(name="email")
        .first()
    )
    assert column is not None
    url = f"/api/v1/privacy/columns/{column.fqn}/classifications"
    resp = api(sam).post(url, {"entity": "PERSON", "note": "holds names"}, format="json")
    assert resp.status_code == 201
    assert resp.json()["classification_source"] == "manual" and resp.json()["status"] == "confirmed"
    listed = api(alice).get(url).json()["results"]
    assert [r["entity"] for r in listed] == ["PERSON"]
    _error(api(sam).post(url, {"entity": "FAVOURITE_COLOUR"}, format="json"), 400)
    _error(api(alice).post(url, {"entity": "PERSON"}, format="json"), 403)
    _error(
        api(sam).post(
            "/api/v1/privacy/columns/air.nope.x/classifications",
            {"entity": "PERSON"},
            format="json",
        ),
        404,
    )
    assert api(sam).delete(f"{url}/PERSON").status_code == 204
    _error(api(sam).delete(f"{url}/PERSON"), 404)
    assert Classification.objects.get(asset=column, entity="PERSON").status == "withdrawn"
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"privacy.classification.add", "privacy.classification.remove"} <= actions


def test_invisible_column_is_404(
    api: Callable[[Any], Any], victor_granted: Any, catalog_source: Any
) -> None:
    _error(
        api(victor_granted).get(f"/api/v1/privacy/columns/{PASSENGERS}.email/classifications"), 404
    )
    assert (
        api(victor_granted).get(f"/api/v1/privacy/columns/{MART_EMAIL}/classifications").status_code
        == 200
    )


# -- UI ------------------------------------------------------------------------------------------


def test_review_page_lists_and_bulk_confirms(client: Any, sam: Any, scanned: Any) -> None:
    client.force_login(sam)
    page = client.get("/privacy/review/?entity=EMAIL_ADDRESS")
    assert page.status_code == 200
    html = page.content.decode()
    email = Classification.objects.get(asset__fqn=f"{PASSENGERS}.email")
    assert f'value="{email.pk}"' in html and "EmailRecognizer" in html
    assert 'href="/privacy/review/"' in html
    resp = client.post("/privacy/review/", {"ids": [email.pk], "action": "confirm"})
    assert resp.status_code == 302
    email.refresh_from_db()
    assert email.status == "confirmed"


def test_review_page_needs_login(client: Any, db: Any) -> None:
    assert client.get("/privacy/review/").status_code == 302
