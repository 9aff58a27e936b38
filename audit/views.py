"""Audit UI: the log with filters, verification, exports with progress, printable reports."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from audit import exports, reports, selectors, services
from audit.api.views import parse_when
from audit.models import AuditCheckpoint, AuditExport, ExportScope, ExportStatus
from custos.errors import DomainError, NotFound

PAGE_SIZE = 50
FILTERS = ("actor", "action", "object_type", "object_id", "object", "since", "until")


def _auditor_or_404(request: HttpRequest) -> None:
    if not selectors.can_view_all(request.user):
        raise Http404("Auditors only.")


@login_required
def log(request: HttpRequest) -> HttpResponse:
    """The trail, newest first, filtered; paginated by seq cursor (``?before=<seq>``)."""
    p = request.GET
    qs = selectors.events_for(request.user)
    error = None
    if p.get("actor"):
        qs = qs.filter(actor_label=p["actor"].strip())
    if p.get("action"):
        qs = qs.filter(action__startswith=p["action"].strip().rstrip("*"))
    if p.get("object_type"):
        qs = qs.filter(object_type=p["object_type"].strip())
    if p.get("object_id"):
        qs = qs.filter(object_id=p["object_id"].strip())
    if p.get("object"):
        qs = qs.filter(object_repr__icontains=p["object"].strip())
    try:
        since, until = parse_when(p, "since"), parse_when(p, "until")
    except DomainError as exc:
        since = until = None
        error = exc.message
    if since:
        qs = qs.filter(timestamp__gte=since)
    if until:
        qs = qs.filter(timestamp__lt=until)
    before = p.get("before", "")
    if before.isdigit():
        qs = qs.filter(seq__lt=int(before))
    page = list(qs.order_by("-seq")[: PAGE_SIZE + 1])
    more = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    kept = {k: p[k] for k in FILTERS if p.get(k)}
    next_url = f"?{urlencode({**kept, 'before': page[-1].seq})}" if more and page else None
    return render(
        request,
        "audit/log.html",
        {
            "events": page,
            "filters": {k: p.get(k, "") for k in FILTERS},
            "next_url": next_url,
            "first_url": f"?{urlencode(kept)}" if before else None,
            "is_auditor": selectors.can_view_all(request.user),
            "can_export": exports.can_export(request.user),
            "last_checkpoint": AuditCheckpoint.objects.order_by("-seq").first(),
            "error": error,
        },
    )


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    _auditor_or_404(request)
    result = services.verify_live()
    return render(request, "audit/verify.html", {"result": result})


@login_required
@require_http_methods(["GET", "POST"])
def export_list(request: HttpRequest) -> HttpResponse:
    if not exports.can_export(request.user):
        raise Http404("Auditors only.")
    form = {k: request.POST.get(k, "") for k in ("scope", "since", "until", "target")}
    if request.method == "POST":
        scope = form["scope"] or ExportScope.ALL
        target = form["target"] or None
        try:
            export = exports.request_export(
                actor=request.user,
                scope=scope,
                since=parse_when(request.POST, "since"),
                until=parse_when(request.POST, "until"),
                subject=target if scope == ExportScope.SUBJECT else None,
                fqn=target if scope == ExportScope.ASSET else None,
                username=target if scope == ExportScope.USER else None,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            return redirect("audit-export", pk=export.pk)
    return render(
        request,
        "audit/exports.html",
        {
            "exports": AuditExport.objects.select_related("requested_by")[:50],
            "scopes": ExportScope.choices,
            "form": form,
        },
    )


@login_required
def export_detail(request: HttpRequest, pk: str) -> HttpResponse:
    try:
        export = exports.export_for(request.user, pk)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    running = export.status in (ExportStatus.QUEUED, ExportStatus.RUNNING)
    return render(request, "audit/export.html", {"export": export, "running": running})


@login_required
def export_download(request: HttpRequest, pk: str) -> FileResponse:
    try:
        export = exports.export_for(request.user, pk)
        path = exports.open_download(user=request.user, export=export)
    except DomainError as exc:
        raise Http404(exc.message) from exc
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


@login_required
def report(request: HttpRequest, name: str) -> HttpResponse:
    if name not in reports.REPORTS or not exports.can_export(request.user):
        raise Http404("No such report.")
    try:
        period = reports.Period(parse_when(request.GET, "since"), parse_when(request.GET, "until"))
    except DomainError as exc:
        messages.error(request, exc.message)
        period = reports.Period()
    data = reports.build(name, period)
    template = f"audit/report_{name.replace('-', '_')}.html"
    return render(request, template, {"report": data, "name": name, "reports": reports.REPORTS})
