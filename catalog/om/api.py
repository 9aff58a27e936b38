"""``/om/api/v1/...``: the OpenMetadata REST endpoints the stock ingestion workflows call.

One view routes every path through ``ROUTES`` (method + regex -> handler). Errors carry both
shapes: OpenMetadata's client reads a top-level ``{"code": <http status>, "message"}``; Custos'
contract wants ``{"error": {"code", "message", "details"}}``; every error answer has both.
Callers authenticate with a Custos API token (``Authorization: Bearer <token>``, which is what
the workflow's ``securityConfig.jwtToken`` sends) of a user allowed to run ingestions.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from django.core.exceptions import RequestDataTooBig
from rest_framework import exceptions as drf
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.om import entities as om
from catalog.om.store import OmStore, now_ms, serialized
from custos.auth import TokenAuthentication
from custos.errors import DomainError

logger = logging.getLogger("custos.om")

ENTITY_COLLECTIONS = "|".join(
    re.escape(k.collection) for k in sorted(om.KINDS.values(), key=lambda k: -len(k.collection))
)
WRITABLE = {"databaseService", "database", "databaseSchema", "table", "storedProcedure"}
WRITABLE |= {"classification", "tag"}


class OmError(Exception):
    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


class CanIngest(BasePermission):
    message = "An OpenMetadata workflow needs a token of a user allowed to run ingestions."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and (user.is_superuser or user.has_perm("catalog.add_ingestionrun"))
        )


def error_response(status: int, code: str, message: str, details: Any = None) -> Response:
    body = {
        "code": status,
        "message": message,
        "error": {"code": code, "message": message, "details": details or {}},
    }
    return Response(body, status=status)


Handler = Callable[..., Any]


class OmApi(APIView):
    """The whole OpenMetadata surface (see ``ROUTES``)."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [CanIngest]
    schema = None  # not part of Custos' own OpenAPI document

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, OmError):
            return error_response(exc.status, exc.code, exc.message, exc.details)
        if isinstance(exc, om.EntityError):
            return error_response(400, "validation_error", str(exc))
        if isinstance(exc, DomainError):
            return error_response(exc.status, exc.code, exc.message, exc.details)
        if isinstance(exc, RequestDataTooBig):
            return error_response(413, "payload_too_large", "Request body is too large.")
        if isinstance(exc, drf.NotAuthenticated | drf.AuthenticationFailed):
            response = error_response(401, "not_authenticated", str(exc.detail))
            response["WWW-Authenticate"] = "Bearer"
            return response
        if isinstance(exc, drf.PermissionDenied):
            return error_response(403, "permission_denied", str(exc.detail))
        if isinstance(exc, drf.APIException):
            return error_response(exc.status_code, "invalid", str(exc.detail))
        logger.exception("OpenMetadata API failure on %s", self.request.path)
        return error_response(500, "server_error", "Internal error.")

    def _route(self, request: Request, path: str) -> Response:
        method = request.method or "GET"
        for route_method, pattern, handler in ROUTES:
            if route_method != method:
                continue
            match = pattern.fullmatch(path)
            if match:
                with serialized():
                    store = OmStore.for_token(request.user, request.auth)
                    result = handler(store, request, **match.groupdict())
                if isinstance(result, Response):
                    return result
                return Response(result)
        endpoint = f"{method} /v1/{path}"
        logger.warning("unsupported OpenMetadata endpoint: %s", endpoint)
        raise OmError(
            404 if method == "GET" else 501,
            "unsupported_endpoint",
            f"Custos does not implement the OpenMetadata endpoint {endpoint}.",
            {"endpoint": endpoint},
        )

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        record_to = os.environ.get("CUSTOS_OM_RECORD", "")
        if record_to:
            _record(record_to, request, response)
        return response

    def get(self, request: Request, path: str) -> Response:
        return self._route(request, path)

    def put(self, request: Request, path: str) -> Response:
        return self._route(request, path)

    def patch(self, request: Request, path: str) -> Response:
        return self._route(request, path)

    def post(self, request: Request, path: str) -> Response:
        return self._route(request, path)

    def delete(self, request: Request, path: str) -> Response:
        return self._route(request, path)


_record_lock = threading.Lock()


def _record(target: str, request: Request, response: Response) -> None:
    """Append the exchange to a JSON Lines file (``CUSTOS_OM_RECORD``; for building tests)."""
    try:
        body = json.loads(request.body) if request.body else None
    except ValueError:
        body = request.body.decode(errors="replace")
    entry = {
        "method": request.method,
        "path": request.path,
        "query": request.META.get("QUERY_STRING", ""),
        "body": body,
        "status": response.status_code,
        "response": getattr(response, "data", None),
    }
    with _record_lock, open(target, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, default=str) + "\n")


def _body(request: Request) -> Any:
    raw = request.body
    if not raw:
        raise OmError(400, "validation_error", "request body: JSON expected")
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise OmError(400, "validation_error", f"request body: invalid JSON ({exc})") from exc


def _kind(collection: str) -> str:
    return om.BY_COLLECTION[collection].name


def _not_found(kind: str, key: str) -> OmError:
    return OmError(404, "not_found", f"{kind} instance for {key} not found")


def _int(request: Request, name: str, default: int, hi: int = 10_000) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(str(raw))
    except ValueError as exc:
        raise OmError(400, "validation_error", f"{name} must be an integer") from exc
    return max(0, min(value, hi))


def _include_deleted(request: Request) -> bool:
    return request.query_params.get("include") in ("all", "deleted")


# -- handlers -------------------------------------------------------------------------------


def version(store: OmStore, request: Request) -> dict[str, Any]:
    return {"version": om.SERVER_VERSION, "revision": "custos", "timestamp": now_ms()}


def test_connection_definition(store: OmStore, request: Request, name: str) -> dict[str, Any]:
    service_type = unquote(name).split(".")[0]
    steps = [
        ("CheckAccess", "Connect to the source.", True, True),
        ("GetSchemas", "List schemas.", True, False),
        ("GetTables", "List tables.", True, False),
        ("GetViews", "List views.", False, False),
    ]
    return {
        "id": om.entity_id("testConnectionDefinition", service_type),
        "name": service_type,
        "fullyQualifiedName": f"{service_type}.testConnectionDefinition",
        "steps": [
            {"name": n, "description": d, "mandatory": m, "shortCircuit": s} for n, d, m, s in steps
        ],
    }


def get_by_name(store: OmStore, request: Request, collection: str, fqn: str) -> dict[str, Any]:
    kind = _kind(collection)
    fqn = unquote(fqn)
    entity = store.get(kind, fqn, include_deleted=_include_deleted(request))
    if entity is None:
        raise _not_found(kind, fqn)
    return entity


def get_by_id(store: OmStore, request: Request, collection: str, eid: str) -> dict[str, Any]:
    kind = _kind(collection)
    entity = store.get_by_id(kind, eid)
    if entity is None:
        raise _not_found(kind, eid)
    return entity


def list_entities(store: OmStore, request: Request, collection: str) -> dict[str, Any]:
    kind = _kind(collection)
    limit = _int(request, "limit", 10, 1_000_000)
    docs = store.query(om.KINDS[kind].collection, None, "", limit, None)[0]
    data = [store.get(kind, str(d["fullyQualifiedName"])) for d in docs]
    rows = [d for d in data if d is not None]
    return {"data": rows, "paging": {"total": len(rows)}}


def put_entity(store: OmStore, request: Request, collection: str) -> dict[str, Any]:
    kind = _kind(collection)
    if kind not in WRITABLE:
        raise OmError(501, "unsupported_endpoint", f"Custos does not accept PUT /v1/{collection}.")
    return store.put(kind, _body(request))


def put_bulk(store: OmStore, request: Request, collection: str) -> dict[str, Any]:
    kind = _kind(collection)
    if kind not in WRITABLE:
        raise OmError(501, "unsupported_endpoint", f"Custos does not accept /v1/{collection}/bulk.")
    return store.put_many(kind, _body(request))


def delete_stale(store: OmStore, request: Request, collection: str) -> dict[str, Any]:
    return store.delete_stale(_kind(collection), _body(request))


def patch_by_id(store: OmStore, request: Request, collection: str, eid: str) -> dict[str, Any]:
    kind = _kind(collection)
    entity = store.get_by_id(kind, eid)
    if entity is None:
        raise _not_found(kind, eid)
    return store.patch(kind, entity, _body(request))


def patch_by_name(store: OmStore, request: Request, collection: str, fqn: str) -> dict[str, Any]:
    kind = _kind(collection)
    fqn = unquote(fqn)
    entity = store.get(kind, fqn)
    if entity is None:
        raise _not_found(kind, fqn)
    return store.patch(kind, entity, _body(request))


def _hits(docs: list[dict[str, Any]], index: str, total: int) -> dict[str, Any]:
    return {
        "took": 1,
        "timed_out": False,
        "hits": {
            "total": {"value": total, "relation": "eq"},
            "max_score": 1.0,
            "hits": [
                {
                    "_index": index,
                    "_id": str(d.get("id")),
                    "_score": 1.0,
                    "_source": d,
                    "sort": [d.get("fullyQualifiedName")],
                }
                for d in docs
            ],
        },
    }


def field_query(store: OmStore, request: Request) -> dict[str, Any]:
    params = request.query_params
    index = params.get("index") or "table_search_index"
    docs = store.field_query(
        index,
        params.get("fieldName") or "fullyQualifiedName",
        params.get("fieldValue") or "",
        _int(request, "from", 0),
        _int(request, "size", 10),
        params.get("deleted") == "true",
    )
    return _hits(docs, index, len(docs))


def search_query(store: OmStore, request: Request) -> dict[str, Any]:
    params = request.query_params
    index = params.get("index") or "table_search_index"
    raw_filter = params.get("query_filter")
    query_filter: Any = None
    if raw_filter:
        try:
            query_filter = json.loads(raw_filter)
        except ValueError as exc:
            raise OmError(400, "validation_error", f"query_filter: invalid JSON ({exc})") from exc
    after = params.get("search_after")
    docs, total = store.query(
        index, query_filter, params.get("q") or "", _int(request, "size", 10), after
    )
    if params.get("deleted") == "false":
        docs = [d for d in docs if not d.get("deleted")]
    fields = params.getlist("include_source_fields")
    if fields:
        keep = set(fields) | {"fullyQualifiedName", "id"}
        docs = [{k: v for k, v in d.items() if k in keep} for d in docs]
    return _hits(docs, index, total)


def _ends_by_id(store: OmStore, from_id: str, to_id: str) -> tuple[Any, Any]:
    return store.fqn_of_id(None, from_id), store.fqn_of_id(None, to_id)


def _ends_by_name(
    store: OmStore, from_type: str, from_fqn: str, to_type: str, to_fqn: str
) -> tuple[tuple[str, str], tuple[str, str]]:
    return (
        store.resolve_name(from_type, unquote(from_fqn)),
        store.resolve_name(to_type, unquote(to_fqn)),
    )


def lineage_edge(store: OmStore, request: Request, from_id: str, to_id: str) -> dict[str, Any]:
    edge = store.lineage_edge(*_ends_by_id(store, from_id, to_id))
    if edge is None:
        raise OmError(404, "not_found", f"Lineage edge {from_id} -> {to_id} not found")
    return edge


def lineage_edge_by_name(store: OmStore, request: Request, **ends: str) -> dict[str, Any]:
    try:
        src, dst = _ends_by_name(store, **ends)
    except DomainError as exc:
        raise OmError(404, "not_found", exc.message) from exc
    edge = store.lineage_edge(src, dst)
    if edge is None:
        raise OmError(404, "not_found", f"Lineage edge {src[1]} -> {dst[1]} not found")
    return edge


def put_lineage(store: OmStore, request: Request) -> dict[str, Any]:
    return store.add_lineage(_body(request))


def put_lineage_by_name(store: OmStore, request: Request, **ends: str) -> dict[str, Any]:
    src, dst = _ends_by_name(store, **ends)
    return store.put_edge(src, dst, _body(request))


def patch_lineage(
    store: OmStore, request: Request, from_type: str, from_id: str, to_type: str, to_id: str
) -> Response:
    src, dst = _ends_by_id(store, from_id, to_id)
    if src is None or dst is None:
        raise OmError(404, "not_found", "No such lineage edge.")
    store.patch_lineage(src, dst, _body(request))
    return Response(status=200)


def patch_lineage_by_name(store: OmStore, request: Request, **ends: str) -> Response:
    src, dst = _ends_by_name(store, **ends)
    store.patch_lineage(src, dst, _body(request))
    return Response(status=200)


_C = rf"(?P<collection>{ENTITY_COLLECTIONS})"
_UUID = r"(?P<eid>[0-9a-fA-F-]{36})"
_BY_NAME = r"(?P<from_type>\w+)/name/(?P<from_fqn>[^/]+)/(?P<to_type>\w+)/name/(?P<to_fqn>[^/]+)"
_ROUTE_TABLE: list[tuple[str, str, Handler]] = [
    ("GET", r"system/version/?", version),
    (
        "GET",
        r"services/testConnectionDefinitions/name/(?P<name>[^/]+)",
        test_connection_definition,
    ),
    ("GET", r"search/fieldQuery/?", field_query),
    ("GET", r"search/query/?", search_query),
    ("GET", rf"lineage/getLineageEdge/{_BY_NAME}", lineage_edge_by_name),
    ("GET", r"lineage/getLineageEdge/(?P<from_id>[^/]+)/(?P<to_id>[^/]+)", lineage_edge),
    ("PUT", r"lineage/?", put_lineage),
    ("PUT", rf"lineage/{_BY_NAME}", put_lineage_by_name),
    ("PATCH", rf"lineage/{_BY_NAME}", patch_lineage_by_name),
    (
        "PATCH",
        r"lineage/(?P<from_type>\w+)/(?P<from_id>[^/]+)/(?P<to_type>\w+)/(?P<to_id>[^/]+)",
        patch_lineage,
    ),
    ("GET", rf"{_C}/name/(?P<fqn>.+)", get_by_name),
    ("GET", rf"{_C}/{_UUID}", get_by_id),
    ("GET", rf"{_C}/?", list_entities),
    ("PUT", rf"{_C}/bulk/?", put_bulk),
    ("PUT", rf"{_C}/?", put_entity),
    ("DELETE", rf"{_C}/deleteStale/?", delete_stale),
    ("PATCH", rf"{_C}/name/(?P<fqn>.+)", patch_by_name),
    ("PATCH", rf"{_C}/{_UUID}", patch_by_id),
]
ROUTES: list[tuple[str, re.Pattern[str], Handler]] = [
    (m, re.compile(p), h) for m, p, h in _ROUTE_TABLE
]
