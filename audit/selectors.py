"""Reading the audit trail (auditors, admins, and each user's own actions)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from audit.models import AuditEvent


def can_view_all(user: Any) -> bool:
    """Auditors and admins read the whole trail; everyone else only their own actions."""
    return bool(user.is_superuser or user.has_perm("audit.view_auditevent"))


def events_for(user: Any) -> QuerySet[AuditEvent]:
    if can_view_all(user):
        return AuditEvent.objects.all()
    return AuditEvent.objects.filter(actor=user)


def object_history(user: Any, *, object_type: str, object_id: str) -> QuerySet[AuditEvent]:
    return events_for(user).filter(object_type=object_type, object_id=object_id)
