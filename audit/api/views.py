"""Audit REST API: events (cursor pagination), verification, exports, reports, public keys."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit import exports, keyfiles, reports, selectors, services
from audit.chain.signing import export_public_keys
from audit.models import AuditCheckpoint, AuditEvent, AuditExport
from custos.errors import NotFound, PermissionDenied, ValidationFailed


class EventOut(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "seq",
            "timestamp",
            "actor_label",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
            "request_id",
            "ip",
            "channel",
            "prev_hash",
            "hash",
        ]


class SeqCursor(CursorPagination):
    ordering = "-seq"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class EventList(APIView):
    pagination_class = SeqCursor  # documents ?cursor= and the {next, previous, results} page

    @extend_schema(
        parameters=[
            OpenApiParameter(n, str)
            for n in ("actor", "action", "object_type", "object_id", "since", "until")
        ],
        responses=EventOut(many=True),
        operation_id="audit_events",
    )
    def get(self, request: Request) -> Response:
        qs = selectors.events_for(request.user)
        p = request.query_params
        if p.get("actor"):
            qs = qs.filter(actor_label=p["actor"])
        if p.get("action"):
            action = p["action"]
            qs = (
                qs.filter(action__startswith=action[:-1])
                if action.endswith("*")
                else qs.filter(action=action)
            )
        if p.get("object_type"):
            qs = qs.filter(object_type=p["object_type"])
        if p.get("object_id"):
            qs = qs.filter(object_id=p["object_id"])
        for name, lookup in (("since", "timestamp__gte"), ("until", "timestamp__lt")):
            if p.get(name):
                when = parse_datetime(p[name])
                if when is None:
                    raise ValidationFailed(
                        f"{name} must be an ISO 8601 datetime.", details={"param": name}
                    )
                qs = qs.filter(**{lookup: when})
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(EventOut(page, many=True).data)


def _require_auditor(user: Any) -> None:
    if not selectors.can_view_all(user):
        raise PermissionDenied("Only auditors and admins may do this.")


class Verify(APIView):
    @extend_schema(responses=dict, operation_id="audit_verify")
    def get(self, request: Request) -> Response:
        if not selectors.can_view_all(request.user):
            raise PermissionDenied("Only auditors and admins may verify the trail.")
        result = services.verify_live()
        body: dict[str, Any] = {
            "ok": result.ok,
            "checked": result.checked,
            "first_seq": result.first_seq,
            "last_seq": result.last_seq,
            "head_hash": result.head_hash,
            "broken_seq": result.broken_seq,
            "reason": result.reason,
            "checkpoints": result.checkpoints,
            "sealed_seq": result.sealed_seq,
            "summary": result.summary(),
        }
        return Response(body)


def parse_when(data: Any, name: str) -> Any:
    raw = data.get(name)
    if raw in (None, ""):
        return None
    when = parse_datetime(str(raw))
    if when is None:
        from django.utils.dateparse import parse_date

        day = parse_date(str(raw))
        if day is None:
            raise ValidationFailed(
                f"{name} must be an ISO 8601 date or datetime.", details={"field": name}
            )
        from datetime import UTC, datetime, time

        when = datetime.combine(day, time.min, tzinfo=UTC)
    if when.tzinfo is None:
        from datetime import UTC

        when = when.replace(tzinfo=UTC)
    return when


class ExportIn(serializers.Serializer):
    scope = serializers.ChoiceField(choices=["all", "subject", "asset", "user"])
    since = serializers.CharField(required=False, allow_blank=True)
    until = serializers.CharField(required=False, allow_blank=True)
    subject = serializers.CharField(required=False, allow_blank=True)
    fqn = serializers.CharField(required=False, allow_blank=True)
    username = serializers.CharField(required=False, allow_blank=True)


def export_body(request: Request, export: AuditExport) -> dict[str, Any]:
    detail = reverse("api-audit-export", kwargs={"pk": export.pk})
    return {
        "id": str(export.pk),
        "scope": export.scope,
        "target": export.target,
        "since": export.since,
        "until": export.until,
        "status": export.status,
        "progress": {
            "done": export.progress_done,
            "total": export.progress_total,
            "percent": export.percent,
        },
        "message": export.message,
        "error": export.error,
        "events": export.event_count,
        "sha256": export.bundle_sha256 or None,
        "bytes": export.bundle_bytes or None,
        "created": export.created,
        "finished_at": export.finished_at,
        "url": request.build_absolute_uri(detail),
        "download": (
            request.build_absolute_uri(
                reverse("api-audit-export-download", kwargs={"pk": export.pk})
            )
            if export.status == "succeeded"
            else None
        ),
    }


class ExportList(APIView):
    @extend_schema(request=ExportIn, responses={202: dict}, operation_id="audit_export_create")
    def post(self, request: Request) -> Response:
        data = ExportIn(data=request.data)
        if not data.is_valid():
            raise ValidationFailed("Invalid export request.", details=data.errors)
        v = data.validated_data
        export = exports.request_export(
            actor=request.user,
            scope=v["scope"],
            since=parse_when(v, "since"),
            until=parse_when(v, "until"),
            subject=v.get("subject") or None,
            fqn=v.get("fqn") or None,
            username=v.get("username") or None,
        )
        export.refresh_from_db()
        return Response(export_body(request, export), status=202)

    @extend_schema(responses=dict, operation_id="audit_export_list")
    def get(self, request: Request) -> Response:
        qs = AuditExport.objects.all()
        if not exports.can_export(request.user):
            qs = qs.filter(requested_by_id=request.user.pk)
        items = [export_body(request, e) for e in qs.order_by("-created")[:100]]
        return Response({"count": len(items), "next": None, "previous": None, "results": items})


class ExportDetail(APIView):
    @extend_schema(responses=dict, operation_id="audit_export_get")
    def get(self, request: Request, pk: str) -> Response:
        return Response(export_body(request, exports.export_for(request.user, pk)))


class ExportDownload(APIView):
    @extend_schema(
        responses={(200, "application/zip"): bytes}, operation_id="audit_export_download"
    )
    def get(self, request: Request, pk: str) -> FileResponse:
        export = exports.export_for(request.user, pk)
        path = exports.open_download(user=request.user, export=export)
        return FileResponse(
            path.open("rb"),
            as_attachment=True,
            filename=path.name,
            content_type="application/zip",
        )


class Report(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("since", str), OpenApiParameter("until", str)],
        responses=dict,
        operation_id="audit_report",
    )
    def get(self, request: Request, name: str) -> Response:
        if name not in reports.REPORTS:
            raise NotFound(f"No report {name!r}.", details={"reports": list(reports.REPORTS)})
        if not exports.can_export(request.user):
            raise PermissionDenied("Only auditors and admins may read audit reports.")
        period = reports.Period(
            parse_when(request.query_params, "since"), parse_when(request.query_params, "until")
        )
        return Response(reports.build(name, period))


class Keys(APIView):
    @extend_schema(responses=dict, operation_id="audit_keys")
    def get(self, request: Request) -> Response:
        return Response(export_public_keys(keyfiles.public_keys()))


class Checkpoints(APIView):
    @extend_schema(responses=dict, operation_id="audit_checkpoints")
    def get(self, request: Request) -> Response:
        _require_auditor(request.user)
        rows = [
            services.as_signed(cp).as_dict()
            for cp in AuditCheckpoint.objects.order_by("-seq")[:1000]
        ]
        return Response({"count": len(rows), "next": None, "previous": None, "results": rows})
