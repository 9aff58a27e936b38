"""Domain exceptions. The API layer renders them in one place (custos.api.errors)."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base class: a problem with the caller's request, rendered as a 4xx JSON error."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class ValidationFailed(DomainError):
    status = 400
    code = "validation_error"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class PermissionDenied(DomainError):
    status = 403
    code = "permission_denied"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class SourceUnavailable(DomainError):
    """The source database cannot be reached or rejected our credentials."""

    status = 422
    code = "source_unavailable"
