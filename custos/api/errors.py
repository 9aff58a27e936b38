"""The single place that turns exceptions into DESIGN.md's JSON error shape.

``{"error": {"code": "...", "message": "...", "details": {...}}}`` with a 4xx status.
Unexpected exceptions become a 500 with the same shape and no internals (logged with
the request id so an operator can find the traceback).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response

from custos import context
from custos.errors import DomainError

logger = logging.getLogger("custos.api")


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def _first_message(detail: Any) -> str:
    if isinstance(detail, dict):
        for key, value in detail.items():
            inner = _first_message(value)
            return inner if key == "non_field_errors" else f"{key}: {inner}"
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return str(detail)


def exception_handler(exc: Exception, ctx: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message, exc.details), status=exc.status)
    if isinstance(exc, RequestDataTooBig):
        return Response(error_body("payload_too_large", "Request body is too large."), status=413)
    if isinstance(exc, SuspiciousOperation):
        return Response(error_body("bad_request", "Malformed request."), status=400)
    if isinstance(exc, Http404):
        return Response(error_body("not_found", str(exc) or "Not found."), status=404)
    if isinstance(exc, DataError):
        # The database refused a client-supplied value: NUL characters in text (PostgreSQL),
        # a number out of range, a string too long for its column. Bad input, not a fault.
        return Response(
            error_body("bad_request", "A value in the request cannot be stored or searched."),
            status=400,
        )
    if isinstance(exc, DjangoPermissionDenied):
        return Response(error_body("permission_denied", "Permission denied."), status=403)
    if isinstance(exc, DjangoValidationError):
        details = exc.message_dict if hasattr(exc, "error_dict") else {"errors": exc.messages}
        return Response(
            error_body("validation_error", "; ".join(exc.messages), details), status=400
        )
    if isinstance(exc, drf.APIException):
        code = exc.get_codes()
        code_str = code if isinstance(code, str) else "invalid"
        if isinstance(exc, drf.ValidationError):
            code_str = "validation_error"
        payload: Any = exc.detail if isinstance(exc.detail, dict | list) else {}
        if isinstance(payload, list):
            payload = {"errors": payload}
        response = Response(
            error_body(code_str, _first_message(exc.detail), payload), status=exc.status_code
        )
        wait = getattr(exc, "wait", None)
        if isinstance(exc, drf.Throttled) and wait:
            response["Retry-After"] = str(int(wait))
        if getattr(exc, "auth_header", None):
            response["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
        return response
    logger.exception("unhandled error (request %s)", context.current().request_id)
    return Response(
        error_body(
            "server_error",
            "Internal error; the operator can find it by request id.",
            {"request_id": context.current().request_id},
        ),
        status=500,
    )


def json_404(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body("not_found", f"No endpoint at {request.path}."), status=404)


def json_500(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        error_body("server_error", "Internal error.", {"request_id": context.current().request_id}),
        status=500,
    )
