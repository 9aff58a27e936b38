"""Who may see and change which assets.

Global permissions come from roles (groups with model permissions, see access/roles.py).
Object grants are django-guardian permissions on an Asset (user or group) and cover
the asset and everything below it. Owners and stewards of an asset may view and
change it and everything below it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from guardian.models import GroupObjectPermission, UserObjectPermission

from catalog.models import Asset, Ownership


def granted_asset_ids(user: Any, action: str) -> set[int]:
    """Asset ids granted to ``user`` for ``action`` directly (not including descendants)."""
    ct = ContentType.objects.get_for_model(Asset)
    codename = f"{action}_asset"
    group_ids = list(user.groups.values_list("id", flat=True))
    pks: set[int] = set()
    for value in UserObjectPermission.objects.filter(
        user=user, content_type=ct, permission__codename=codename
    ).values_list("object_pk", flat=True):
        pks.add(int(value))
    if group_ids:
        for value in GroupObjectPermission.objects.filter(
            group_id__in=group_ids, content_type=ct, permission__codename=codename
        ).values_list("object_pk", flat=True):
            pks.add(int(value))
    if action in ("view", "change"):
        pks.update(
            Ownership.objects.filter(
                Q(user=user) | Q(group_id__in=group_ids), asset__isnull=False
            ).values_list("asset_id", flat=True)
        )
    return pks


def can(user: Any, action: str, asset: Asset) -> bool:
    """Does ``user`` hold ``action`` on ``asset`` (globally, by grant or ownership)?"""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser or user.has_perm(f"catalog.{action}_asset"):
        return True
    granted = granted_asset_ids(user, action)
    chain = {
        asset.id,
        asset.root_ref_id,
        asset.database_ref_id,
        asset.schema_ref_id,
        asset.table_ref_id,
    }
    return bool(granted & {c for c in chain if c})
