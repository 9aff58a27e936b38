"""Request context middleware: request id in and out, actor for audit."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from custos import context

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


class RequestContextMiddleware:
    """Opens a :class:`custos.context.Context` for the request (before auth)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        ctx = context.Context(ip=client_ip(request), channel="web")
        if _REQUEST_ID.match(incoming):
            ctx = context.Context(request_id=incoming, ip=ctx.ip, channel="web")
        with context.use(ctx):
            request.request_id = ctx.request_id  # type: ignore[attr-defined]
            response = self.get_response(request)
        response["X-Request-ID"] = ctx.request_id
        return response


class ActorMiddleware:
    """Records the session-authenticated user as the actor (token auth sets it in DRF)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            context.update(actor=user, actor_label=user.get_username())
        return self.get_response(request)
