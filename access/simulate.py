"""Who can read a column, and how; and the reverse, what one user reads of a table.

Answers from the same policy engine the gateway enforces (``access.policies``), for every
active user and every group (as a hypothetical member of that group only).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from access import policies
from access.gateway.parse import DIALECTS
from access.requests import can_decide_asset
from catalog import selectors
from catalog.models import Asset
from custos.errors import NotFound, PermissionDenied

User = get_user_model()
MAX_USERS = 2000


def can_simulate(actor: Any, asset: Asset) -> bool:
    """Admins/stewards (``access.view_maskingpolicy``) and owners/stewards of the asset."""
    return bool(
        actor.is_superuser
        or actor.has_perm("access.view_maskingpolicy")
        or can_decide_asset(actor, asset)
    )


def _row_filter_text(ta: policies.TableAccess) -> dict[str, Any] | None:
    rf = ta.row_filter
    if not rf.policy_ids:
        return None
    return {"policies": rf.names, "predicates": rf.predicates, "all_rows": rf.bound is None}


def _entry(
    kind: str, name: str, ta: policies.TableAccess, col: policies.ColumnAccess
) -> dict[str, Any]:
    return {
        "principal": f"{kind}:{name}",
        "kind": kind,
        "name": name,
        "access": col.state if ta.allowed else "denied",
        "operator": None if col.state != "masked" or not ta.allowed else col.operator,
        "params": col.params if col.state == "masked" and ta.allowed else {},
        "why": {
            "access": col.access_reason if ta.allowed else ta.reason,
            "mask": col.mask_reason if col.readable and ta.allowed else "",
        },
        "row_filter": _row_filter_text(ta) if ta.allowed and col.readable else None,
    }


def simulate_column(*, actor: Any, column_fqn: str) -> dict[str, Any]:
    column = selectors.column_by_fqn(actor, column_fqn)
    if not can_simulate(actor, column):
        raise PermissionDenied(
            "Only admins, stewards and owners of this column may see who can read it."
        )
    table = Asset.objects.select_related("source").get(
        pk=column.table_ref_id or column.parent_id or 0
    )
    dialect = DIALECTS.get(table.source.kind, "sqlite")
    facts = policies.load_facts(table)
    users: list[dict[str, Any]] = []
    for user in User.objects.filter(is_active=True).order_by("username")[:MAX_USERS]:
        ta = policies.evaluate(policies.subject_for_user(user), facts, dialect=dialect)
        col = ta.column(column.name)
        if col is not None:
            users.append(_entry("user", user.get_username(), ta, col))
    groups: list[dict[str, Any]] = []
    for group in Group.objects.order_by("name"):
        ta = policies.evaluate(policies.subject_for_group(group), facts, dialect=dialect)
        col = ta.column(column.name)
        if col is not None:
            groups.append(_entry("group", group.name, ta, col))
    summary = {
        state: sum(1 for u in users if u["access"] == state)
        for state in ("clear", "masked", "denied")
    }
    return {
        "column": column.fqn,
        "table": table.fqn,
        "pii": sorted(facts.entities.get(column.id, set())),
        "summary": summary,
        "users": users,
        "groups": groups,
    }


def simulate_user(*, actor: Any, username: str, table_fqn: str) -> dict[str, Any]:
    table = selectors.table_by_fqn(actor, table_fqn)
    if username != actor.get_username() and not can_simulate(actor, table):
        raise PermissionDenied("You may only simulate your own access to this table.")
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise NotFound(f"No user {username!r}.")
    dialect = DIALECTS.get(table.source.kind, "sqlite")
    ta = policies.evaluate(
        policies.subject_for_user(user), policies.load_facts(table), dialect=dialect
    )
    return {
        "user": username,
        "table": table.fqn,
        "allowed": ta.allowed,
        "why": ta.reason,
        "row_filter": _row_filter_text(ta),
        "columns": [
            {
                "column": c.fqn,
                "name": c.name,
                "access": c.state if ta.allowed else "denied",
                "operator": c.operator if c.state == "masked" and ta.allowed else None,
                "pii": c.pii,
                "why": {"access": c.access_reason, "mask": c.mask_reason},
            }
            for c in ta.columns
        ],
    }
