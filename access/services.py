"""All access writes: policies (versioned), user attributes, grants. Requests: requests.py.

Keyword-only, one transaction, one ``audit.record`` per change (HackSoft / Zulip style).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, get_perms, remove_perm

import audit.services as audit
from access import rowfilters
from access.gateway.parse import DIALECTS
from access.masking_bridge import check_params, is_known
from access.models import (
    AccessRule,
    Effect,
    Grant,
    MaskingPolicy,
    PolicyVersion,
    RowFilterPolicy,
    TargetKind,
    UserAttribute,
)
from catalog.models import Asset, AssetType, Tag
from custos.context import stored_user
from custos.errors import PermissionDenied, ValidationFailed

User = get_user_model()

POLICY_MODELS: dict[str, type[AccessRule] | type[MaskingPolicy] | type[RowFilterPolicy]] = {
    "rule": AccessRule,
    "masking": MaskingPolicy,
    "row_filter": RowFilterPolicy,
}
GRANT_PERMS = ("catalog.view_asset", "catalog.query_asset")


def can_manage_policies(user: Any) -> bool:
    return bool(user.is_superuser or user.has_perm("access.manage_policy"))


def _require_manage(user: Any) -> None:
    if not can_manage_policies(user):
        raise PermissionDenied("You need the access.manage_policy permission (Admin role).")


# -- policy drafts: build and validate without saving ---------------------------------------


def _principal(data: dict[str, Any]) -> tuple[Any, Group | None]:
    username, group_name = data.get("user"), data.get("group")
    if username and group_name:
        raise ValidationFailed("Give a user or a group, not both (neither = everyone).")
    user = group = None
    if username:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise ValidationFailed(f"No user {username!r}.", details={"field": "user"})
    if group_name:
        group = Group.objects.filter(name=group_name).first()
        if group is None:
            raise ValidationFailed(f"No group {group_name!r}.", details={"field": "group"})
    return user, group


def _asset(fqn: Any, types: tuple[str, ...], field: str) -> Asset:
    if not isinstance(fqn, str) or not fqn:
        raise ValidationFailed(f"{field} is required (an FQN).", details={"field": field})
    asset = (
        Asset.objects.filter(fqn=fqn, type__in=types, deleted_at__isnull=True)
        .select_related("source")
        .first()
    )
    if asset is None:
        raise ValidationFailed(f"No {'/'.join(types)} {fqn!r}.", details={"field": field})
    return asset


def _text(data: dict[str, Any], key: str, *, required: bool = False, max_len: int = 120) -> str:
    value = data.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed(f"{key} must be a string.", details={"field": key})
    if required and not value.strip():
        raise ValidationFailed(f"{key} is required.", details={"field": key})
    if len(value) > max_len:
        raise ValidationFailed(
            f"{key} is longer than {max_len} characters.", details={"field": key}
        )
    return value


def build_policy(kind: str, data: dict[str, Any], instance: Any = None) -> Any:
    """An unsaved, validated policy of ``kind`` from API data (``instance`` to edit)."""
    if kind not in POLICY_MODELS:
        raise ValidationFailed(
            "kind must be rule, masking or row_filter.", details={"field": "kind"}
        )
    if not isinstance(data, dict):
        raise ValidationFailed("A policy is a JSON object.")
    model = POLICY_MODELS[kind]
    policy = instance if instance is not None else model()
    if instance is not None:
        base = policy_snapshot(kind, instance)
        base.update({k: v for k, v in data.items() if v is not None or k in ("user", "group")})
        data = base
    policy.name = _text(data, "name", required=True)
    policy.description = _text(data, "description", max_len=2000)
    enabled = data.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ValidationFailed("enabled must be true or false.", details={"field": "enabled"})
    policy.enabled = enabled
    policy.user, policy.group = _principal(data)
    if isinstance(policy, AccessRule):
        policy.asset = _asset(data.get("asset"), tuple(AssetType.values), "asset")
        effect = data.get("effect", Effect.DENY)
        if effect not in Effect.values:
            raise ValidationFailed("effect must be allow or deny.", details={"field": "effect"})
        policy.effect = effect
    elif isinstance(policy, MaskingPolicy):
        target = data.get("target_kind")
        if target not in TargetKind.values:
            raise ValidationFailed(
                "target_kind must be column, tag or classification.",
                details={"field": "target_kind"},
            )
        policy.target_kind = target
        policy.column, policy.tag, policy.entity = None, None, ""
        if target == TargetKind.COLUMN:
            policy.column = _asset(data.get("column"), (AssetType.COLUMN,), "column")
        elif target == TargetKind.TAG:
            tag = Tag.objects.filter(name=data.get("tag") or "").first()
            if tag is None:
                raise ValidationFailed(f"No tag {data.get('tag')!r}.", details={"field": "tag"})
            policy.tag = tag
        else:
            entity = _text(data, "entity", required=True, max_len=64).strip().upper()
            policy.entity = entity
        operator = _text(data, "operator", required=True, max_len=40)
        if not is_known(operator):
            raise ValidationFailed(
                f"Unknown masking operator {operator!r}.", details={"field": "operator"}
            )
        policy.operator = operator
        params = data.get("params") or {}
        if not isinstance(params, dict):
            raise ValidationFailed("params must be an object.", details={"field": "params"})
        try:
            check_params(operator, params)
        except ValueError as exc:
            raise ValidationFailed(
                f"Bad operator parameters: {exc}", details={"field": "params"}
            ) from exc
        policy.params = params
    else:
        table = _asset(data.get("table"), (AssetType.TABLE, AssetType.VIEW), "table")
        policy.table = table
        predicate = _text(data, "predicate", max_len=rowfilters.MAX_PREDICATE)
        columns = set(
            Asset.objects.filter(
                parent=table, type=AssetType.COLUMN, deleted_at__isnull=True
            ).values_list("name", flat=True)
        )
        try:
            rowfilters.parse_predicate(
                predicate, DIALECTS.get(table.source.kind, "sqlite"), columns
            )
        except rowfilters.InvalidPredicate as exc:
            raise ValidationFailed(str(exc), details={"field": "predicate"}) from exc
        policy.predicate = predicate.strip()
    return policy


def policy_snapshot(kind: str, policy: Any) -> dict[str, Any]:
    """The policy as API-shaped data (what versions store)."""
    data: dict[str, Any] = {
        "name": policy.name,
        "description": policy.description,
        "enabled": policy.enabled,
        "user": policy.user.get_username() if policy.user_id else None,
        "group": policy.group.name if policy.group_id else None,
    }
    if kind == "rule":
        data |= {"asset": policy.asset.fqn, "effect": policy.effect}
    elif kind == "masking":
        data |= {
            "target_kind": policy.target_kind,
            "column": policy.column.fqn if policy.column_id else None,
            "tag": policy.tag.name if policy.tag_id else None,
            "entity": policy.entity or None,
            "operator": policy.operator,
            "params": policy.params,
        }
    else:
        data |= {"table": policy.table.fqn, "predicate": policy.predicate}
    return data


def kind_of_policy(policy: Any) -> str:
    for kind, model in POLICY_MODELS.items():
        if isinstance(policy, model):
            return kind
    raise ValueError(policy)


def _version(kind: str, policy: Any, change: str, actor: Any, snapshot: dict[str, Any]) -> None:
    PolicyVersion.objects.create(
        kind=kind,
        policy_id=policy.pk,
        version=policy.version,
        change=change,
        snapshot=snapshot,
        changed_by=stored_user(actor),
    )


def create_policy(*, actor: Any, kind: str, data: dict[str, Any]) -> Any:
    _require_manage(actor)
    policy = build_policy(kind, data)
    with transaction.atomic():
        policy.created_by = stored_user(actor)
        policy.version = 1
        policy.save()
        snap = policy_snapshot(kind, policy)
        _version(kind, policy, "create", actor, snap)
        audit.record(
            action="access.policy.create",
            obj=policy,
            object_repr=policy.name,
            changes={"kind": kind, "version": 1, "policy": snap},
        )
    return policy


def update_policy(*, actor: Any, policy: Any, data: dict[str, Any]) -> Any:
    _require_manage(actor)
    kind = kind_of_policy(policy)
    before = policy_snapshot(kind, policy)
    policy = build_policy(kind, data, instance=policy)
    with transaction.atomic():
        policy.version += 1
        policy.save()
        after = policy_snapshot(kind, policy)
        _version(kind, policy, "update", actor, after)
        changed = {
            k: {"from": before.get(k), "to": v} for k, v in after.items() if before.get(k) != v
        }
        audit.record(
            action="access.policy.update",
            obj=policy,
            object_repr=policy.name,
            changes={"kind": kind, "version": policy.version, "changed": changed},
        )
    return policy


def delete_policy(*, actor: Any, policy: Any) -> None:
    _require_manage(actor)
    kind = kind_of_policy(policy)
    with transaction.atomic():
        snap = policy_snapshot(kind, policy)
        policy.version += 1
        _version(kind, policy, "delete", actor, snap)
        audit.record(
            action="access.policy.delete",
            obj=policy,
            object_repr=policy.name,
            changes={"kind": kind, "version": policy.version, "policy": snap},
        )
        policy.delete()


# -- user attributes ------------------------------------------------------------------------


def set_user_attribute(
    *, actor: Any, user: Any, key: str, value: str | None
) -> UserAttribute | None:
    """Set (or with ``value=None`` remove) a row-filter attribute of ``user``."""
    _require_manage(actor)
    if (
        not isinstance(key, str)
        or not key.replace("_", "a").isalnum()
        or len(key) > 64
        or key in ("username", "id", "email")
    ):
        raise ValidationFailed(
            "Attribute keys are letters, digits and _ (not username/id/email).",
            details={"field": "key"},
        )
    if value is not None and (not isinstance(value, str) or len(value) > 255):
        raise ValidationFailed(
            "Attribute values are strings of at most 255 characters.", details={"field": "value"}
        )
    with transaction.atomic():
        if value is None:
            UserAttribute.objects.filter(user=user, key=key).delete()
            attr = None
        else:
            attr, _ = UserAttribute.objects.update_or_create(
                user=user, key=key, defaults={"value": value}
            )
        audit.record(
            action="access.attribute.set",
            object_type="user",
            object_id=str(user.pk),
            object_repr=user.get_username(),
            changes={"key": key, "removed": value is None},  # the value may be personal: not logged
        )
    return attr


# -- grants ---------------------------------------------------------------------------------


def create_grant(*, actor: Any, user: Any, asset: Asset, days: int, request: Any = None) -> Grant:
    """A time-bound grant (view + query) mirrored as guardian user permissions."""
    if days < 1 or days > 365:
        raise ValidationFailed("A grant lasts 1-365 days.", details={"field": "duration_days"})
    existing = set(get_perms(user, asset)) if user.pk else set()
    mirrored = [p for p in GRANT_PERMS if p.split(".")[1] not in existing]
    with transaction.atomic():
        grant = Grant.objects.create(
            user=user,
            asset=asset,
            request=request,
            granted_by=stored_user(actor),
            mirrored=mirrored,
            expires_at=timezone.now() + timedelta(days=days),
        )
        for perm in mirrored:
            assign_perm(perm, user, asset)
        audit.record(
            action="access.grant.create",
            obj=grant,
            object_repr=f"{user.get_username()} -> {asset.fqn}",
            changes={
                "user": user.get_username(),
                "asset": asset.fqn,
                "expires_at": grant.expires_at,
                "request": getattr(request, "pk", None),
            },
        )
    return grant


def _unmirror(grant: Grant) -> None:
    still = Grant.objects.filter(
        user=grant.user, asset=grant.asset, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).exclude(pk=grant.pk)
    keep = {p for g in still for p in g.mirrored}
    for perm in grant.mirrored:
        if perm not in keep:
            remove_perm(perm, grant.user, grant.asset)


def revoke_grant(*, actor: Any, grant: Grant) -> Grant:
    if not (actor.is_superuser or actor.has_perm("access.decide_accessrequest")):
        from access.requests import can_decide_asset

        if not can_decide_asset(actor, grant.asset):
            raise PermissionDenied(
                "Only admins and owners/stewards of the asset may revoke grants."
            )
    if grant.revoked_at is not None:
        raise ValidationFailed("This grant is already revoked.")
    with transaction.atomic():
        grant.revoked_at = timezone.now()
        grant.revoked_by = stored_user(actor)
        grant.save(update_fields=["revoked_at", "revoked_by"])
        _unmirror(grant)
        audit.record(
            action="access.grant.revoke",
            obj=grant,
            object_repr=str(grant),
            changes={"user": grant.user.get_username(), "asset": grant.asset.fqn},
        )
        _close_request(grant, "revoked")
    return grant


def _close_request(grant: Grant, status: str) -> None:
    req = grant.request
    if req is None:
        return
    if (
        not req.grants.filter(
            revoked_at__isnull=True, expired_at__isnull=True, expires_at__gt=timezone.now()
        )
        .exclude(pk=grant.pk)
        .exists()
    ):
        req.status = status
        req.save(update_fields=["status", "updated"])


def expire_grants(*, now: Any = None) -> int:
    """Remove the guardian permissions of grants past their expiry (idempotent)."""
    now = now or timezone.now()
    done = 0
    for grant in Grant.objects.filter(
        expires_at__lte=now, expired_at__isnull=True, revoked_at__isnull=True
    ).select_related("user", "asset", "request"):
        with transaction.atomic():
            grant.expired_at = now
            grant.save(update_fields=["expired_at"])
            _unmirror(grant)
            audit.record(
                action="access.grant.expire",
                obj=grant,
                object_repr=str(grant),
                changes={
                    "user": grant.user.get_username(),
                    "asset": grant.asset.fqn,
                    "expires_at": grant.expires_at,
                },
            )
            _close_request(grant, "expired")
        done += 1
    return done
