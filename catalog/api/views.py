"""Catalog REST API (thin: validate, call a service or selector, render)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import search, selectors, services
from catalog.api import serializers as s
from catalog.models import Asset, AssetType, GlossaryTerm
from custos.api.openapi import ERROR
from custos.api.pagination import Pagination
from custos.errors import ValidationFailed


def _valid(serializer_cls: type[Any], data: Any, **kwargs: Any) -> dict[str, Any]:
    ser = serializer_cls(data=data, **kwargs)
    ser.is_valid(raise_exception=True)
    return dict(ser.validated_data)


def _int_param(request: Request, name: str, default: int, lo: int, hi: int) -> int:
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


SEARCH_PARAMS = [
    OpenApiParameter("q", str, description="Free text; exact name matches rank first."),
    OpenApiParameter(
        "type", str, description="source,database,schema,table,view,column,term (comma list)"
    ),
    OpenApiParameter("tag", str),
    OpenApiParameter("owner", str),
    OpenApiParameter("source", str),
    OpenApiParameter("classification", str, description="e.g. EMAIL_ADDRESS"),
    OpenApiParameter("facets", str, enum=["1"], description="1: add facet counts"),
    OpenApiParameter("page", int),
    OpenApiParameter("page_size", int),
]


class SearchView(APIView):
    @extend_schema(parameters=SEARCH_PARAMS, responses=s.SearchPage, operation_id="search")
    def get(self, request: Request) -> Response:
        q = request.query_params.get("q", "")
        if len(q) > 500:
            raise ValidationFailed("q is longer than 500 characters.", details={"param": "q"})
        types = request.query_params.get("type")
        allowed = {*AssetType.values, "term"}
        if types and not {t.strip() for t in types.split(",")} <= allowed:
            raise ValidationFailed(
                f"type must be among {', '.join(sorted(allowed))}.", details={"param": "type"}
            )
        page = _int_param(request, "page", 1, 1, 100000)
        size = _int_param(request, "page_size", 50, 1, 500)
        result = search.search(
            request.user,
            q,
            type=types,
            tag=request.query_params.get("tag"),
            owner=request.query_params.get("owner"),
            source=request.query_params.get("source"),
            classification=request.query_params.get("classification"),
            limit=size,
            offset=(page - 1) * size,
            with_facets=request.query_params.get("facets") == "1",
        )
        base = request.build_absolute_uri(request.path)
        params = request.query_params.copy()

        # past a lower-bound total there are more pages, up to search.MAX_RESULTS
        known = search.MAX_RESULTS if result.total_is_lower_bound else result.total

        def link(p: int) -> str | None:
            if p < 1 or (p - 1) * size >= known:
                return None
            params["page"] = str(p)
            return f"{base}?{params.urlencode()}"

        body: dict[str, Any] = {
            "count": result.total,
            "count_is_lower_bound": result.total_is_lower_bound,
            "next": link(page + 1),
            "previous": link(page - 1) if page > 1 else None,
            "results": s.SearchHit(result.entries, many=True).data,
        }
        if result.facets:
            body["facets"] = result.facets
        return Response(body)


def _table_body(request: Request, table: Asset) -> dict[str, Any]:
    table = selectors.decorated(table)
    columns = list(selectors.columns_of(request.user, table))
    return dict(s.TableOut(table, context={"columns": columns}).data)


class TableDetail(APIView):
    @extend_schema(responses=s.TableOut, operation_id="table_get")
    def get(self, request: Request, fqn: str) -> Response:
        return Response(_table_body(request, selectors.table_by_fqn(request.user, fqn)))

    @extend_schema(request=s.AssetUpdateIn, responses=s.TableOut, operation_id="table_update")
    def patch(self, request: Request, fqn: str) -> Response:
        table = selectors.table_by_fqn(request.user, fqn)
        data = _valid(s.AssetUpdateIn, request.data)
        services.update_asset(actor=request.user, asset=table, **data)
        return Response(_table_body(request, table))


class ColumnDetail(APIView):
    @extend_schema(responses=s.ColumnOut, operation_id="column_get")
    def get(self, request: Request, fqn: str) -> Response:
        col = selectors.decorated(selectors.column_by_fqn(request.user, fqn))
        return Response(s.ColumnOut(col).data)

    @extend_schema(request=s.AssetUpdateIn, responses=s.ColumnOut, operation_id="column_update")
    def patch(self, request: Request, fqn: str) -> Response:
        col = selectors.column_by_fqn(request.user, fqn)
        data = _valid(s.AssetUpdateIn, request.data)
        services.update_asset(actor=request.user, asset=col, **data)
        return Response(s.ColumnOut(selectors.decorated(col)).data)


class AssetDetail(APIView):
    """Any asset by FQN (sources, databases, schemas included), with its children."""

    @extend_schema(responses=OpenApiTypes.OBJECT, operation_id="asset_get")
    def get(self, request: Request, fqn: str) -> Response:
        asset = selectors.decorated(selectors.asset_by_fqn(request.user, fqn))
        body: dict[str, Any] = {
            "type": asset.type,
            "fqn": asset.fqn,
            "name": asset.name,
            "description": asset.description,
            "properties": asset.properties,
            "tags": s._tags(asset),
            "owners": s.OwnerOut(asset.ownerships.all(), many=True).data,
        }
        if asset.type == AssetType.COLUMN:
            body = dict(s.ColumnOut(asset).data)
        elif asset.type not in (AssetType.TABLE, AssetType.VIEW):
            body["children"] = [
                {"type": c.type, "fqn": c.fqn, "name": c.name}
                for c in selectors.children_of(request.user, asset)[:1000]
            ]
        else:
            body = _table_body(request, asset)
        return Response(body)


class AssetTags(APIView):
    @extend_schema(request=s.TagIn, responses={201: s.TagOut}, operation_id="asset_tag_add")
    def post(self, request: Request, fqn: str) -> Response:
        asset = selectors.asset_by_fqn(request.user, fqn)
        data = _valid(s.TagIn, request.data)
        services.add_tag(actor=request.user, asset=asset, tag=data["tag"])
        return Response(
            {"fqn": asset.fqn, "tag": data["tag"].strip().lower()}, status=status.HTTP_201_CREATED
        )


class AssetTagDetail(APIView):
    @extend_schema(responses={204: None}, operation_id="asset_tag_remove")
    def delete(self, request: Request, fqn: str, tag: str) -> Response:
        asset = selectors.asset_by_fqn(request.user, fqn)
        services.remove_tag(actor=request.user, asset=asset, tag=tag)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AssetOwners(APIView):
    @extend_schema(request=s.OwnerIn, responses={201: s.OwnerOut}, operation_id="asset_owner_add")
    def post(self, request: Request, fqn: str) -> Response:
        asset = selectors.asset_by_fqn(request.user, fqn)
        data = _valid(s.OwnerIn, request.data)
        own = services.add_owner(
            actor=request.user,
            asset=asset,
            user=data.get("user"),
            group=data.get("group"),
            role=data["role"],
        )
        return Response(s.OwnerOut(own).data, status=status.HTTP_201_CREATED)


class OwnershipDetail(APIView):
    @extend_schema(responses={204: None}, operation_id="owner_remove")
    def delete(self, request: Request, pk: int) -> Response:
        own = selectors.ownership_by_id(request.user, pk)
        services.remove_owner(actor=request.user, ownership=own)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TableDrift(APIView):
    pagination_class = Pagination

    @extend_schema(responses=s.DriftOut(many=True), operation_id="table_drift")
    def get(self, request: Request, fqn: str) -> Response:
        table = selectors.table_by_fqn(request.user, fqn)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.drift_of(table), request, view=self)
        return paginator.get_paginated_response(s.DriftOut(page, many=True).data)


class SourceList(APIView):
    pagination_class = Pagination

    @extend_schema(responses=s.SourceOut(many=True), operation_id="source_list")
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.sources_for(request.user), request, view=self)
        return paginator.get_paginated_response(s.SourceOut(page, many=True).data)

    @extend_schema(
        request=s.SourceIn,
        responses={201: s.SourceOut, 409: ERROR, 422: ERROR},
        operation_id="source_create",
    )
    def post(self, request: Request) -> Response:
        data = _valid(s.SourceIn, request.data)
        services._require(request.user, "catalog.add_source")
        if data.pop("test_connection"):
            services.test_connection(dsn=data["dsn"])
        source = services.create_source(actor=request.user, **data)
        return Response(s.SourceOut(source).data, status=status.HTTP_201_CREATED)


class SourceDetail(APIView):
    @extend_schema(responses=s.SourceOut, operation_id="source_get")
    def get(self, request: Request, name: str) -> Response:
        return Response(s.SourceOut(selectors.source_by_name(request.user, name)).data)

    @extend_schema(responses={204: None}, operation_id="source_delete")
    def delete(self, request: Request, name: str) -> Response:
        services.delete_source(
            actor=request.user, source=selectors.source_by_name(request.user, name)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class SourceIngest(APIView):
    @extend_schema(
        request=None, responses={202: s.RunOut, 409: ERROR}, operation_id="source_ingest"
    )
    def post(self, request: Request, name: str) -> Response:
        from catalog.tasks import ingest_source

        source = selectors.source_by_name(request.user, name)
        run = services.start_ingestion(actor=request.user, source=source)
        transaction.on_commit(lambda: ingest_source.enqueue(run.pk))
        return Response(s.RunOut(run).data, status=status.HTTP_202_ACCEPTED)


class RunDetail(APIView):
    @extend_schema(responses=s.RunOut, operation_id="ingestion_run_get")
    def get(self, request: Request, pk: int) -> Response:
        return Response(s.RunOut(selectors.run_by_id(request.user, pk)).data)


def _term_refs(user: Any, data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "parent" in data:
        out["parent"] = selectors.term_by_fqn(user, data["parent"]) if data["parent"] else None
    if "related" in data:
        out["related"] = [selectors.term_by_fqn(user, f) for f in data["related"]]
    return out


class TermList(APIView):
    pagination_class = Pagination

    @extend_schema(
        parameters=[OpenApiParameter("parent", str), OpenApiParameter("status", str)],
        responses=s.TermOut(many=True),
        operation_id="term_list",
    )
    def get(self, request: Request) -> Response:
        qs = selectors.terms_for(request.user).prefetch_related(
            "related", "ownerships__user", "ownerships__group"
        )
        if parent := request.query_params.get("parent"):
            qs = qs.filter(parent__fqn=parent)
        if st := request.query_params.get("status"):
            qs = qs.filter(status=st)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(s.TermOut(page, many=True).data)

    @extend_schema(
        request=s.TermIn, responses={201: s.TermOut, 409: ERROR}, operation_id="term_create"
    )
    def post(self, request: Request) -> Response:
        data = _valid(s.TermIn, request.data)
        if not data.get("name"):
            raise ValidationFailed("name is required.", details={"field": "name"})
        refs = _term_refs(request.user, data)
        term = services.create_term(
            actor=request.user,
            name=data["name"],
            definition=data.get("definition", ""),
            synonyms=data.get("synonyms"),
            status=data.get("status", "draft"),
            **refs,
        )
        return Response(s.TermOut(term).data, status=status.HTTP_201_CREATED)


class TermDetail(APIView):
    @extend_schema(responses=s.TermDetailOut, operation_id="term_get")
    def get(self, request: Request, pk: int) -> Response:
        term = selectors.term_by_id(request.user, pk)
        body = dict(s.TermOut(term).data)
        body["assets"] = [
            {"type": a.type, "fqn": a.fqn, "name": a.name}
            for a in selectors.term_assets(request.user, term)[:500]
        ]
        return Response(body)

    @extend_schema(
        request=s.TermIn, responses={200: s.TermOut, 409: ERROR}, operation_id="term_update"
    )
    def patch(self, request: Request, pk: int) -> Response:
        term = selectors.term_by_id(request.user, pk)
        data = _valid(s.TermIn, request.data, partial=True)
        refs = _term_refs(request.user, data)
        kwargs: dict[str, Any] = {
            k: data[k] for k in ("name", "definition", "synonyms", "status") if k in data
        }
        if "parent" in refs:
            kwargs["parent"] = refs["parent"]
        if "related" in refs:
            kwargs["related"] = refs["related"]
        services.update_term(actor=request.user, term=term, **kwargs)
        return Response(s.TermOut(GlossaryTerm.objects.get(pk=term.pk)).data)

    @extend_schema(responses={204: None, 409: ERROR}, operation_id="term_delete")
    def delete(self, request: Request, pk: int) -> Response:
        services.delete_term(actor=request.user, term=selectors.term_by_id(request.user, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class TermAssets(APIView):
    @extend_schema(request=s.TermLinkIn, responses={201: s.AssetRef}, operation_id="term_link")
    def post(self, request: Request, pk: int) -> Response:
        term = selectors.term_by_id(request.user, pk)
        asset = selectors.asset_by_fqn(request.user, _valid(s.TermLinkIn, request.data)["fqn"])
        services.link_term(actor=request.user, term=term, asset=asset)
        return Response(
            {"type": asset.type, "fqn": asset.fqn, "name": asset.name},
            status=status.HTTP_201_CREATED,
        )


class TermAssetDetail(APIView):
    @extend_schema(responses={204: None}, operation_id="term_unlink")
    def delete(self, request: Request, pk: int, fqn: str) -> Response:
        term = selectors.term_by_id(request.user, pk)
        asset = selectors.asset_by_fqn(request.user, fqn)
        services.unlink_term(actor=request.user, term=term, asset=asset)
        return Response(status=status.HTTP_204_NO_CONTENT)
