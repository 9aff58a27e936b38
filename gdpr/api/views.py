"""GDPR REST API: thin views over ``gdpr.services`` / ``gdpr.selectors``.

``/api/v1/privacy/erasure-requests/`` (list, create), ``/{id}``, ``/{id}/plan``,
``/{id}/approve``, ``/{id}/execute``, ``/{id}/verify``, ``/{id}/evidence``, ``/{id}/export``
(access requests), ``/{id}/close``, ``/{id}/reject``; ``/privacy/legal-holds/``;
``/privacy/retention-policies/`` and ``/{id}/run``. DPO or Admin only.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import Asset, AssetType, Source
from custos.api.openapi import ERROR
from custos.api.pagination import Pagination
from custos.errors import NotFound, ValidationFailed
from gdpr import retention, selectors, services
from gdpr.api import serializers as s
from gdpr.models import CLOSED_STATUSES, RequestStatus


def _valid(serializer_class: Any, data: Any) -> dict[str, Any]:
    ser = serializer_class(data=data)
    ser.is_valid(raise_exception=True)
    return dict(ser.validated_data)


def _table(fqn: str, field: str) -> Asset:
    asset = Asset.objects.live().filter(fqn=fqn, type__in=[AssetType.TABLE, AssetType.VIEW]).first()
    if asset is None:
        raise ValidationFailed(f"Unknown table {fqn!r}.", details={"field": field})
    return asset


def _source(name: str) -> Source:
    source = Source.objects.filter(name=name).first()
    if source is None:
        raise ValidationFailed(f"Unknown source {name!r}.", details={"field": "source"})
    return source


class RequestList(APIView):
    @extend_schema(responses=dict, operation_id="erasure_request_list")
    def get(self, request: Request) -> Response:
        selectors.require(request.user, "view_subjectrequest")
        qs = selectors.visible_requests(request.user)
        params = request.query_params
        if params.get("status"):
            wanted = [x for x in params["status"].split(",") if x]
            bad = [x for x in wanted if x not in RequestStatus.values]
            if bad:
                raise ValidationFailed(f"Unknown status {bad[0]!r}.", details={"field": "status"})
            qs = qs.filter(status__in=wanted)
        if params.get("kind"):
            qs = qs.filter(kind=params["kind"])
        if params.get("overdue") in ("1", "true"):
            qs = qs.filter(deadline__lt=timezone.now()).exclude(status__in=CLOSED_STATUSES)
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response([s.request_out(r) for r in page or []])

    @extend_schema(
        request=s.SubjectRequestIn, responses={201: dict}, operation_id="erasure_request_create"
    )
    def post(self, request: Request) -> Response:
        selectors.require(request.user, "add_subjectrequest")
        data = _valid(s.SubjectRequestIn, request.data)
        req = services.create_request(
            actor=request.user,
            identifiers=data["identifiers"],
            kind=data["kind"],
            regime=data["regime"],
            deadline_days=data.get("deadline_days"),
            received_at=data.get("received_at"),
            source=_source(data["source"]) if data.get("source") else None,
            reference=data["reference"],
            notes=data["notes"],
        )
        return Response(s.request_out(req, detail=True), status=status.HTTP_201_CREATED)


class RequestDetail(APIView):
    @extend_schema(responses=dict, operation_id="erasure_request_get")
    def get(self, request: Request, pk: str) -> Response:
        return Response(s.request_out(selectors.get_request(request.user, pk), detail=True))


class RequestPlan(APIView):
    @extend_schema(responses=dict, operation_id="erasure_request_plan_get")
    def get(self, request: Request, pk: str) -> Response:
        req = selectors.get_request(request.user, pk)
        return Response(
            {
                "plan_hash": req.plan_hash or None,
                "plan": req.plan or None,
                "steps": [s.step_out(x) for x in req.steps.order_by("position")],
            }
        )

    @extend_schema(
        request=None, responses={200: dict, 409: ERROR}, operation_id="erasure_request_plan"
    )
    def post(self, request: Request, pk: str) -> Response:
        req = services.plan_request(
            actor=request.user, request=selectors.get_request(request.user, pk)
        )
        return Response(s.request_out(req, detail=True))


class RequestApprove(APIView):
    @extend_schema(
        request=s.ApproveIn,
        responses={200: dict, 409: ERROR},
        operation_id="erasure_request_approve",
    )
    def post(self, request: Request, pk: str) -> Response:
        data = _valid(s.ApproveIn, request.data)
        req = services.approve_request(
            actor=request.user,
            request=selectors.get_request(request.user, pk),
            plan_hash=data.get("plan_hash") or None,
            comment=data["comment"],
        )
        return Response(s.request_out(req, detail=True))


class RequestExecute(APIView):
    @extend_schema(
        request=s.ExecuteIn,
        responses={202: dict, 409: ERROR},
        operation_id="erasure_request_execute",
    )
    def post(self, request: Request, pk: str) -> Response:
        data = _valid(s.ExecuteIn, request.data)
        req = services.start_execution(
            actor=request.user,
            request=selectors.get_request(request.user, pk),
            takeover=data["takeover"],
        )
        req.refresh_from_db()
        return Response(s.request_out(req, detail=True), status=status.HTTP_202_ACCEPTED)


class RequestVerify(APIView):
    @extend_schema(
        request=None, responses={200: dict, 409: ERROR}, operation_id="erasure_request_verify"
    )
    def post(self, request: Request, pk: str) -> Response:
        req = services.verify_request(
            actor=request.user, request=selectors.get_request(request.user, pk)
        )
        return Response(s.request_out(req, detail=True))


class RequestEvidence(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("as", str, enum=["html"], description="html: printable page")],
        responses={(200, "application/json"): dict, (200, "text/html"): str},
        operation_id="erasure_request_evidence",
    )
    def get(self, request: Request, pk: str) -> HttpResponse:
        req = selectors.get_request(request.user, pk)
        if not req.evidence:
            raise NotFound("No evidence yet: the request is not verified and closed.")
        if request.query_params.get("as") == "html":
            html = render_to_string(
                "gdpr/evidence.html", {"signed": req.evidence, "doc": req.evidence["document"]}
            )
            return HttpResponse(html, content_type="text/html; charset=utf-8")
        body = json.dumps(req.evidence, indent=2, sort_keys=True)
        response = HttpResponse(body, content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="erasure-{req.pk}-evidence.json"'
        return response


class RequestExport(APIView):
    @extend_schema(
        responses={(200, "application/zip"): OpenApiTypes.BINARY, 409: ERROR},
        operation_id="erasure_request_export",
    )
    def get(self, request: Request, pk: str) -> HttpResponse:
        req = selectors.get_request(request.user, pk)
        data = services.export_request(actor=request.user, request=req)
        response = HttpResponse(data, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="subject-access-{req.pk}.zip"'
        return response


class RequestClose(APIView):
    @extend_schema(
        request=s.NoteIn, responses={200: dict, 409: ERROR}, operation_id="erasure_request_close"
    )
    def post(self, request: Request, pk: str) -> Response:
        data = _valid(s.NoteIn, request.data)
        req = services.close_request(
            actor=request.user, request=selectors.get_request(request.user, pk), note=data["note"]
        )
        return Response(s.request_out(req, detail=True))


class RequestReject(APIView):
    @extend_schema(
        request=s.NoteIn, responses={200: dict, 409: ERROR}, operation_id="erasure_request_reject"
    )
    def post(self, request: Request, pk: str) -> Response:
        data = _valid(s.NoteIn, request.data)
        req = services.reject_request(
            actor=request.user,
            request=selectors.get_request(request.user, pk),
            reason=data["reason"],
        )
        return Response(s.request_out(req, detail=True))


class HoldList(APIView):
    @extend_schema(responses=dict, operation_id="legal_hold_list")
    def get(self, request: Request) -> Response:
        selectors.require(request.user, "view_subjectrequest")
        paginator = Pagination()
        page = paginator.paginate_queryset(
            selectors.visible_holds(request.user), request, view=self
        )
        return paginator.get_paginated_response([s.hold_out(h) for h in page or []])

    @extend_schema(request=s.HoldIn, responses={201: dict}, operation_id="legal_hold_create")
    def post(self, request: Request) -> Response:
        selectors.require(request.user, "manage_legalhold")
        data = _valid(s.HoldIn, request.data)
        hold = services.create_hold(
            actor=request.user,
            reason=data["reason"],
            table=_table(data["table"], "table") if data.get("table") else None,
            source=_source(data["source"]) if data.get("source") else None,
            subject=data["subject"],
            action=data["action"],
            expires_at=data.get("expires_at"),
            applies_to_retention=data["applies_to_retention"],
        )
        return Response(s.hold_out(hold), status=status.HTTP_201_CREATED)


class HoldRelease(APIView):
    @extend_schema(request=None, responses=dict, operation_id="legal_hold_release")
    def post(self, request: Request, pk: str) -> Response:
        hold = selectors.visible_holds(request.user).filter(pk=pk).first()
        if hold is None:
            raise NotFound("No such hold.")
        return Response(s.hold_out(services.release_hold(actor=request.user, hold=hold)))


class PolicyList(APIView):
    @extend_schema(responses=dict, operation_id="retention_policy_list")
    def get(self, request: Request) -> Response:
        selectors.require(request.user, "view_subjectrequest")
        paginator = Pagination()
        page = paginator.paginate_queryset(
            selectors.visible_policies(request.user), request, view=self
        )
        return paginator.get_paginated_response([s.policy_out(p) for p in page or []])

    @extend_schema(
        request=s.PolicyIn, responses={201: dict}, operation_id="retention_policy_create"
    )
    def post(self, request: Request) -> Response:
        selectors.require(request.user, "manage_retention")
        data = _valid(s.PolicyIn, request.data)
        policy = retention.create_policy(
            actor=request.user,
            name=data["name"],
            table=_table(data["table"], "table"),
            date_column=data["date_column"],
            older_than_days=data["older_than_days"],
            action=data["action"],
            columns=data["columns"],
            classification=data["classification"],
            activity_table=_table(data["activity_table"], "activity_table")
            if data.get("activity_table")
            else None,
            activity_key=data["activity_key"],
            activity_date_column=data["activity_date_column"],
            batch_size=data["batch_size"],
        )
        return Response(s.policy_out(policy), status=status.HTTP_201_CREATED)


class PolicyRun(APIView):
    @extend_schema(request=s.RunIn, responses=dict, operation_id="retention_policy_run")
    def post(self, request: Request, pk: str) -> Response:
        selectors.require(request.user, "manage_retention")
        policy = selectors.get_policy(request.user, pk)
        data = _valid(s.RunIn, request.data)
        run = retention.evaluate(policy, dry_run=data["dry_run"])
        return Response(s.run_out(run))
