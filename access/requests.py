"""Access requests: ask -> approve (all or part) / deny -> time-bound grants.

Separation of duties: nobody decides their own request. Deciders are superusers, holders
of ``access.decide_accessrequest`` (the Admin role), and owners/stewards of *every*
requested asset (ownership of the asset or any ancestor). Approvers are notified in the UI
(``Notification``) and by e-mail (Django's mail backend, after commit); the requester is
notified of the decision. Every step is audited.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

import audit.services as audit
from access import services
from access.models import (
    AccessRequest,
    AccessRequestItem,
    ItemDecision,
    Notification,
    RequestStatus,
)
from catalog.models import Asset, AssetType, Ownership
from custos.errors import NotFound, PermissionDenied, ValidationFailed

User = get_user_model()
logger = logging.getLogger("custos.access")
REQUESTABLE = (AssetType.SCHEMA, AssetType.TABLE, AssetType.VIEW, AssetType.COLUMN)
MAX_ASSETS = 50


def _chain(asset: Asset) -> list[int]:
    return [
        i
        for i in (
            asset.id,
            asset.root_ref_id,
            asset.database_ref_id,
            asset.schema_ref_id,
            asset.table_ref_id,
        )
        if i
    ]


def is_admin_decider(user: Any) -> bool:
    return bool(user.is_superuser or user.has_perm("access.decide_accessrequest"))


def can_decide_asset(user: Any, asset: Asset) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if is_admin_decider(user):
        return True
    group_ids = list(user.groups.values_list("id", flat=True))
    return (
        Ownership.objects.filter(asset_id__in=_chain(asset))
        .filter(Q(user=user) | Q(group_id__in=group_ids))
        .exists()
    )


def can_decide(user: Any, request: AccessRequest) -> bool:
    """May ``user`` approve/deny ``request``? (never their own)"""
    if request.requester_id == user.pk:
        return False
    return all(can_decide_asset(user, item.asset) for item in request.items.select_related("asset"))


def approvers_for(assets: list[Asset]) -> set[Any]:
    admins = User.objects.filter(
        Q(is_superuser=True)
        | Q(groups__permissions__codename="decide_accessrequest")
        | Q(user_permissions__codename="decide_accessrequest"),
        is_active=True,
    )
    people = set(admins)
    ids = {i for a in assets for i in _chain(a)}
    for own in Ownership.objects.filter(asset_id__in=ids).select_related("user", "group"):
        if own.user is not None:
            people.add(own.user)
        elif own.group_id:
            people.update(own.group.user_set.filter(is_active=True))  # type: ignore[union-attr]
    return people


def visible_requests(user: Any) -> QuerySet[AccessRequest]:
    """Requests ``user`` may see: their own, all (admin deciders), or those on assets they own."""
    qs = AccessRequest.objects.select_related("requester", "decided_by").prefetch_related(
        "items__asset"
    )
    if is_admin_decider(user):
        return qs
    group_ids = list(user.groups.values_list("id", flat=True))
    owned = list(
        Ownership.objects.filter(
            Q(user=user) | Q(group_id__in=group_ids), asset__isnull=False
        ).values_list("asset_id", flat=True)
    )
    if not owned:
        return qs.filter(requester=user)
    under = Asset.objects.filter(
        Q(id__in=owned)
        | Q(root_ref_id__in=owned)
        | Q(database_ref_id__in=owned)
        | Q(schema_ref_id__in=owned)
        | Q(table_ref_id__in=owned)
    ).values("id")
    return qs.filter(Q(requester=user) | Q(items__asset_id__in=under)).distinct()


def request_by_id(user: Any, pk: int) -> AccessRequest:
    req = visible_requests(user).filter(pk=pk).first()
    if req is None:
        raise NotFound(f"No access request {pk}.")
    return req


def _notify(users: set[Any], text: str, request: AccessRequest, url: str) -> None:
    Notification.objects.bulk_create(
        [Notification(user=u, text=text[:300], url=url, request=request) for u in users if u.pk]
    )
    emails = sorted({u.email for u in users if u.email})
    if emails:
        subject = f"[Custos] {text}"[:150]
        body = f"{text}\n\n{url}\n"
        sender = getattr(settings, "DEFAULT_FROM_EMAIL", "custos@localhost")
        transaction.on_commit(lambda: _send(subject, body, sender, emails))


def _send(subject: str, body: str, sender: str, emails: list[str]) -> None:
    """E-mail is best effort: a mail outage must not fail the (committed) workflow step."""
    try:
        send_mail(subject, body, sender, emails)
    except Exception:
        logger.exception("could not send access-request e-mail")


def _assets_for(user: Any, fqns: Any) -> list[Asset]:
    if not isinstance(fqns, list) or not fqns or not all(isinstance(f, str) for f in fqns):
        raise ValidationFailed(
            "assets must be a non-empty list of FQNs.", details={"field": "assets"}
        )
    if len(fqns) > MAX_ASSETS:
        raise ValidationFailed(
            f"At most {MAX_ASSETS} assets per request.", details={"field": "assets"}
        )
    wanted = list(dict.fromkeys(fqns))
    found = {
        a.fqn: a
        for a in Asset.objects.restrict(user, "view").filter(
            fqn__in=wanted, type__in=REQUESTABLE, deleted_at__isnull=True
        )
    }
    missing = [f for f in wanted if f not in found]
    if missing:
        raise NotFound(
            f"No table/column {missing[0]!r} (or you may not see it).", details={"assets": missing}
        )
    return [found[f] for f in wanted]


def create_request(
    *, requester: Any, assets: Any, reason: Any, duration_days: Any = 30
) -> AccessRequest:
    items = _assets_for(requester, assets)
    if not isinstance(reason, str) or len(reason.strip()) < 5 or len(reason) > 2000:
        raise ValidationFailed("Give a reason (5-2000 characters).", details={"field": "reason"})
    if (
        not isinstance(duration_days, int)
        or isinstance(duration_days, bool)
        or not 1 <= duration_days <= 365
    ):
        raise ValidationFailed("duration_days must be 1-365.", details={"field": "duration_days"})
    with transaction.atomic():
        req = AccessRequest.objects.create(
            requester=requester, reason=reason.strip(), duration_days=duration_days
        )
        AccessRequestItem.objects.bulk_create(
            [AccessRequestItem(request=req, asset=a) for a in items]
        )
        audit.record(
            action="access.request.create",
            obj=req,
            object_repr=str(req),
            changes={
                "assets": [a.fqn for a in items],
                "duration_days": duration_days,
                "reason": reason.strip()[:500],
            },
        )
        approvers = approvers_for(items) - {requester}
        _notify(
            approvers,
            f"{requester.get_username()} requests access to {items[0].fqn}"
            + (f" and {len(items) - 1} more" if len(items) > 1 else ""),
            req,
            f"/access/requests/{req.pk}/",
        )
    return req


def _check_decider(actor: Any, req: AccessRequest) -> None:
    if req.requester_id == actor.pk:
        raise PermissionDenied("Separation of duties: you cannot decide your own request.")
    if not can_decide(actor, req):
        raise PermissionDenied(
            "Only admins and owners/stewards of every requested asset may decide this request."
        )
    if req.status != RequestStatus.PENDING:
        raise ValidationFailed(
            f"This request is already {req.get_status_display().lower()}.",
            details={"status": req.status},
        )


def _comment(comment: Any) -> str:
    if comment is None:
        return ""
    if not isinstance(comment, str) or len(comment) > 2000:
        raise ValidationFailed(
            "comment must be a string of at most 2000 characters.", details={"field": "comment"}
        )
    return comment.strip()


def approve_request(
    *,
    actor: Any,
    request: AccessRequest,
    assets: Any = None,
    comment: Any = "",
    duration_days: Any = None,
) -> AccessRequest:
    """Approve all items, or only ``assets`` (FQNs; the rest are denied): grants are created."""
    _check_decider(actor, request)
    text = _comment(comment)
    items = list(request.items.select_related("asset"))
    if assets is None:
        chosen = items
    else:
        if (
            not isinstance(assets, list)
            or not assets
            or not all(isinstance(a, str) for a in assets)
        ):
            raise ValidationFailed(
                "assets must be a non-empty list of requested FQNs.", details={"field": "assets"}
            )
        by_fqn = {i.asset.fqn: i for i in items}
        unknown = [a for a in assets if a not in by_fqn]
        if unknown:
            raise ValidationFailed(
                f"{unknown[0]!r} is not part of this request.", details={"assets": unknown}
            )
        chosen = [by_fqn[a] for a in dict.fromkeys(assets)]
    days = request.duration_days if duration_days is None else duration_days
    if (
        not isinstance(days, int)
        or isinstance(days, bool)
        or not 1 <= days <= request.duration_days
    ):
        raise ValidationFailed(
            f"duration_days must be 1-{request.duration_days}.", details={"field": "duration_days"}
        )
    with transaction.atomic():
        locked = AccessRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != RequestStatus.PENDING:
            raise ValidationFailed("This request was decided meanwhile.")
        chosen_ids = {i.pk for i in chosen}
        for item in items:
            item.decision = ItemDecision.APPROVED if item.pk in chosen_ids else ItemDecision.DENIED
            item.save(update_fields=["decision"])
        for item in chosen:
            services.create_grant(
                actor=actor, user=request.requester, asset=item.asset, days=days, request=request
            )
        request.status = (
            RequestStatus.APPROVED
            if len(chosen) == len(items)
            else RequestStatus.PARTIALLY_APPROVED
        )
        request.decided_by = actor
        request.decided_at = timezone.now()
        request.comment = text
        request.save(update_fields=["status", "decided_by", "decided_at", "comment", "updated"])
        audit.record(
            action="access.request.approve",
            obj=request,
            object_repr=str(request),
            changes={
                "status": request.status,
                "approved": [i.asset.fqn for i in chosen],
                "denied": [i.asset.fqn for i in items if i.pk not in chosen_ids],
                "duration_days": days,
                "comment": text[:500],
            },
        )
        _notify(
            {request.requester},
            f"Your access request #{request.pk} was {request.get_status_display().lower()}",
            request,
            "/access/my-requests/",
        )
    return request


def deny_request(*, actor: Any, request: AccessRequest, comment: Any = "") -> AccessRequest:
    _check_decider(actor, request)
    text = _comment(comment)
    with transaction.atomic():
        request.items.update(decision=ItemDecision.DENIED)
        request.status = RequestStatus.DENIED
        request.decided_by = actor
        request.decided_at = timezone.now()
        request.comment = text
        request.save(update_fields=["status", "decided_by", "decided_at", "comment", "updated"])
        audit.record(
            action="access.request.deny",
            obj=request,
            object_repr=str(request),
            changes={"comment": text[:500]},
        )
        _notify(
            {request.requester},
            f"Your access request #{request.pk} was denied",
            request,
            "/access/my-requests/",
        )
    return request


def revoke_request(*, actor: Any, request: AccessRequest) -> AccessRequest:
    """Revoke every active grant of an approved request."""
    active = [g for g in request.grants.select_related("asset", "user") if g.is_active]
    if not active:
        raise ValidationFailed("This request has no active grants to revoke.")
    for grant in active:
        services.revoke_grant(actor=actor, grant=grant)
    request.refresh_from_db()
    return request
