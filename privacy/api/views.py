"""Privacy REST API (thin: validate, call a service or selector, render)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import selectors as catalog_selectors
from custos.api.openapi import ERROR
from custos.api.pagination import Pagination
from custos.errors import PermissionDenied, ValidationFailed
from privacy import selectors, services
from privacy.api import serializers as s
from privacy.detect import ColumnSample, get_classifier


def _valid(serializer_cls: type[Any], data: Any) -> dict[str, Any]:
    ser = serializer_cls(data=data)
    ser.is_valid(raise_exception=True)
    return dict(ser.validated_data)


class Classify(APIView):
    """Pure classification of columns from sample values: stores nothing."""

    @extend_schema(
        request=s.ClassifyIn,
        responses=s.ClassifyOut,
        operation_id="privacy_classify",
    )
    def post(self, request: Request) -> Response:
        data = _valid(s.ClassifyIn, request.data)
        samples = [
            ColumnSample(
                name=c["name"],
                values=c.get("values") or [],
                table=c.get("table") or None,
                comment=c.get("comment") or None,
                data_type=c.get("data_type") or None,
            )
            for c in data["columns"]
        ]
        results = get_classifier().classify_many(samples)
        body = [
            {
                "name": sample.name,
                "entity": result.entity,
                "score": result.score,
                "explanation": result.explain(),
                "free_text": result.free_text,
                "entities_in_text": list(result.entities_in_text),
            }
            for sample, result in zip(samples, results, strict=True)
        ]
        return Response({"results": body})


class ScanList(APIView):
    pagination_class = Pagination

    @extend_schema(responses=s.ScanOut(many=True), operation_id="privacy_scan_list")
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.scans_for(request.user), request, view=self)
        return paginator.get_paginated_response(s.ScanOut(page, many=True).data)

    @extend_schema(
        request=s.ScanIn, responses={202: s.ScanOut, 409: ERROR}, operation_id="privacy_scan_start"
    )
    def post(self, request: Request) -> Response:
        from privacy.tasks import scan as scan_task

        data = _valid(s.ScanIn, request.data)
        source = catalog_selectors.source_by_name(request.user, data["source"])
        table = None
        if data.get("table"):
            table = catalog_selectors.table_by_fqn(request.user, data["table"])
            if table.source_id != source.pk:
                raise ValidationFailed(
                    "The table is not in that source.", details={"field": "table"}
                )
        run = services.start_scan(actor=request.user, source=source, table=table)
        transaction.on_commit(lambda: scan_task.enqueue(run.pk))
        return Response(s.ScanOut(run).data, status=status.HTTP_202_ACCEPTED)


class ScanDetail(APIView):
    @extend_schema(responses=s.ScanOut, operation_id="privacy_scan_get")
    def get(self, request: Request, pk: int) -> Response:
        return Response(s.ScanOut(selectors.scan_by_id(request.user, pk)).data)


class ReviewQueue(APIView):
    pagination_class = Pagination

    @extend_schema(
        parameters=[
            OpenApiParameter("source", str),
            OpenApiParameter("entity", str),
            OpenApiParameter("status", str, description=", ".join(selectors.QUEUE_STATUSES)),
        ],
        responses=s.ClassificationOut(many=True),
        operation_id="privacy_review_queue",
    )
    def get(self, request: Request) -> Response:
        wanted = request.query_params.get("status") or "proposed"
        if wanted not in selectors.QUEUE_STATUSES:
            raise ValidationFailed(
                f"status must be one of {', '.join(selectors.QUEUE_STATUSES)}.",
                details={"param": "status"},
            )
        qs = selectors.review_queue(
            request.user,
            source=request.query_params.get("source") or None,
            entity=request.query_params.get("entity") or None,
            status=wanted,
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(s.ClassificationOut(page, many=True).data)


class ClassificationReview(APIView):
    @extend_schema(
        request=s.ReviewIn,
        responses={200: s.ClassificationOut, 409: ERROR},
        operation_id="privacy_classification_review",
    )
    def post(self, request: Request, pk: int, action: str) -> Response:
        row = selectors.classification_by_id(request.user, pk)
        data = _valid(s.ReviewIn, request.data or {})
        row = services.review(
            actor=request.user, classification=row, action=action, note=data["note"]
        )
        return Response(s.ClassificationOut(row).data)


class ClassificationDetail(APIView):
    @extend_schema(responses=s.ClassificationOut, operation_id="privacy_classification_get")
    def get(self, request: Request, pk: int) -> Response:
        return Response(s.ClassificationOut(selectors.classification_by_id(request.user, pk)).data)


class BulkReview(APIView):
    @extend_schema(
        request=s.BulkReviewIn,
        responses={200: s.BulkReviewOut, 409: ERROR},
        operation_id="privacy_review_bulk",
    )
    def post(self, request: Request) -> Response:
        data = _valid(s.BulkReviewIn, request.data)
        rows = selectors.classifications_by_ids(request.user, data["ids"])
        done = services.bulk_review(
            actor=request.user, classifications=rows, action=data["action"], note=data["note"]
        )
        return Response(
            {"updated": len(done), "results": s.ClassificationOut(done, many=True).data}
        )


class ColumnClassifications(APIView):
    @extend_schema(responses=s.ClassificationListOut, operation_id="privacy_column_classifications")
    def get(self, request: Request, fqn: str) -> Response:
        column = catalog_selectors.column_by_fqn(request.user, fqn)
        rows = selectors.column_classifications(column).select_related(
            "asset__source", "asset__parent"
        )
        return Response({"results": s.ClassificationOut(rows, many=True).data})

    @extend_schema(
        request=s.ManualClassificationIn,
        responses={201: s.ClassificationOut},
        operation_id="privacy_column_classification_add",
    )
    def post(self, request: Request, fqn: str) -> Response:
        column = catalog_selectors.column_by_fqn(request.user, fqn)
        data = _valid(s.ManualClassificationIn, request.data)
        row = services.add_classification(
            actor=request.user, column=column, entity=data["entity"], note=data["note"]
        )
        return Response(s.ClassificationOut(row).data, status=status.HTTP_201_CREATED)


class ColumnClassificationDetail(APIView):
    @extend_schema(responses={204: None}, operation_id="privacy_column_classification_remove")
    def delete(self, request: Request, fqn: str, entity: str) -> Response:
        column = catalog_selectors.column_by_fqn(request.user, fqn)
        services.remove_classification(actor=request.user, column=column, entity=entity)
        return Response(status=status.HTTP_204_NO_CONTENT)


class Detokenize(APIView):
    @extend_schema(
        request=s.DetokenizeIn, responses=OpenApiTypes.OBJECT, operation_id="privacy_detokenize"
    )
    def post(self, request: Request) -> Response:
        if not services.can_detokenize(request.user):  # before validation: 403 beats 400
            raise PermissionDenied("You need the privacy.detokenize permission.")
        data = _valid(s.DetokenizeIn, request.data)
        results = services.detokenize(
            actor=request.user, tokens=data["tokens"], reason=data["reason"]
        )
        return Response({"results": results})


class Propagation(APIView):
    """Where a column's classifications flow downstream, and where (and why) they stop."""

    @extend_schema(responses=OpenApiTypes.OBJECT, operation_id="privacy_propagation")
    def get(self, request: Request, fqn: str) -> Response:
        from privacy.propagation_service import explain_column

        column = catalog_selectors.column_by_fqn(request.user, fqn)
        body = explain_column(column)
        visible = set(
            catalog_selectors.visible_assets(request.user)
            .filter(fqn__in={r["column"] for r in body["reaches"] + body["stops"]})
            .values_list("fqn", flat=True)
        )
        # Never name columns the caller may not see (lineage hides such hops too).
        body["reaches"] = [r for r in body["reaches"] if r["column"] in visible]
        body["stops"] = [r for r in body["stops"] if r["column"] in visible]
        return Response(body)
