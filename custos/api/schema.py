"""drf-spectacular extensions: describe Custos-specific API machinery in the OpenAPI schema.

Imported from ``custos.api`` so the extensions register whenever any API view module loads
(every API view imports ``custos.api.pagination``), before the schema is generated.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """``Authorization: Token <key>`` (``Bearer <key>`` is accepted too)."""

    target_class = "custos.auth.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'Custos API token, sent as "Token <key>" (or "Bearer <key>").',
        }
