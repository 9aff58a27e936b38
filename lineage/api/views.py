"""Lineage REST API (thin: validate, call a selector or service, render).

``GET lineage/{fqn}``, ``GET lineage/impact/{fqn}``, ``GET lineage/path``,
``POST lineage/parse`` (pure), ``POST lineage`` (OpenLineage RunEvent, Marquez-compatible),
``POST lineage/edges`` (manual edges).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.selectors import source_by_name
from custos.errors import DomainError, ValidationFailed
from lineage import selectors, services
from lineage.api import serializers as s
from lineage.graph import BOTH
from lineage.models import ProvenanceKind
from lineage.specs import EdgeSpec, ProvenanceSpec
from lineage.sql import analyze, to_contract


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload_too_large"


def _valid(serializer_cls: type[Any], data: Any) -> dict[str, Any]:
    ser = serializer_cls(data=data)
    ser.is_valid(raise_exception=True)
    return dict(ser.validated_data)


def _int(request: Request, name: str, default: int, lo: int, hi: int) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ValidationFailed(f"{name} must be an integer.", details={"param": name}) from exc
    if not lo <= value <= hi:
        raise ValidationFailed(f"{name} must be between {lo} and {hi}.", details={"param": name})
    return value


GRAPH_PARAMS = [
    OpenApiParameter("direction", str, enum=["up", "down", "both"], description="default both"),
    OpenApiParameter("depth", int, description="1..20, default 3"),
    OpenApiParameter(
        "level", str, enum=["table", "column"], description="default: the asset's own level"
    ),
    OpenApiParameter("transform", str, description="comma list of transform kinds to follow"),
]


class LineageGraph(APIView):
    @extend_schema(
        parameters=GRAPH_PARAMS, responses=OpenApiTypes.OBJECT, operation_id="lineage_graph"
    )
    def get(self, request: Request, fqn: str) -> Response:
        q = request.query_params
        return Response(
            selectors.lineage_graph(
                request.user,
                fqn,
                direction=q.get("direction") or BOTH,
                depth=_int(request, "depth", 3, 1, selectors.MAX_DEPTH),
                level=q.get("level") or None,
                transforms=selectors.parse_transforms(q.get("transform")),
            )
        )


class LineageImpact(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("depth", int, description="1..20, default 20")],
        responses=OpenApiTypes.OBJECT,
        operation_id="lineage_impact",
    )
    def get(self, request: Request, fqn: str) -> Response:
        depth = _int(request, "depth", selectors.MAX_DEPTH, 1, selectors.MAX_DEPTH)
        return Response(selectors.impact(request.user, fqn, depth=depth))


class LineagePath(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("from", str, required=True),
            OpenApiParameter("to", str, required=True),
        ],
        responses=OpenApiTypes.OBJECT,
        operation_id="lineage_path",
    )
    def get(self, request: Request) -> Response:
        start, goal = request.query_params.get("from"), request.query_params.get("to")
        if not start or not goal:
            raise ValidationFailed(
                "from and to are required.", details={"param": "from" if not start else "to"}
            )
        return Response(selectors.lineage_path(request.user, start, goal))


class LineageParse(APIView):
    """Pure parse: stores nothing. SQL longer than CUSTOS_MAX_SQL_CHARS is a 413."""

    @extend_schema(request=s.ParseIn, responses=OpenApiTypes.OBJECT, operation_id="lineage_parse")
    def post(self, request: Request) -> Response:
        sql = request.data.get("sql") if isinstance(request.data, dict) else None
        limit = settings.CUSTOS_MAX_SQL_CHARS
        if isinstance(sql, str) and len(sql) > limit:
            raise PayloadTooLarge(
                f"sql is longer than {limit} characters.", details={"limit": limit}
            )
        data = _valid(s.ParseIn, request.data)
        result = analyze(
            data["sql"],
            data.get("dialect"),
            data.get("schema"),
            default_catalog=data.get("default_catalog"),
            default_schema=data.get("default_schema"),
        )
        body = to_contract(result, None)
        body.pop("id")
        body["statements"] = [
            {
                "index": st.index,
                "kind": st.kind,
                "tables": {"read": st.tables_read, "write": st.tables_written},
                "error": st.error,
                "warnings": st.warnings,
            }
            for st in result.statements
        ]
        body["errors"] = result.errors
        body["warnings"] = result.warnings
        return Response(body)


class OpenLineageEvents(APIView):
    """Marquez-compatible ``POST /api/v1/lineage``: one OpenLineage RunEvent per request."""

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={201: OpenApiTypes.OBJECT},
        operation_id="lineage_openlineage_event",
    )
    def post(self, request: Request) -> Response:
        report = services.ingest_openlineage_event(event=request.data, actor=request.user)
        return Response(report.as_dict(), status=status.HTTP_201_CREATED)


class ManualEdges(APIView):
    """Record edges by hand (``manual`` provenance ``reference``; replaces its earlier edges)."""

    @extend_schema(
        request=s.EdgesIn, responses={201: OpenApiTypes.OBJECT}, operation_id="lineage_edges"
    )
    def post(self, request: Request) -> Response:
        services.require_ingest(request.user)
        data = _valid(s.EdgesIn, request.data)
        source = source_by_name(request.user, data["source"]) if data.get("source") else None
        report = services.record_edges(
            edges=[
                EdgeSpec(e["source"], e["target"], e.get("transform"), e.get("confidence") or 1.0)
                for e in data["edges"]
            ],
            provenance=ProvenanceSpec(
                kind=ProvenanceKind.MANUAL, reference=data["reference"], source=source
            ),
            actor=request.user,
        )
        return Response(report.as_dict(), status=status.HTTP_201_CREATED)
