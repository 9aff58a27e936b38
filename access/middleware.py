"""UI guard: administrators without an authenticator must set one up first.

Active only with ``CUSTOS_REQUIRE_ADMIN_TOTP``. API tokens are separate credentials and
are not affected; the API through the browser session answers a JSON 403 until the
authenticator is set up. Health checks, static files, sign-in/out and the security page
itself stay reachable.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from access import mfa
from custos.api.errors import error_body

EXEMPT = ("/static/", "/healthz", "/readyz", "/metrics", "/login/", "/logout/")
SECURITY_PAGE = "/account/security/"


class RequireAdminTotpMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            getattr(settings, "CUSTOS_REQUIRE_ADMIN_TOTP", False)
            and not request.path.startswith((*EXEMPT, SECURITY_PAGE))
            and getattr(request, "user", None) is not None
            and mfa.must_enrol(request.user)
        ):
            if request.path.startswith(("/api/", "/om/")):
                body = error_body(
                    "totp_required",
                    "Set up an authenticator on /account/security/ before using the API "
                    "from the browser (API tokens are not affected).",
                )
                return JsonResponse(body, status=403)
            return redirect(SECURITY_PAGE)
        return self.get_response(request)
