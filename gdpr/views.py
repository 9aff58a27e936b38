"""DPO pages: request list with deadlines, plan review, approval, progress, evidence."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from catalog.models import Source
from custos.errors import DomainError
from gdpr import selectors, services
from gdpr.identifiers import KINDS
from gdpr.models import Regime, RequestKind, RequestStatus


def _dpo(request: HttpRequest) -> None:
    if not selectors.may(request.user, "view_subjectrequest"):
        raise Http404("Not found")


@login_required
@require_http_methods(["GET", "POST"])
def request_list(request: HttpRequest) -> HttpResponse:
    _dpo(request)
    if request.method == "POST":
        identifiers = {
            k: request.POST[f"id_{k}"].strip()
            for k in KINDS
            if request.POST.get(f"id_{k}", "").strip()
        }
        days = request.POST.get("deadline_days", "").strip()
        try:
            req = services.create_request(
                actor=request.user,
                identifiers=identifiers,
                kind=request.POST.get("kind", RequestKind.ERASURE),
                regime=request.POST.get("regime", Regime.GDPR),
                deadline_days=int(days) if days.isdigit() else None,
                source=Source.objects.filter(name=request.POST.get("source", "")).first(),
                reference=request.POST.get("reference", ""),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("gdpr-requests")
        messages.success(request, f"Request #{req.pk} recorded.")
        return redirect("gdpr-request", pk=req.pk)
    qs = selectors.visible_requests(request.user)
    show = request.GET.get("show", "open")
    if show == "open":
        qs = qs.exclude(status__in=[RequestStatus.COMPLETED, RequestStatus.REJECTED])
    return render(
        request,
        "gdpr/list.html",
        {
            "requests": qs[:500],
            "show": show,
            "kinds": RequestKind.choices,
            "regimes": Regime.choices,
            "identifier_kinds": list(KINDS),
            "sources": Source.objects.all(),
        },
    )


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _dpo(request)
    try:
        req = selectors.get_request(request.user, pk)
    except DomainError:
        raise Http404("Not found") from None
    steps = list(req.steps.order_by("position"))
    done = sum(1 for s in steps if s.status == "done")
    return render(
        request,
        "gdpr/detail.html",
        {
            "req": req,
            "steps": steps,
            "done": done,
            "total": len(steps),
            "active": req.status == RequestStatus.RUNNING,
            "can_approve": req.status == RequestStatus.PLANNED
            and selectors.may(request.user, "approve_subjectrequest")
            and req.created_by_id != request.user.pk,
        },
    )


_ACTIONS = ("plan", "approve", "execute", "verify", "close", "reject", "export", "evidence")


@login_required
@require_POST
def request_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    _dpo(request)
    if action not in _ACTIONS:
        raise Http404("Not found")
    try:
        req = selectors.get_request(request.user, pk)
    except DomainError:
        raise Http404("Not found") from None
    try:
        result = _act(request, req, action)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("gdpr-request", pk=pk)
    if isinstance(result, HttpResponse):
        return result
    messages.success(request, result)
    return redirect("gdpr-request", pk=pk)


def _act(request: HttpRequest, req: Any, action: str) -> str | HttpResponse:
    user = request.user
    if action == "plan":
        services.plan_request(actor=user, request=req)
        return "Discovery finished: review the plan below."
    if action == "approve":
        services.approve_request(
            actor=user,
            request=req,
            plan_hash=request.POST.get("plan_hash"),
            comment=request.POST.get("comment", ""),
        )
        return "Plan approved."
    if action == "execute":
        services.start_execution(actor=user, request=req)
        return "Execution queued; this page refreshes while it runs."
    if action == "verify":
        req = services.verify_request(actor=user, request=req)
        return f"Verification: {req.get_status_display()}."
    if action == "close":
        services.close_request(actor=user, request=req, note=request.POST.get("note", ""))
        return "Request closed."
    if action == "reject":
        services.reject_request(actor=user, request=req, reason=request.POST.get("reason", ""))
        return "Request rejected."
    if action == "export":
        data = services.export_request(actor=user, request=req)
        response = HttpResponse(data, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="subject-access-{req.pk}.zip"'
        return response
    return "Nothing done."


@login_required
def retention_list(request: HttpRequest) -> HttpResponse:
    _dpo(request)
    return render(
        request,
        "gdpr/retention.html",
        {
            "policies": selectors.visible_policies(request.user).prefetch_related("runs"),
            "holds": selectors.visible_holds(request.user),
        },
    )
