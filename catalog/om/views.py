"""Custos-side endpoints of the OpenMetadata app: import/export API, starting a workflow run."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import selectors
from catalog.api import serializers as s
from catalog.om import exchange
from catalog.om import services as om_services
from custos.api.openapi import ERROR
from custos.errors import DomainError, NotFound, PermissionDenied


def require_admin(user: Any) -> None:
    if not (user.is_superuser or user.has_perm("catalog.change_source")):
        raise PermissionDenied("Only administrators may import or export the catalog.")


class ExportView(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT, operation_id="om_export")
    def get(self, request: Request) -> Response:
        """The catalog as OpenMetadata entities (tables, tags, glossary). Admins only."""
        require_admin(request.user)
        sources = [x for x in request.query_params.get("source", "").split(",") if x]
        return Response(exchange.export_document(sources=sources or None))


class ImportView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT, operation_id="om_import"
    )
    def post(self, request: Request) -> Response:
        """Import an OpenMetadata entity document; all or nothing. Admins only."""
        require_admin(request.user)
        counts = exchange.import_document(actor=request.user, document=request.data)
        return Response({"imported": counts})


class SourceOmIngest(APIView):
    @extend_schema(
        request=None, responses={202: s.RunOut, 409: ERROR}, operation_id="source_om_ingest"
    )
    def post(self, request: Request, name: str) -> Response:
        """Queue a `metadata ingest` run of this source (status at /api/v1/ingestion-runs/{id})."""
        from catalog.om.tasks import om_ingest_source

        require_admin(request.user)
        source = selectors.source_by_name(request.user, name)
        run = om_services.start_om_ingestion(actor=request.user, source=source)
        transaction.on_commit(lambda: om_ingest_source.enqueue(run.pk))
        return Response(s.RunOut(run).data, status=status.HTTP_202_ACCEPTED)


@login_required
@require_http_methods(["POST"])
def source_om_ingest(request: HttpRequest, name: str) -> HttpResponse:
    """The sources page's admin-only "Ingest with OpenMetadata" button."""
    from catalog.om.tasks import om_ingest_source

    try:
        require_admin(request.user)
        source = selectors.source_by_name(request.user, name)
    except (NotFound, PermissionDenied) as exc:
        raise Http404(str(exc)) from exc
    try:
        run = om_services.start_om_ingestion(actor=request.user, source=source)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        transaction.on_commit(lambda: om_ingest_source.enqueue(run.pk))
        messages.success(
            request, f"OpenMetadata ingestion of {source.name} started (run {run.pk})."
        )
    return redirect("source", name=source.name)


def dumps(document: Any) -> str:
    return json.dumps(document, indent=2, sort_keys=False, default=str)
