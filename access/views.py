"""Access UI: query page (+ CSV export), previews, requests (ask / mine / approval queue)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from access import requests as workflow
from access.api.query_views import csv_response
from access.gateway import engine
from access.models import AccessRequest, Grant, Notification, RequestStatus
from catalog import selectors
from catalog.models import Asset, AssetType, Classification
from custos.errors import DomainError, NotFound


def _error(exc: DomainError) -> dict[str, Any]:
    return {"code": exc.code, "message": exc.message}


@login_required
@require_http_methods(["GET", "POST"])
def query_page(request: HttpRequest) -> HttpResponse:
    sources = list(selectors.sources_for(request.user).order_by("name"))
    form = {
        "source": request.POST.get("source")
        or request.GET.get("source")
        or (sources[0].name if sources else ""),
        "sql": request.POST.get("sql") or request.GET.get("sql") or "",
        "limit": request.POST.get("limit") or "100",
    }
    ctx: dict[str, Any] = {"sources": sources, "form": form}
    if request.method == "POST":
        try:
            limit = max(1, min(int(form["limit"]), engine.max_rows()))
        except ValueError:
            limit = 100
        export = request.POST.get("export") == "csv"
        try:
            outcome = engine.run_query(
                user=request.user,
                source=form["source"],
                sql=form["sql"],
                limit=engine.max_rows() if export else limit,
                purpose="export" if export else "query",
            )
        except DomainError as exc:
            ctx["error"] = _error(exc)
            return render(request, "access/query.html", ctx, status=exc.status)
        if export:
            return csv_response(outcome, f"{form['source']}-export.csv")
        ctx["result"] = outcome
        ctx["show_sql"] = request.user.is_superuser
    return render(request, "access/query.html", ctx)


@login_required
def preview_page(request: HttpRequest) -> HttpResponse:
    fqn = request.GET.get("table", "")
    try:
        table = selectors.table_by_fqn(request.user, fqn)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    ctx: dict[str, Any] = {"table": table}
    try:
        ctx["result"] = engine.preview(user=request.user, table_fqn=fqn, limit=20)
    except DomainError as exc:
        ctx["error"] = _error(exc)
    return render(request, "access/preview.html", ctx)


@login_required
@require_POST
def request_new(request: HttpRequest) -> HttpResponse:
    assets = request.POST.getlist("assets")
    try:
        days = int(request.POST.get("duration_days") or 30)
    except ValueError:
        days = 0
    try:
        req = workflow.create_request(
            requester=request.user,
            assets=assets,
            reason=request.POST.get("reason", ""),
            duration_days=days,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        back = request.POST.get("next") or "/"
        return redirect(back if back.startswith("/") and not back.startswith("//") else "/")
    messages.success(request, f"Access request #{req.pk} sent to the owners and admins.")
    return redirect("access-my-requests")


@login_required
def my_requests(request: HttpRequest) -> HttpResponse:
    notes = list(Notification.objects.filter(user_id=request.user.pk or 0)[:20])
    ctx = {
        "requests": AccessRequest.objects.filter(
            requester_id=request.user.pk or 0
        ).prefetch_related("items__asset")[:100],
        "grants": Grant.objects.filter(user_id=request.user.pk or 0).select_related("asset")[:100],
        "notifications": notes,
    }
    Notification.objects.filter(user_id=request.user.pk or 0, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return render(request, "access/my_requests.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def request_queue(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        action = request.POST.get("action")
        done, failed = 0, []
        for pk in request.POST.getlist("ids"):
            try:
                req = workflow.request_by_id(request.user, int(pk))
                if action == "approve":
                    workflow.approve_request(
                        actor=request.user, request=req, comment=request.POST.get("comment", "")
                    )
                elif action == "deny":
                    workflow.deny_request(
                        actor=request.user, request=req, comment=request.POST.get("comment", "")
                    )
                else:
                    continue
                done += 1
            except (DomainError, ValueError) as exc:
                failed.append(f"#{pk}: {getattr(exc, 'message', str(exc))}")
        if done:
            verb = {"approve": "Approved", "deny": "Denied"}.get(action or "", "Updated")
            messages.success(request, f"{verb} {done} request(s).")
        for text in failed[:5]:
            messages.error(request, text)
        return redirect(request.get_full_path())
    qs = workflow.visible_requests(request.user)
    status = request.GET.get("status", "pending")
    if status and status != "all":
        qs = qs.filter(status=status)
    if request.GET.get("requester"):
        qs = qs.filter(requester__username=request.GET["requester"])
    if request.GET.get("asset"):
        qs = qs.filter(items__asset__fqn__startswith=request.GET["asset"]).distinct()
    rows = [
        {
            "req": r,
            "can_decide": r.status == RequestStatus.PENDING
            and workflow.can_decide(request.user, r),
        }
        for r in qs[:200]
    ]
    ctx = {
        "rows": rows,
        "status": status,
        "statuses": RequestStatus.choices,
        "filters": request.GET,
    }
    return render(request, "access/queue.html", ctx)


def _pii_context(req: AccessRequest) -> list[dict[str, Any]]:
    out = []
    for item in req.items.select_related("asset"):
        asset = item.asset
        cols = (
            [asset]
            if asset.type == AssetType.COLUMN
            else list(
                Asset.objects.filter(type=AssetType.COLUMN, deleted_at__isnull=True).filter(
                    **_under(asset)
                )
            )
        )
        classes = Classification.objects.filter(
            asset__in=cols, status__in=("proposed", "confirmed")
        ).select_related("asset")
        out.append(
            {
                "item": item,
                "pii": [
                    {"column": c.asset.fqn, "entity": c.entity, "status": c.status}
                    for c in classes[:50]
                ],
                "lineage": f"/api/v1/lineage/{quote(asset.fqn)}?direction=both&depth=2",
                "page": f"/assets/{asset.fqn}/",
            }
        )
    return out


def _under(asset: Asset) -> dict[str, Any]:
    field = {
        AssetType.TABLE: "table_ref",
        AssetType.VIEW: "table_ref",
        AssetType.SCHEMA: "schema_ref",
        AssetType.DATABASE: "database_ref",
    }.get(asset.type, "root_ref")  # type: ignore[call-overload]
    return {field: asset}


@login_required
@require_http_methods(["GET", "POST"])
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        req = workflow.request_by_id(request.user, pk)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "approve":
                chosen = request.POST.getlist("assets") or None
                workflow.approve_request(
                    actor=request.user,
                    request=req,
                    assets=chosen,
                    comment=request.POST.get("comment", ""),
                )
            elif action == "deny":
                workflow.deny_request(
                    actor=request.user, request=req, comment=request.POST.get("comment", "")
                )
            elif action == "revoke":
                workflow.revoke_request(actor=request.user, request=req)
            messages.success(request, f"Request #{req.pk} updated.")
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("access-request", pk=req.pk)
    ctx = {
        "req": req,
        "can_decide": req.status == RequestStatus.PENDING
        and workflow.can_decide(request.user, req),
        "context": _pii_context(req),
        "grants": req.grants.select_related("asset"),
        "own": req.requester_id == request.user.pk,
    }
    return render(request, "access/request.html", ctx)
