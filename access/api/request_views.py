"""Access-request API: ask, list, approve (all or part), deny, revoke; grants; notifications."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access import requests as workflow
from access import services
from access.models import AccessRequest, Grant, Notification, RequestStatus
from custos.api.pagination import Pagination
from custos.errors import NotFound, ValidationFailed


def request_out(req: AccessRequest, user: Any) -> dict[str, Any]:
    return {
        "id": req.pk,
        "requester": req.requester.get_username(),
        "status": req.status,
        "reason": req.reason,
        "duration_days": req.duration_days,
        "assets": [
            {"fqn": i.asset.fqn, "type": i.asset.type, "decision": i.decision}
            for i in req.items.all()
        ],
        "decided_by": req.decided_by.get_username() if req.decided_by else None,
        "decided_at": req.decided_at,
        "comment": req.comment,
        "created": req.created,
        "can_decide": req.status == RequestStatus.PENDING and workflow.can_decide(user, req),
        "grants": [grant_out(g) for g in req.grants.all()],
    }


def grant_out(grant: Grant) -> dict[str, Any]:
    return {
        "id": grant.pk,
        "user": grant.user.get_username(),
        "asset": grant.asset.fqn,
        "state": grant.state,
        "expires_at": grant.expires_at,
        "revoked_at": grant.revoked_at,
        "request": grant.request_id,
    }


class RequestIn(serializers.Serializer):
    assets = serializers.ListField(
        child=serializers.CharField(max_length=700), min_length=1, max_length=workflow.MAX_ASSETS
    )
    reason = serializers.CharField(max_length=2000)
    duration_days = serializers.IntegerField(required=False, min_value=1, max_value=365, default=30)


class DecisionIn(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    assets = serializers.ListField(
        child=serializers.CharField(max_length=700), required=False, min_length=1
    )
    duration_days = serializers.IntegerField(required=False, min_value=1, max_value=365)


class RequestList(APIView):
    @extend_schema(responses=dict, operation_id="access_request_list")
    def get(self, request: Request) -> Response:
        qs = workflow.visible_requests(request.user)
        params = request.query_params
        if params.get("status"):
            wanted = [s for s in params["status"].split(",") if s]
            bad = [s for s in wanted if s not in RequestStatus.values]
            if bad:
                raise ValidationFailed(f"Unknown status {bad[0]!r}.", details={"field": "status"})
            qs = qs.filter(status__in=wanted)
        if params.get("mine") in ("1", "true"):
            qs = qs.filter(requester_id=request.user.pk or 0)
        if params.get("requester"):
            qs = qs.filter(requester__username=params["requester"])
        if params.get("asset"):
            qs = qs.filter(
                Q(items__asset__fqn=params["asset"])
                | Q(items__asset__fqn__startswith=params["asset"] + ".")
            ).distinct()
        paginator = Pagination()
        page = paginator.paginate_queryset(
            qs.prefetch_related("grants__asset", "grants__user"), request, view=self
        )
        return paginator.get_paginated_response([request_out(r, request.user) for r in page or []])

    @extend_schema(request=RequestIn, responses={201: dict}, operation_id="access_request_create")
    def post(self, request: Request) -> Response:
        ser = RequestIn(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        req = workflow.create_request(
            requester=request.user,
            assets=list(data["assets"]),
            reason=data["reason"],
            duration_days=data["duration_days"],
        )
        return Response(request_out(req, request.user), status=status.HTTP_201_CREATED)


class RequestDetail(APIView):
    @extend_schema(responses=dict, operation_id="access_request_get")
    def get(self, request: Request, pk: int) -> Response:
        return Response(request_out(workflow.request_by_id(request.user, pk), request.user))


class RequestDecision(APIView):
    action = "approve"

    @extend_schema(request=DecisionIn, responses=dict, operation_id="access_request_decide")
    def post(self, request: Request, pk: int) -> Response:
        req = workflow.request_by_id(request.user, pk)
        ser = DecisionIn(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        if self.action == "approve":
            req = workflow.approve_request(
                actor=request.user,
                request=req,
                assets=data.get("assets"),
                comment=data["comment"],
                duration_days=data.get("duration_days"),
            )
        elif self.action == "deny":
            req = workflow.deny_request(actor=request.user, request=req, comment=data["comment"])
        else:
            req = workflow.revoke_request(actor=request.user, request=req)
        return Response(request_out(workflow.request_by_id(request.user, req.pk), request.user))


# One view class per decision so each endpoint gets its own operationId in the schema.
@extend_schema_view(post=extend_schema(operation_id="access_request_approve"))
class RequestApprove(RequestDecision):
    action = "approve"


@extend_schema_view(post=extend_schema(operation_id="access_request_deny"))
class RequestDeny(RequestDecision):
    action = "deny"


@extend_schema_view(post=extend_schema(operation_id="access_request_revoke"))
class RequestRevoke(RequestDecision):
    action = "revoke"


class GrantList(APIView):
    @extend_schema(responses=dict, operation_id="grant_list")
    def get(self, request: Request) -> Response:
        qs = Grant.objects.select_related("user", "asset")
        if not (request.user.is_superuser or request.user.has_perm("access.view_grant")):
            qs = qs.filter(user_id=request.user.pk or 0)
        if request.query_params.get("active") in ("1", "true"):
            qs = qs.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response([grant_out(g) for g in page or []])


class GrantRevoke(APIView):
    @extend_schema(request=None, responses=dict, operation_id="grant_revoke")
    def post(self, request: Request, pk: int) -> Response:
        grant = Grant.objects.select_related("user", "asset").filter(pk=pk).first()
        if grant is None or not (
            grant.user_id == request.user.pk or workflow.can_decide_asset(request.user, grant.asset)
        ):
            raise NotFound(f"No grant {pk}.")
        return Response(grant_out(services.revoke_grant(actor=request.user, grant=grant)))


class NotificationList(APIView):
    @extend_schema(responses=dict, operation_id="notification_list")
    def get(self, request: Request) -> Response:
        qs = Notification.objects.filter(user_id=request.user.pk or 0)
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(
            [
                {
                    "id": n.pk,
                    "text": n.text,
                    "url": n.url,
                    "created": n.created,
                    "read": n.read_at is not None,
                }
                for n in page or []
            ]
        )

    @extend_schema(request=None, responses={204: None}, operation_id="notification_read_all")
    def post(self, request: Request) -> Response:
        Notification.objects.filter(user_id=request.user.pk or 0, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
