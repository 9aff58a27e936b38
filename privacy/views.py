"""Server-rendered steward review of PII detections (thin: selectors read, services write)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from catalog import selectors as catalog_selectors
from catalog.models import RunStatus
from custos.errors import DomainError
from privacy import selectors, services
from privacy.detect import ENTITIES

PAGE_SIZE = 50


def _filters(params: Any) -> dict[str, str]:
    status = params.get("status") or "proposed"
    return {
        "source": params.get("source") or "",
        "entity": params.get("entity") or "",
        "status": status if status in selectors.QUEUE_STATUSES else "proposed",
    }


@login_required
@require_http_methods(["GET", "POST"])
def review_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _bulk(request)
    filters = _filters(request.GET)
    queue = selectors.review_queue(
        request.user,
        source=filters["source"] or None,
        entity=filters["entity"] or None,
        status=filters["status"],
    )
    page = Paginator(queue, PAGE_SIZE).get_page(request.GET.get("page"))
    scans = list(selectors.scans_for(request.user).order_by("-created")[:5])
    active = any(s.status in (RunStatus.QUEUED, RunStatus.RUNNING) for s in scans)
    return render(
        request,
        "privacy/review.html",
        {
            "page": page,
            "filters": filters,
            "query": urlencode({k: v for k, v in filters.items() if v}),
            "statuses": selectors.QUEUE_STATUSES,
            "entities": ENTITIES,
            "sources": catalog_selectors.sources_for(request.user),
            "scans": scans,
            "active": active,
        },
    )


def _bulk(request: HttpRequest) -> HttpResponse:
    back = request.POST.get("next") or ""
    target = "/privacy/review/" + (f"?{back}" if back and "//" not in back else "")
    try:
        ids = [int(i) for i in request.POST.getlist("ids")]
    except ValueError:
        ids = []
    action = request.POST.get("action", "")
    if not ids:
        messages.error(request, "Select at least one detection.")
        return redirect(target)
    try:
        rows = selectors.classifications_by_ids(request.user, ids)
        done = services.bulk_review(actor=request.user, classifications=rows, action=action)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        verb = "Confirmed" if action == "confirm" else "Rejected"
        messages.success(request, f"{verb} {len(done)} detection{'s' if len(done) != 1 else ''}.")
    return redirect(target)


@login_required
@require_http_methods(["POST"])
def start_scan(request: HttpRequest) -> HttpResponse:
    from privacy.tasks import scan as scan_task

    try:
        source = catalog_selectors.source_by_name(request.user, request.POST.get("source", ""))
        run = services.start_scan(actor=request.user, source=source)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        transaction.on_commit(lambda: scan_task.enqueue(run.pk))
        messages.success(request, f"PII scan of {source.name} started (scan {run.pk}).")
    return redirect("privacy-review")
