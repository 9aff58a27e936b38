"""Small includes for other apps' pages: nav links, the table and column access panels."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Q

from access import policies, simulate
from access import requests as workflow
from access.gateway.parse import DIALECTS
from access.models import AccessRequest, Notification, RequestStatus
from catalog.models import Asset
from custos.errors import DomainError

register = template.Library()


@register.inclusion_tag("access/_nav.html", takes_context=True)
def access_nav(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
    pending = 0
    if workflow.is_admin_decider(user):
        pending = (
            workflow.visible_requests(user)
            .filter(status=RequestStatus.PENDING)
            .exclude(requester=user)
            .count()
        )
    path = getattr(request, "path", "")
    return {"show": True, "unread": unread, "pending": pending, "path": path}


@register.inclusion_tag("access/_table_panel.html", takes_context=True)
def access_table_panel(context: template.Context, asset: Asset) -> dict[str, Any]:
    request = context.get("request")
    user = request.user  # type: ignore[union-attr]
    ta = policies.evaluate(
        policies.subject_for_user(user),
        policies.load_facts(asset),
        dialect=DIALECTS.get(asset.source.kind, "sqlite"),
    )
    pending = (
        AccessRequest.objects.filter(requester=user, status=RequestStatus.PENDING)
        .filter(Q(items__asset=asset) | Q(items__asset__table_ref=asset))
        .exists()
    )
    return {
        "asset": asset,
        "access": ta,
        "pending": pending,
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }


@register.inclusion_tag("access/_column_panel.html", takes_context=True)
def access_column_panel(context: template.Context, asset: Asset) -> dict[str, Any]:
    request = context.get("request")
    user = request.user  # type: ignore[union-attr]
    out: dict[str, Any] = {"asset": asset}
    if simulate.can_simulate(user, asset):
        try:
            out["sim"] = simulate.simulate_column(actor=user, column_fqn=asset.fqn)
        except DomainError as exc:
            out["error"] = exc.message
    else:
        table = asset.parent
        if table is not None:
            try:
                mine = simulate.simulate_user(
                    actor=user, username=user.get_username(), table_fqn=table.fqn
                )
                out["mine"] = next((c for c in mine["columns"] if c["column"] == asset.fqn), None)
            except DomainError as exc:
                out["error"] = exc.message
    return out
