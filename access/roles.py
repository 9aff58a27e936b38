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
ROLES: tuple[str, ...] = (ADMIN, STEWARD, ANALYST, VIEWER)

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


def _perm(label: str) -> Permission | None:
    app_label, codename = label.split(".")
    return Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()


def ensure_roles() -> dict[str, Group]:
    """Create or refresh the built-in role groups (idempotent).

    Runs after every app's migrations (post_migrate): permissions of apps migrated later
    are picked up by the later runs, so a role never points at a missing permission.
    """
    groups = {}
    for role, labels in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = [p for p in (_perm(label) for label in labels) if p is not None]
        group.permissions.set(perms)
        groups[role] = group
    return groups


# Data access (issue 7). ``catalog.query_asset`` = may read data through the query gateway,
# separate from metadata ``view``; Viewers get it only by object grant or approved request.
# Policy management and request decisions are their own permissions.
for _role, _extra in {
    ADMIN: [
        "catalog.query_asset",
        "access.manage_policy",
        "access.decide_accessrequest",
        "access.view_maskingpolicy",
        "access.view_grant",
    ],
    STEWARD: ["catalog.query_asset", "access.view_maskingpolicy", "lineage.add_columnlineage"],
    ANALYST: ["catalog.query_asset"],
}.items():
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], *_extra]

# Audit (issue 8). Auditor: reads the whole trail, verifies it, exports signed bundles and
# reads the audit reports; sees catalog metadata to follow events, changes nothing.
AUDITOR = "Auditor"
ROLES = (*ROLES, AUDITOR)
ROLE_PERMISSIONS[AUDITOR] = [
    "audit.view_auditevent",
    "audit.export_auditevent",
    "catalog.view_asset",
    "catalog.view_classification",
]
ROLE_PERMISSIONS[ADMIN] = [*ROLE_PERMISSIONS[ADMIN], "audit.export_auditevent"]

# GDPR (issue 9). DPO: handles data-subject requests (plan, approve another DPO's plan,
# execute, verify, export), legal holds and retention policies; reads the catalog and the
# audit trail to follow them. Admins get the same powers.
DPO = "DPO"
ROLES = (*ROLES, DPO)
_GDPR_PERMS = [
    "gdpr.view_subjectrequest",
    "gdpr.add_subjectrequest",
    "gdpr.change_subjectrequest",
    "gdpr.approve_subjectrequest",
    "gdpr.execute_subjectrequest",
    "gdpr.manage_legalhold",
    "gdpr.manage_retention",
]
ROLE_PERMISSIONS[DPO] = [
    *_GDPR_PERMS,
    "catalog.view_asset",
    "catalog.view_classification",
    "audit.view_auditevent",
]
ROLE_PERMISSIONS[ADMIN] = [*ROLE_PERMISSIONS[ADMIN], *_GDPR_PERMS]
