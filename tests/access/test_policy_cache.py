"""The policy-facts cache: hits cost one query, every kind of write invalidates it at once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from access import policies, policy_cache, services
from access.models import PolicyEpoch
from catalog import services as catalog_services
from catalog.models import Asset, Classification, Tag, TagAssignment
from tests.access.conftest import PASSENGERS

pytestmark = pytest.mark.django_db
EMAIL = f"{PASSENGERS}.email"


def email_operator(user: Any) -> str:
    table = Asset.objects.get(fqn=PASSENGERS)
    access = policies.table_access(user, table)
    col = access.column("email")
    assert col is not None
    return col.operator


def test_a_hit_costs_one_query_and_returns_the_same_facts(
    catalog_source: Any, alice: Any, django_assert_num_queries: Any
) -> None:
    table = Asset.objects.get(fqn=PASSENGERS)
    first = policies.load_facts(table)
    subject = policies.subject_for_user(alice)
    with django_assert_num_queries(1):  # the epoch token only
        again = policies.load_facts(table)
    assert again.columns is first.columns
    with django_assert_num_queries(1):
        assert policies.subject_for_user(alice) is subject


@pytest.mark.parametrize(
    "change",
    ["classification", "tag policy", "group membership", "object grant", "user attribute"],
)
def test_every_kind_of_write_is_seen_by_the_next_decision(
    catalog_source: Any, admin: Any, alice: Any, change: str
) -> None:
    email = Asset.objects.get(fqn=EMAIL)
    assert email_operator(alice) == "clear"
    if change == "classification":
        Classification.objects.create(asset=email, entity="EMAIL_ADDRESS", status="confirmed")
        assert email_operator(alice) == "nullify"  # default deny for PII
    elif change == "tag policy":
        tag = Tag.objects.create(name="contact")
        TagAssignment.objects.create(asset=email, tag=tag)
        services.create_policy(
            actor=admin,
            kind="masking",
            data={"name": "t", "target_kind": "tag", "tag": "contact", "operator": "redact"},
        )
        assert email_operator(alice) == "redact"
    elif change == "group membership":
        dpo = Group.objects.create(name="DPO office")
        services.create_policy(
            actor=admin,
            kind="masking",
            data={"name": "g", "target_kind": "column", "column": EMAIL, "operator": "nullify"},
        )
        services.create_policy(
            actor=admin,
            kind="masking",
            data={
                "name": "dpo",
                "target_kind": "column",
                "column": EMAIL,
                "group": dpo.name,
                "operator": "clear",
            },
        )
        assert email_operator(alice) == "nullify"
        alice.groups.add(dpo)
        assert email_operator(alice) == "clear"
        alice.groups.remove(dpo)
        assert email_operator(alice) == "nullify"
    elif change == "object grant":
        nobody_table = Asset.objects.get(fqn=PASSENGERS)
        alice.groups.set([Group.objects.create(name="no-query")])

        def allowed() -> bool:  # a fresh user per "request" (Django caches perms on it)
            return policies.table_access(type(alice).objects.get(pk=alice.pk), nobody_table).allowed

        assert not allowed()
        assign_perm("catalog.query_asset", alice, nobody_table)
        assert allowed()
        remove_perm("catalog.query_asset", alice, nobody_table)
        assert not allowed()
    elif change == "user attribute":
        services.create_policy(
            actor=admin,
            kind="row_filter",
            data={"name": "r", "table": PASSENGERS, "predicate": "city = {user.city}"},
        )
        table = Asset.objects.get(fqn=PASSENGERS)
        before = policies.table_access(alice, table).row_filter
        services.set_user_attribute(actor=admin, user=alice, key="city", value="Oslo")
        after = policies.table_access(alice, table).row_filter
        assert before != after and "Oslo" in str(after)


def test_ingestion_and_source_deletion_change_the_epoch(catalog_source: Any, admin: Any) -> None:
    before = policy_cache.current()
    catalog_services.ingest_now(actor=admin, source=catalog_source)
    after_ingest = policy_cache.current()
    assert after_ingest not in ("", before)
    catalog_services.delete_source(actor=admin, source=catalog_source)
    assert policy_cache.current() not in ("", after_ingest)


def test_a_rolled_back_write_never_brings_back_an_old_token(catalog_source: Any) -> None:
    start = policy_cache.current()
    seen = set()
    for _ in range(3):
        try:
            with transaction.atomic():
                policy_cache.bump()
                seen.add(policy_cache.current())
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
        assert policy_cache.current() == start
    assert len(seen) == 3 and start not in seen


def test_missing_epoch_row_is_recreated(catalog_source: Any) -> None:
    PolicyEpoch.objects.all().delete()
    assert policy_cache.current() == ""
    policy_cache.bump()
    assert len(policy_cache.current()) == 32


def test_a_grant_expiring_by_the_clock_alone_ends_access(
    catalog_source: Any, admin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.contrib.auth import get_user_model

    outsider = get_user_model().objects.create_user("outsider")
    table = Asset.objects.get(fqn=PASSENGERS)
    grant = services.create_grant(actor=admin, user=outsider, asset=table, days=1)
    assert policies.table_access(outsider, table).allowed
    later = grant.expires_at + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)  # no write, only time passes
    assert not policies.table_access(outsider, table).allowed
