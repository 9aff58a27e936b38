"""Audit REST API: events with cursor pagination, live verification."""

from __future__ import annotations

from typing import Any

from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit import selectors, services
from audit.models import AuditEvent
from custos.errors import PermissionDenied, ValidationFailed


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
    @extend_schema(
        parameters=[
            OpenApiParameter(n, str)
            for n in ("actor", "action", "object_type", "object_id", "since", "until", "cursor")
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
        paginator = SeqCursor()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(EventOut(page, many=True).data)


class Verify(APIView):
    @extend_schema(responses=dict, operation_id="audit_verify")
    def get(self, request: Request) -> Response:
        if not (request.user.is_superuser or request.user.has_perm("audit.view_auditevent")):
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
            "summary": result.summary(),
        }
        return Response(body)
