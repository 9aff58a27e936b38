"""Built-in roles. A role is a Django group holding global permissions.

* Admin   - everything, including sources, roles and grants.
* Steward - sees the whole catalog; edits descriptions, tags, owners, glossary and
            reviews classifications.
* Analyst - sees the whole catalog's metadata (and, later, queries data under policy).
* Viewer  - read-only, and only what is granted to them or their groups per object.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

ADMIN, STEWARD, ANALYST, VIEWER = "Admin", "Steward", "Analyst", "Viewer"
ROLES = (ADMIN, STEWARD, ANALYST, VIEWER)

_STEWARD_PERMS = [
    "catalog.view_asset",
    "catalog.change_asset",
    "catalog.view_glossaryterm",
    "catalog.add_glossaryterm",
    "catalog.change_glossaryterm",
    "catalog.delete_glossaryterm",
    "catalog.add_tag",
    "catalog.change_tag",
    "catalog.view_classification",
    "catalog.change_classification",
    "catalog.view_ingestionrun",
    "audit.view_auditevent",
]
ROLE_PERMISSIONS: dict[str, list[str]] = {
    ADMIN: [
        *_STEWARD_PERMS,
        "catalog.add_source",
        "catalog.change_source",
        "catalog.delete_source",
        "catalog.view_source",
        "catalog.add_ingestionrun",
        "auth.view_user",
        "auth.change_group",
    ],
    STEWARD: _STEWARD_PERMS,
    ANALYST: [
        "catalog.view_asset",
        "catalog.view_glossaryterm",
        "catalog.view_classification",
    ],
    VIEWER: ["catalog.view_glossaryterm"],
}


def _perm(label: str) -> Permission:
    app_label, codename = label.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def ensure_roles() -> dict[str, Group]:
    """Create or refresh the built-in role groups (idempotent)."""
    groups = {}
    for role, labels in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set([_perm(label) for label in labels])
        groups[role] = group
    return groups
