"""Governed query API: ``POST /api/v1/query``, table previews and CSV exports."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access.gateway import engine
from custos.api.openapi import ERROR


class QueryIn(serializers.Serializer):
    source = serializers.CharField(max_length=100)  # type: ignore[assignment]
    sql = serializers.CharField(max_length=100_000, trim_whitespace=False)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=1_000_000)


class QueryOut(serializers.Serializer):
    columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(child=serializers.ListField())
    row_count = serializers.IntegerField()
    truncated = serializers.BooleanField()
    masks = serializers.ListField(child=serializers.DictField())
    row_filters = serializers.ListField(child=serializers.DictField())
    sql_executed = serializers.CharField(required=False)


def outcome_body(request: Request, outcome: engine.QueryOutcome) -> dict[str, Any]:
    return outcome.as_json(include_sql=bool(request.user.is_superuser))


class QueryView(APIView):
    @extend_schema(request=QueryIn, responses={200: QueryOut, 422: ERROR}, operation_id="query")
    def post(self, request: Request) -> Response:
        ser = QueryIn(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        outcome = engine.run_query(
            user=request.user, source=data["source"], sql=data["sql"], limit=data.get("limit")
        )
        return Response(outcome_body(request, outcome))


def csv_response(outcome: engine.QueryOutcome, filename: str) -> HttpResponse:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(outcome.columns)
    for row in outcome.rows:
        writer.writerow(["" if v is None else _cell(v) for v in row])
    response = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Custos-Truncated"] = "true" if outcome.truncated else "false"
    return response


def _cell(value: Any) -> str:
    text = str(value)
    # Spreadsheet formula injection: neutralise cells a spreadsheet would evaluate.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class QueryExport(APIView):
    @extend_schema(
        request=QueryIn,
        responses={(200, "text/csv"): str, 422: ERROR},
        operation_id="query_export",
    )
    def post(self, request: Request) -> HttpResponse:
        ser = QueryIn(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        outcome = engine.run_query(
            user=request.user,
            source=data["source"],
            sql=data["sql"],
            limit=data.get("limit") or engine.max_rows(),
            purpose="export",
        )
        return csv_response(outcome, f"{data['source']}-export.csv")


class TablePreview(APIView):
    @extend_schema(responses={200: QueryOut, 422: ERROR}, operation_id="table_preview")
    def get(self, request: Request, fqn: str) -> Response:
        try:
            limit = min(max(int(request.query_params.get("limit", 20)), 1), 200)
        except ValueError:
            limit = 20
        outcome = engine.preview(user=request.user, table_fqn=fqn, limit=limit)
        return Response(outcome_body(request, outcome))
