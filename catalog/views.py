"""Server-rendered catalog UI (thin: selectors to read, services to write)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from audit.selectors import object_history
from catalog import search as search_mod
from catalog import selectors, services
from catalog.models import AssetType, GlossaryTerm, OwnerRole, TermStatus
from catalog.permissions import can
from custos.errors import DomainError, NotFound


def _asset_or_404(request: HttpRequest, fqn: str) -> Any:
    try:
        return selectors.asset_by_fqn(request.user, fqn)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


@login_required
def home(request: HttpRequest) -> HttpResponse:
    sources = selectors.sources_for(request.user)
    visible = selectors.visible_assets(request.user)
    stats = {
        "sources": sources.count(),
        "tables": visible.filter(type__in=[AssetType.TABLE, AssetType.VIEW]).count(),
        "columns": visible.filter(type=AssetType.COLUMN).count(),
        "terms": selectors.terms_for(request.user).count(),
        "pii_columns": visible.filter(
            type=AssetType.COLUMN, classifications__status__in=["proposed", "confirmed"]
        )
        .distinct()
        .count(),
    }
    recent = (
        selectors.visible_assets(request.user)
        .filter(type__in=[AssetType.TABLE, AssetType.VIEW])
        .order_by("-updated")[:8]
    )
    return render(
        request, "catalog/home.html", {"stats": stats, "sources": sources, "recent": recent}
    )


@login_required
def search_page(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:500]
    filters = {
        k: request.GET.get(k) or None for k in ("type", "tag", "owner", "source", "classification")
    }
    try:
        page_no = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page_no = 1
    size = 25
    result = search_mod.search(
        request.user, q, limit=size, offset=(page_no - 1) * size, with_facets=True, **filters
    )
    pages = max(1, (result.total + size - 1) // size)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "catalog/search.html",
        {
            "q": q,
            "filters": filters,
            "result": result,
            "page": page_no,
            "pages": pages,
            "base_query": params.urlencode(),
        },
    )


@login_required
def source_list(request: HttpRequest) -> HttpResponse:
    sources = selectors.sources_for(request.user).prefetch_related("runs")
    rows = [
        {"source": s, "dsn": services.redacted_dsn(s), "last_run": s.runs.first()} for s in sources
    ]
    return render(request, "catalog/sources.html", {"rows": rows})


@login_required
def asset_page(request: HttpRequest, fqn: str) -> HttpResponse:
    asset = selectors.decorated(_asset_or_404(request, fqn))
    ctx: dict[str, Any] = {
        "asset": asset,
        "ancestors": asset.ancestors(),
        "can_edit": can(request.user, "change", asset),
        "owner_roles": OwnerRole.choices,
        "history": object_history(request.user, object_type="asset", object_id=str(asset.pk))[:20],
    }
    if asset.type in (AssetType.TABLE, AssetType.VIEW):
        ctx["columns"] = selectors.columns_of(request.user, asset)
        ctx["drift"] = selectors.drift_of(asset)[:50]
        return render(request, "catalog/table.html", ctx)
    if asset.type == AssetType.COLUMN:
        return render(request, "catalog/column.html", ctx)
    children = selectors.children_of(request.user, asset)
    paginator = Paginator(children, 100)
    ctx["children"] = paginator.get_page(request.GET.get("page"))
    return render(request, "catalog/container.html", ctx)


def _back(asset: Any) -> HttpResponse:
    return redirect("asset", fqn=asset.fqn)


@login_required
@require_http_methods(["GET", "POST"])
def edit_description(request: HttpRequest, fqn: str) -> HttpResponse:
    asset = _asset_or_404(request, fqn)
    partial = request.headers.get("X-Partial") == "1"
    if request.method == "POST":
        try:
            services.update_asset(
                actor=request.user, asset=asset, description=request.POST.get("description", "")
            )
        except DomainError as exc:
            if partial:
                return HttpResponse(exc.message, status=exc.status)
            messages.error(request, exc.message)
        if partial:
            return render(request, "catalog/_description.html", {"asset": asset, "can_edit": True})
        return _back(asset)
    return render(request, "catalog/_description_form.html", {"asset": asset})


@login_required
@require_http_methods(["POST"])
def edit_owners(request: HttpRequest, fqn: str) -> HttpResponse:
    asset = _asset_or_404(request, fqn)
    try:
        if request.POST.get("remove"):
            own = selectors.ownership_by_id(request.user, int(request.POST["remove"]))
            services.remove_owner(actor=request.user, ownership=own)
        else:
            principal = request.POST.get("principal", "").strip()
            user, group = (
                (None, principal[6:]) if principal.startswith("group:") else (principal, None)
            )
            services.add_owner(
                actor=request.user,
                asset=asset,
                user=user,
                group=group,
                role=request.POST.get("role", "owner"),
            )
            messages.success(request, f"Added {principal}.")
    except (DomainError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
    return _back(asset)


@login_required
@require_http_methods(["POST"])
def edit_tags(request: HttpRequest, fqn: str) -> HttpResponse:
    asset = _asset_or_404(request, fqn)
    try:
        if request.POST.get("remove"):
            services.remove_tag(actor=request.user, asset=asset, tag=request.POST["remove"])
        else:
            services.add_tag(actor=request.user, asset=asset, tag=request.POST.get("tag", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    return _back(asset)


@login_required
def glossary(request: HttpRequest) -> HttpResponse:
    terms = selectors.terms_for(request.user).order_by("fqn")
    tree: dict[int | None, list[GlossaryTerm]] = {}
    for term in terms:
        tree.setdefault(term.parent_id, []).append(term)

    def walk(parent: int | None, depth: int) -> list[tuple[GlossaryTerm, int]]:
        out: list[tuple[GlossaryTerm, int]] = []
        for t in tree.get(parent, []):
            out.append((t, depth))
            out.extend(walk(t.pk, depth + 1))
        return out

    return render(
        request,
        "catalog/glossary.html",
        {
            "rows": walk(None, 0),
            "can_edit": request.user.is_superuser
            or request.user.has_perm("catalog.add_glossaryterm"),
        },
    )


@login_required
def term_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        term = selectors.term_by_id(request.user, pk)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    if request.method == "POST" and request.POST.get("link"):
        try:
            asset = selectors.asset_by_fqn(request.user, request.POST["link"].strip())
            services.link_term(actor=request.user, term=term, asset=asset)
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("term", pk=pk)
    return render(
        request,
        "catalog/term.html",
        {
            "term": term,
            "assets": selectors.term_assets(request.user, term)[:200],
            "children": term.children.all(),
            "can_edit": request.user.is_superuser
            or request.user.has_perm("catalog.change_glossaryterm"),
            "history": object_history(request.user, object_type="term", object_id=str(term.pk))[
                :20
            ],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def term_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    term = None
    if pk is not None:
        try:
            term = selectors.term_by_id(request.user, pk)
        except NotFound as exc:
            raise Http404(str(exc)) from exc
    parents = (
        selectors.terms_for(request.user).exclude(pk=pk)
        if pk
        else selectors.terms_for(request.user)
    )
    if request.method == "POST":
        data = request.POST
        synonyms = [s.strip() for s in data.get("synonyms", "").split(",") if s.strip()]
        parent = None
        try:
            if data.get("parent"):
                parent = selectors.term_by_id(request.user, int(data["parent"]))
            if term is None:
                term = services.create_term(
                    actor=request.user,
                    name=data.get("name", ""),
                    definition=data.get("definition", ""),
                    synonyms=synonyms,
                    status=data.get("status", "draft"),
                    parent=parent,
                )
            else:
                services.update_term(
                    actor=request.user,
                    term=term,
                    name=data.get("name", ""),
                    definition=data.get("definition", ""),
                    synonyms=synonyms,
                    status=data.get("status", term.status),
                    parent=parent,
                )
            return redirect("term", pk=term.pk)
        except (DomainError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", str(exc)))
    return render(
        request,
        "catalog/term_form.html",
        {
            "term": term,
            "parents": parents,
            "statuses": TermStatus.choices,
        },
    )
