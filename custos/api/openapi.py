"""The OpenAPI view of Custos' error contract.

:class:`AutoSchema` (``REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]``) documents DESIGN.md's error
answers on every operation, so the schema lists every status code the API can answer and a
client generated from it knows the ``{"error": {...}}`` shape. Codes only some operations
answer (409, 422, 202 ...) are named in their ``@extend_schema(responses=...)``, errors with
:data:`ERROR`.

(Kept apart from ``custos.api.schema``: that module is imported while DRF itself loads, and
``drf_spectacular.openapi`` imports DRF's generic views.)
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny


class ErrorBody(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable: validation_error, not_found, ...")
    message = serializers.CharField(
        min_length=1, help_text="One human-readable sentence naming the problem."
    )
    details = serializers.DictField(help_text="Structured context: field, param, limits, ...")


class Error(serializers.Serializer):
    """Every 4xx answer of the API (rendered by custos.api.errors)."""

    error = ErrorBody()


ERROR = Error
"""For ``@extend_schema(responses={..., 409: ERROR})``: an error only some operations give."""

ERROR_DESCRIPTIONS = {
    "400": "Invalid input (validation_error, bad_request).",
    "401": "Not authenticated, or the token is unknown, expired or revoked.",
    "403": "Authenticated but not allowed (permission_denied).",
    "404": "No such object, or one the caller may not see (not_found).",
    "409": "The object's current state does not allow this (conflict).",
    "413": "The request body, or a part of it, is too large (payload_too_large).",
    "415": "The body's Content-Type is not one of the documented ones (unsupported_media_type).",
    "422": "The source database cannot be used as asked (source_unavailable, query errors).",
}


class AutoSchema(SpectacularAutoSchema):
    """Adds the errors any operation can answer: 400, 403, 404; 401 unless public; 413 and 415
    when it reads a request body (``DATA_UPLOAD_MAX_MEMORY_SIZE`` and the parsers apply)."""

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        codes = ["400", "403", "404"]
        if not all(isinstance(p, AllowAny) for p in self.view.get_permissions()):
            codes.append("401")
        if self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None:
            codes += ["413", "415"]  # only views that read their body can answer these
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(ERROR, code, direction=direction)
        return dict(sorted(responses.items()))

    def _get_response_for_code(
        self,
        serializer: Any,
        status_code: Any,
        media_types: Any = None,
        direction: Any = "response",
    ) -> dict[str, Any]:
        if serializer is ERROR and str(status_code) in ERROR_DESCRIPTIONS:
            serializer = OpenApiResponse(ERROR, description=ERROR_DESCRIPTIONS[str(status_code)])
        response: dict[str, Any] = super()._get_response_for_code(
            serializer, status_code, media_types, direction
        )
        return response
