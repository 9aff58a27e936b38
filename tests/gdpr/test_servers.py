"""End-to-end erasure on the demo airline in PostgreSQL and MariaDB (real servers).

A passenger in raw, staging views, marts (passenger_360, marketing_contacts, loyalty_status)
and the hashed audience table (MD5 on PostgreSQL, SHA-256 on MariaDB) is erased; the
verification passes and the evidence verifies offline.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from django.core.management import call_command

from tests.gdpr.helpers import passenger_everywhere, q, register, scalar

pytestmark = pytest.mark.sources


def test_erasure_end_to_end_on_server(
    server_demo: str, admin: Any, dpo: Any, dpo2: Any, api: Any, tmp_path: Any
) -> None:
    url = server_demo
    register(admin, url, scan=True)
    pid, email = passenger_everywhere(url)
    hashes = q(url, "marts", "email_hashes")
    norm = email.strip().lower()
    digests = {hashlib.md5(norm.encode()).hexdigest(), hashlib.sha256(norm.encode()).hexdigest()}
    in_hash = f"SELECT COUNT(*) FROM {hashes} WHERE email_hash IN ('{sorted(digests)[0]}', '{sorted(digests)[1]}')"
    assert scalar(url, in_hash) == 1

    c1, c2 = api(dpo), api(dpo2)
    req = c1.post(
        "/api/v1/privacy/erasure-requests/",
        {"identifiers": {"email": email}, "source": "air"},
        format="json",
    ).json()
    plan = c1.post(f"/api/v1/privacy/erasure-requests/{req['id']}/plan").json()
    names = {s["table"].split(".")[-1]: s for s in plan["steps"]}
    assert {
        "passengers",
        "bookings",
        "payments",
        "loyalty_accounts",
        "customer_notes",
        "passenger_360",
        "marketing_contacts",
        "loyalty_status",
        "email_hashes",
    } <= set(names)
    assert names["email_hashes"]["matched_on"] == ["email_hash"]
    doc = {s["table"].split(".")[-1]: s for s in plan["plan"]["steps"]}
    assert [m["role"] for m in doc["email_hashes"]["matched_on"]] == ["hash"]
    assert c2.post(f"/api/v1/privacy/erasure-requests/{req['id']}/approve").status_code == 200

    from gdpr import services
    from gdpr.models import SubjectRequest

    r = services.run_execution(request=SubjectRequest.objects.get(pk=req["id"]))
    assert r.status == "executed", r.error
    r = services.verify_request(actor=dpo, request=r)
    assert r.status == "completed", r.verification
    for layer, table in (
        ("raw", "passengers"),
        ("raw", "bookings"),
        ("raw", "loyalty_accounts"),
        ("raw", "customer_notes"),
        ("marts", "passenger_360"),
        ("marts", "marketing_contacts"),
        ("marts", "loyalty_status"),
    ):
        assert (
            scalar(
                url, f"SELECT COUNT(*) FROM {q(url, layer, table)} WHERE passenger_id = :p", p=pid
            )
            == 0
        ), table
    assert scalar(url, in_hash) == 0
    assert (
        scalar(
            url,
            f"SELECT COUNT(*) FROM {q(url, 'staging', 'stg_passengers')} WHERE passenger_id = :p",
            p=pid,
        )
        == 0
    )  # the view shows nothing either
    others = scalar(url, f"SELECT COUNT(*) FROM {q(url, 'raw', 'passengers')}")
    assert others == 199  # nobody else was touched

    res = c1.get(f"/api/v1/privacy/erasure-requests/{req['id']}/evidence")
    path = tmp_path / "evidence.json"
    path.write_bytes(res.content)
    keys = tmp_path / "keys.json"
    from audit import keyfiles
    from audit.chain import signing

    keys.write_text(json.dumps(signing.export_public_keys(keyfiles.public_keys())))
    call_command("verify_evidence", str(path), "--keys", str(keys))
