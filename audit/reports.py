"""Reports for auditors, built from the trail itself (so they cover history, not just state).

* ``access-review``: who held which grant when, who granted and who approved it, and
  role/permission changes made in the admin. Built from ``access.*`` events, so it works
  as the access workflow lands. Payload convention (docs/audit.md): grant events carry
  ``grantee``, ``permission``, ``target`` (FQN), ``expires_at`` and, when a request led to
  it, ``request`` (the access request id) and ``approved_by``.
* ``pii-inventory``: which columns hold which personal data (active classifications),
  since when (first audit event of the classification), and which policies protect them
  (providers registered with :func:`register_policy_provider`; empty until one exists).
* ``erasure``: every erasure request's steps (``privacy.erasure.*`` events), grouped by
  request, with the subject's pseudonym and whether it completed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from audit.models import AuditEvent

REPORTS = {
    "access-review": "Access review",
    "pii-inventory": "Personal data inventory",
    "erasure": "Erasure report",
}

PolicyProvider = Callable[[Any], Iterable[str]]
_policy_providers: list[PolicyProvider] = []


def register_policy_provider(provider: PolicyProvider) -> None:
    """Let the access app name the policies protecting a column (``provider(column)``)."""
    if provider not in _policy_providers:
        _policy_providers.append(provider)


def policies_for(column: Any) -> list[str]:
    names: list[str] = []
    for provider in _policy_providers:
        names.extend(str(n) for n in provider(column))
    return names


@dataclass(frozen=True)
class Period:
    since: datetime | None = None
    until: datetime | None = None

    def filter(self, qs: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        if self.since:
            qs = qs.filter(timestamp__gte=self.since)
        if self.until:
            qs = qs.filter(timestamp__lt=self.until)
        return qs

    def as_dict(self) -> dict[str, str | None]:
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }


def _first(changes: Any, *keys: str) -> Any:
    if not isinstance(changes, Mapping):
        return None
    for key in keys:
        value = changes.get(key)
        if isinstance(value, Mapping) and "after" in value:
            value = value["after"]
        if value not in (None, ""):
            return value
    return None


def _event(ev: AuditEvent) -> dict[str, Any]:
    return {
        "seq": ev.seq,
        "at": ev.timestamp.isoformat(),
        "actor": ev.actor_label,
        "action": ev.action,
        "object": ev.object_repr,
    }


def access_review(period: Period) -> dict[str, Any]:
    events = period.filter(AuditEvent.objects.filter(action__startswith="access.").order_by("seq"))
    approvals: dict[str, dict[str, Any]] = {}
    requests: dict[str, dict[str, Any]] = {}
    grants: dict[str, dict[str, Any]] = {}
    for ev in events.iterator(chunk_size=2000):
        c = ev.changes
        if ev.action.startswith("access.request."):
            step = ev.action.rsplit(".", 1)[-1]
            req = requests.setdefault(
                ev.object_id,
                {
                    "request": ev.object_id,
                    "object": ev.object_repr,
                    "requester": _first(c, "requester", "grantee", "user", "username"),
                    "target": _first(c, "target", "fqn", "asset"),
                    "permission": _first(c, "permission", "perm", "level"),
                    "steps": [],
                },
            )
            req["steps"].append({**_event(ev), "step": step})
            if step == "create" and not req["requester"]:
                req["requester"] = ev.actor_label
            if step in {"approve", "deny"}:
                req["decision"] = step
                req["decided_by"] = ev.actor_label
                req["decided_at"] = ev.timestamp.isoformat()
            if step == "approve":
                approvals[ev.object_id] = {"by": ev.actor_label, "at": ev.timestamp.isoformat()}
        elif ev.action.startswith("access.grant."):
            step = ev.action.rsplit(".", 1)[-1]
            key = ev.object_id or ev.object_repr
            if step == "create":
                request_id = _first(c, "request", "request_id", "access_request")
                approved = _first(c, "approved_by", "approver")
                grants[key] = {
                    "grant": key,
                    "grantee": _first(c, "grantee", "user", "username", "group") or "",
                    "permission": _first(c, "permission", "perm", "level") or "",
                    "target": _first(c, "target", "fqn", "asset") or ev.object_repr,
                    "granted_at": ev.timestamp.isoformat(),
                    "granted_by": ev.actor_label,
                    "request": str(request_id) if request_id is not None else None,
                    "approved_by": approved,
                    "expires_at": _first(c, "expires_at", "until"),
                    "revoked_at": None,
                    "revoked_by": None,
                }
            elif key in grants:
                if step in {"revoke", "delete", "expire"}:
                    grants[key]["revoked_at"] = ev.timestamp.isoformat()
                    grants[key]["revoked_by"] = ev.actor_label
                    grants[key]["end"] = step
            else:  # revoke of a grant made before the period
                grants[key] = {
                    "grant": key,
                    "grantee": _first(c, "grantee", "user", "username", "group") or "",
                    "permission": _first(c, "permission", "perm", "level") or "",
                    "target": _first(c, "target", "fqn", "asset") or ev.object_repr,
                    "granted_at": None,
                    "granted_by": None,
                    "request": None,
                    "approved_by": None,
                    "expires_at": None,
                    "revoked_at": ev.timestamp.isoformat(),
                    "revoked_by": ev.actor_label,
                }
    now = timezone.now()
    for grant in grants.values():
        if not grant["approved_by"] and grant["request"] in approvals:
            grant["approved_by"] = approvals[grant["request"]]["by"]
        expires = parse_datetime(str(grant["expires_at"])) if grant["expires_at"] else None
        if grant["revoked_at"]:
            grant["status"] = "revoked"
        elif expires is not None and expires <= now:
            grant["status"] = "expired"
        else:
            grant["status"] = "active"
    role_changes = [
        {**_event(ev), "message": _first(ev.changes, "message") or ""}
        for ev in period.filter(
            AuditEvent.objects.filter(
                Q(action__startswith="admin.") & Q(object_type__in=["user", "group", "permission"])
            ).order_by("seq")
        )[:5000]
    ]
    return {
        "grants": sorted(grants.values(), key=lambda g: (g["grantee"], g["granted_at"] or "")),
        "requests": list(requests.values()),
        "role_changes": role_changes,
    }


def pii_inventory(period: Period) -> dict[str, Any]:
    from catalog.models import Classification, ClassificationStatus

    active = (
        Classification.objects.filter(
            status__in=[ClassificationStatus.PROPOSED, ClassificationStatus.CONFIRMED],
            asset__deleted_at__isnull=True,
        )
        .select_related("asset", "asset__parent")
        .order_by("asset__fqn", "entity")
    )
    rows = list(active)
    history: dict[str, list[AuditEvent]] = {}
    ids = [str(c.pk) for c in rows]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for ev in AuditEvent.objects.filter(
            object_type="classification", object_id__in=chunk
        ).order_by("seq"):
            history.setdefault(ev.object_id, []).append(ev)
    columns = []
    for cls in rows:
        events = history.get(str(cls.pk), [])
        since = events[0].timestamp if events else cls.created
        confirmed = next((ev for ev in events if _first(ev.changes, "status") == "confirmed"), None)
        columns.append(
            {
                "column": cls.asset.fqn,
                "table": cls.asset.parent.fqn if cls.asset.parent else "",
                "entity": cls.entity,
                "status": cls.status,
                "source": cls.source,
                "confidence": round(cls.confidence, 3),
                "since": since.isoformat(),
                "confirmed_by": confirmed.actor_label if confirmed else None,
                "history": [_event(ev) for ev in events[-10:]],
                "policies": policies_for(cls.asset),
            }
        )
    by_entity: dict[str, int] = {}
    for cls in rows:
        by_entity[cls.entity] = by_entity.get(cls.entity, 0) + 1
    changes = [
        _event(ev)
        for ev in period.filter(
            AuditEvent.objects.filter(object_type="classification").order_by("seq")
        )[:5000]
    ]
    return {
        "columns": columns,
        "by_entity": dict(sorted(by_entity.items())),
        "unprotected": sum(1 for row in columns if not row["policies"]),
        "policy_model": bool(_policy_providers),
        "changes_in_period": changes,
    }


def erasure(period: Period) -> dict[str, Any]:
    requests: dict[str, dict[str, Any]] = {}
    events = period.filter(
        AuditEvent.objects.filter(action__startswith="privacy.erasure.").order_by("seq")
    )
    for ev in events.iterator(chunk_size=2000):
        key = ev.object_id or ev.object_repr
        req = requests.setdefault(
            key,
            {
                "request": key,
                "object": ev.object_repr,
                "subject": None,
                "requested_at": ev.timestamp.isoformat(),
                "completed_at": None,
                "status": None,
                "steps": [],
            },
        )
        req["subject"] = req["subject"] or _first(ev.changes, "subject", "subject_ref")
        step = ev.action.removeprefix("privacy.erasure.")
        req["steps"].append(
            {
                **_event(ev),
                "step": step,
                "details": {k: v for k, v in ev.changes.items() if k != "subject"},
            }
        )
        req["status"] = step
        if step in {"complete", "completed", "done"}:
            req["completed_at"] = ev.timestamp.isoformat()
    rows = list(requests.values())
    return {
        "requests": rows,
        "completed": sum(1 for r in rows if r["completed_at"]),
        "open": sum(1 for r in rows if not r["completed_at"]),
    }


_BUILDERS: dict[str, Callable[[Period], dict[str, Any]]] = {
    "access-review": access_review,
    "pii-inventory": pii_inventory,
    "erasure": erasure,
}


def build(name: str, period: Period) -> dict[str, Any]:
    """The named report as plain data (the API returns it as JSON, the UI prints it)."""
    return {
        "report": name,
        "title": REPORTS[name],
        "generated_at": timezone.now().isoformat(),
        "period": period.as_dict(),
        **_BUILDERS[name](period),
    }
