"""Core views: health, readiness, error pages (JSON under /api/)."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from custos.api.errors import error_body, json_404, json_500


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
    except Exception:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ready", "database": connection.vendor})


@csrf_exempt  # any method on an unknown API path is a JSON 404, not a CSRF page
def api_not_found(request: HttpRequest) -> JsonResponse:
    return json_404(request)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith(("/api/", "/om/")):
        return json_404(request)
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith(("/api/", "/om/")):
        return json_500(request)
    return HttpResponse("<h1>Server error</h1>", status=500)


def bad_request_json(request: HttpRequest, message: str) -> JsonResponse:
    return JsonResponse(error_body("bad_request", message), status=400)
