"""Policy precedence, default deny, object grants and overrides, row filters, versions."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from guardian.shortcuts import assign_perm

from access import services
from access.gateway.engine import run_query
from catalog.models import Asset, Classification, Tag, TagAssignment
from custos.errors import DomainError, PermissionDenied
from tests.access.conftest import PASSENGERS

pytestmark = pytest.mark.django_db
EMAIL = f"{PASSENGERS}.email"


def mask(admin: Any, **data: Any) -> Any:
    data.setdefault("name", "p")
    return services.create_policy(actor=admin, kind="masking", data=data)


def email_op(user: Any) -> str:
    out = run_query(user=user, source="air", sql="SELECT email FROM raw_passengers LIMIT 1")
    ops = {m["column"]: m["operator"] for m in out.masks}
    return ops.get(EMAIL, "clear")


def test_default_deny_for_active_pii_classifications(
    admin: Any, alice: Any, catalog_source: Any
) -> None:
    assert email_op(alice) == "clear"  # not classified: clear
    cl = Classification.objects.create(
        asset=Asset.objects.get(fqn=EMAIL), entity="EMAIL_ADDRESS", status="proposed"
    )
    assert email_op(alice) == "nullify"  # proposed counts (default deny)
    cl.status = "rejected"
    cl.save()
    assert email_op(alice) == "clear"
    assert email_op(admin) == "clear"


def test_precedence_column_tag_classification_user_group_role(
    admin: Any, alice: Any, pii_source: Any
) -> None:
    dpo, _ = Group.objects.get_or_create(name="Privacy office")
    mask(
        admin,
        target_kind="classification",
        entity="EMAIL_ADDRESS",
        group="Analyst",
        operator="partial",
    )
    mask(
        admin, target_kind="classification", entity="EMAIL_ADDRESS", operator="nullify"
    )  # everyone else
    assert email_op(alice) == "partial"  # role beats everyone
    alice.groups.add(dpo)
    mask(
        admin,
        target_kind="classification",
        entity="EMAIL_ADDRESS",
        group="Privacy office",
        operator="clear",
    )
    assert email_op(alice) == "clear"  # group beats role
    mask(
        admin, target_kind="classification", entity="EMAIL_ADDRESS", user="alice", operator="redact"
    )
    assert email_op(alice) == "redact"  # user beats group
    tag = Tag.objects.create(name="contact")
    TagAssignment.objects.create(asset=Asset.objects.get(fqn=EMAIL), tag=tag)
    mask(admin, target_kind="tag", tag="contact", operator="generalise", params={"to": "prefix"})
    assert email_op(alice) == "generalise"  # tag policy (even for everyone) beats classification
    mask(admin, target_kind="column", column=EMAIL, operator="partial", params={"mode": "email"})
    assert email_op(alice) == "partial"  # explicit column policy beats tag


def test_ties_pick_the_most_restrictive_operator(admin: Any, alice: Any, pii_source: Any) -> None:
    for name, op in (("G1", "partial"), ("G2", "redact")):
        alice.groups.add(Group.objects.create(name=name))
        mask(admin, target_kind="classification", entity="EMAIL_ADDRESS", group=name, operator=op)
    assert email_op(alice) == "redact"


def test_object_grants_inherit_down_and_overrides_win(
    admin: Any, victor: Any, pii_source: Any
) -> None:
    schema = Asset.objects.get(fqn="air.airline.main")
    assign_perm("catalog.view_asset", victor, schema)
    with pytest.raises(PermissionDenied):  # metadata view is not data access
        run_query(user=victor, source="air", sql="SELECT city FROM raw_passengers")
    assign_perm("catalog.query_asset", victor, schema)
    assert (
        run_query(
            user=victor, source="air", sql="SELECT city FROM raw_passengers LIMIT 1"
        ).row_count
        == 1
    )
    services.create_policy(
        actor=admin,
        kind="rule",
        data={"name": "no raw", "asset": PASSENGERS, "user": "victor", "effect": "deny"},
    )
    with pytest.raises(PermissionDenied):
        run_query(user=victor, source="air", sql="SELECT city FROM raw_passengers")
    assert (
        run_query(user=victor, source="air", sql="SELECT pnr FROM raw_bookings LIMIT 1").row_count
        == 1
    )
    services.create_policy(
        actor=admin,
        kind="rule",
        data={
            "name": "but city",
            "asset": f"{PASSENGERS}.city",
            "user": "victor",
            "effect": "allow",
        },
    )
    out = run_query(user=victor, source="air", sql="SELECT * FROM raw_passengers LIMIT 1")
    assert out.columns == ["city"]  # only the re-opened column
    with pytest.raises(PermissionDenied):
        run_query(user=victor, source="air", sql="SELECT email FROM raw_passengers")


def test_column_deny_hides_it_from_star_and_rejects_explicit_use(
    admin: Any, alice: Any, pii_source: Any
) -> None:
    services.create_policy(
        actor=admin,
        kind="rule",
        data={"name": "no passport", "asset": f"{PASSENGERS}.passport_number", "group": "Analyst"},
    )
    out = run_query(user=alice, source="air", sql="SELECT * FROM raw_passengers LIMIT 1")
    assert "passport_number" not in out.columns and "city" in out.columns
    with pytest.raises(PermissionDenied) as info:
        run_query(user=alice, source="air", sql="SELECT lower(passport_number) FROM raw_passengers")
    assert info.value.details["column"] == "passport_number"


def test_expired_grant_is_never_honoured(admin: Any, victor: Any, pii_source: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    table = Asset.objects.get(fqn=PASSENGERS)
    grant = services.create_grant(actor=admin, user=victor, asset=table, days=1)
    assert (
        run_query(
            user=victor, source="air", sql="SELECT city FROM raw_passengers LIMIT 1"
        ).row_count
        == 1
    )
    grant.expires_at = timezone.now() - timedelta(seconds=1)
    grant.save()
    with pytest.raises(DomainError):  # the job has not run yet: guardian perms still exist
        run_query(user=victor, source="air", sql="SELECT city FROM raw_passengers")


def test_row_filters_bind_user_attributes_as_literals(
    admin: Any, alice: Any, sam: Any, pii_source: Any
) -> None:
    services.create_policy(
        actor=admin,
        kind="row_filter",
        data={"name": "own country", "table": PASSENGERS, "predicate": "country = {user.region}"},
    )
    out = run_query(user=alice, source="air", sql="SELECT count(*) FROM raw_passengers")
    assert out.rows == [[0]]  # no attribute -> no rows
    services.set_user_attribute(actor=admin, user=alice, key="region", value="DE")
    out = run_query(user=alice, source="air", sql="SELECT DISTINCT country FROM raw_passengers")
    assert out.rows == [["DE"]]
    assert out.row_filters[0]["predicates"] == ["country = {user.region}"]
    services.set_user_attribute(actor=admin, user=alice, key="region", value="x' OR '1'='1")
    assert run_query(user=alice, source="air", sql="SELECT count(*) FROM raw_passengers").rows == [
        [0]
    ]
    services.create_policy(
        actor=admin,
        kind="row_filter",
        data={"name": "stewards all", "table": PASSENGERS, "group": "Steward", "predicate": ""},
    )
    assert run_query(user=sam, source="air", sql="SELECT count(*) FROM raw_passengers").rows == [
        [200]
    ]


@pytest.mark.parametrize(
    "predicate",
    [
        "country IN (SELECT country FROM raw_crew)",
        "nosuch = 1",
        "country = 'DE'; DROP TABLE raw_passengers",
        "pg_sleep(1) IS NULL",
        "raw_passengers.country = 'DE'",
    ],
)
def test_invalid_row_filters_are_rejected(
    api: Any, admin: Any, pii_source: Any, predicate: str
) -> None:
    resp = api(admin).post(
        "/api/v1/access/policies/row_filter",
        {"name": "bad", "table": PASSENGERS, "predicate": predicate},
        format="json",
    )
    assert resp.status_code == 400, resp.content
    assert resp.json()["error"]["details"]["field"] == "predicate"


def test_policy_changes_are_versioned_and_audited(api: Any, admin: Any, pii_source: Any) -> None:
    from audit.models import AuditEvent

    client = api(admin)
    created = client.post(
        "/api/v1/access/policies/masking",
        {
            "name": "emails",
            "target_kind": "classification",
            "entity": "email_address",
            "operator": "partial",
            "group": "Analyst",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["entity"] == "EMAIL_ADDRESS"
    patched = client.patch(
        f"/api/v1/access/policies/masking/{pk}", {"operator": "redact"}, format="json"
    )
    assert patched.json()["version"] == 2 and patched.json()["operator"] == "redact"
    assert client.delete(f"/api/v1/access/policies/masking/{pk}").status_code == 204
    versions = client.get(f"/api/v1/access/policies/masking/{pk}/versions").json()["results"]
    assert [(v["version"], v["change"]) for v in versions] == [
        (1, "create"),
        (2, "update"),
        (3, "delete"),
    ]
    actions = list(
        AuditEvent.objects.filter(object_type="masking_policy")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["access.policy.create", "access.policy.update", "access.policy.delete"]
    bad = client.post(
        "/api/v1/access/policies/masking",
        {"name": "x", "target_kind": "column", "column": EMAIL, "operator": "nope"},
        format="json",
    )
    assert bad.status_code == 400
    bad = client.post(
        "/api/v1/access/policies/masking",
        {
            "name": "x",
            "target_kind": "column",
            "column": EMAIL,
            "operator": "partial",
            "params": {"bogus": 1},
        },
        format="json",
    )
    assert bad.status_code == 400


def test_draft_policy_can_be_tested_before_saving(
    api: Any, admin: Any, alice: Any, pii_source: Any
) -> None:
    from access.models import MaskingPolicy

    resp = api(admin).post(
        "/api/v1/access/policies/test",
        {
            "kind": "masking",
            "user": "alice",
            "policy": {
                "name": "draft",
                "target_kind": "classification",
                "entity": "EMAIL_ADDRESS",
                "group": "Analyst",
                "operator": "clear",
            },
            "table": PASSENGERS,
        },
        format="json",
    )
    assert resp.status_code == 200, resp.content
    body = resp.json()
    before = {c["column"]: c for c in body["before"]["columns"]}
    after = {c["column"]: c for c in body["after"]["columns"]}
    assert before[EMAIL]["operator"] == "nullify" and after[EMAIL]["access"] == "clear"
    assert body["changed"] == [EMAIL]
    assert not MaskingPolicy.objects.exists()
    assert (
        api(alice)
        .post("/api/v1/access/policies/test", {"kind": "masking"}, format="json")
        .status_code
        == 403
    )


def test_policy_body_must_be_an_object(api: Any, admin: Any) -> None:
    for kind in ("rule", "masking", "row_filter"):
        resp = api(admin).post(f"/api/v1/access/policies/{kind}", [None, None], format="json")
        assert resp.status_code == 400
        assert resp.json()["error"]["message"] == "The request body must be a JSON object."
