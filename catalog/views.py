"""Server-rendered catalog UI (thin: selectors to read, services to write)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from audit.selectors import object_history
from catalog import search as search_mod
from catalog import selectors, services
from catalog.models import AssetType, GlossaryTerm, OwnerRole, RunStatus, TermStatus
from catalog.permissions import can
from custos.errors import DomainError, NotFound

PAGE_SIZE = 25

# Search facets: (key in SearchResult.facets, query parameter, heading).
FACETS = (
    ("type", "type", "Type"),
    ("source_name", "source", "Source"),
    ("tag", "tag", "Tag"),
    ("classification", "classification", "Classification"),
)
FILTER_PARAMS = ("type", "source", "tag", "classification", "owner")
TYPE_LABELS = {
    "source": "Sources",
    "database": "Databases",
    "schema": "Schemas",
    "table": "Tables",
    "view": "Views",
    "column": "Columns",
    "term": "Glossary terms",
}


def _asset_or_404(request: HttpRequest, fqn: str) -> Any:
    try:
        return selectors.asset_by_fqn(request.user, fqn)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def _can_edit_terms(user: Any) -> bool:
    return bool(user.is_superuser or user.has_perm("catalog.change_glossaryterm"))


# -- home, search ------------------------------------------------------------------------


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
        .select_related("parent")
        .order_by("-updated")[:8]
    )
    return render(
        request, "catalog/home.html", {"stats": stats, "sources": sources, "recent": recent}
    )


def _query(params: dict[str, str]) -> str:
    """``?q=..&type=..`` with empty values left out, in a stable order."""
    items = [(k, v) for k, v in params.items() if v]
    return "?" + urlencode(items) if items else "?"


def _active_filters(q: str, filters: dict[str, str]) -> list[dict[str, str]]:
    """The filters in force, each with the URL that removes just that one."""
    base = {"q": q, **filters}
    active: list[dict[str, str]] = []
    for param in FILTER_PARAMS:
        value = filters.get(param, "")
        if not value:
            continue
        if param == "type":
            types = [t for t in value.split(",") if t]
            for t in types:
                rest = ",".join(x for x in types if x != t)
                label = TYPE_LABELS.get(t, t)
                active.append(
                    {"param": param, "value": label, "remove": _query({**base, "type": rest})}
                )
        else:
            active.append({"param": param, "value": value, "remove": _query({**base, param: ""})})
    return active


def _facet_groups(
    facets: dict[str, dict[str, int]], q: str, filters: dict[str, str]
) -> list[dict[str, Any]]:
    base = {"q": q, **filters}
    groups: list[dict[str, Any]] = []
    for key, param, heading in FACETS:
        counts = dict(facets.get(key, {}))
        current = filters.get(param, "")
        chosen = [t for t in current.split(",") if t] if param == "type" else [current]
        for value in chosen:  # an active filter stays visible even without hits
            if value:
                counts.setdefault(value, 0)
        values = []
        for value, n in counts.items():
            active = value in chosen
            if param == "type":
                # Types combine (tables OR views); other facets narrow to one value.
                picked = [t for t in chosen if t != value] if active else [*chosen, value]
                url = _query({**base, "type": ",".join(picked)})
            else:
                url = _query({**base, param: "" if active else value})
            label = TYPE_LABELS.get(value, value) if param == "type" else value
            values.append(
                {"value": value, "label": label, "count": n, "active": active, "url": url}
            )
        if values:  # an empty group is noise
            groups.append({"param": param, "heading": heading, "values": values})
    return groups


@login_required
def search_page(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:500].strip()
    filters = {k: request.GET.get(k, "").strip()[:200] for k in FILTER_PARAMS}
    try:
        page_no = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page_no = 1
    result = search_mod.search(
        request.user,
        q,
        limit=PAGE_SIZE,
        offset=(page_no - 1) * PAGE_SIZE,
        with_facets=True,
        **{k: v or None for k, v in filters.items()},
    )
    pages = max(1, (result.total + PAGE_SIZE - 1) // PAGE_SIZE)
    if result.total_is_lower_bound:  # more than counted: offer the next page, up to the end
        pages = max(pages, min(page_no + 1, -(-search_mod.MAX_RESULTS // PAGE_SIZE)))
    needle = q.lower()
    base = {"q": q, **filters}

    def narrow(param: str, values: list[str]) -> list[tuple[str, str]]:
        return [(v, _query({**base, param: v})) for v in values]

    hits = [
        {
            "entry": e,
            "exact": bool(needle) and e.name.lower() == needle,
            "classifications": narrow("classification", e.classification_list),
            "tags": narrow("tag", e.tag_list),
            "owners": narrow("owner", e.owner_list),
        }
        for e in result.entries
    ]
    here = _query(base)
    return render(
        request,
        "catalog/search.html",
        {
            "q": q,
            "filters": filters,
            "result": result,
            "hits": hits,
            "facet_groups": _facet_groups(result.facets, q, filters),
            "active_filters": _active_filters(q, filters),
            "clear_url": _query({"q": q}),
            "page": page_no,
            "pages": pages,
            "page_base": here + ("&" if here != "?" else ""),
        },
    )


# -- sources -------------------------------------------------------------------------------


def _run_row(run: Any) -> dict[str, Any]:
    total = run.progress_total or 0
    percent = round(100 * run.progress_done / total) if total else None
    duration = None
    if run.started_at and run.finished_at:
        duration = (run.finished_at - run.started_at).total_seconds()
    return {"run": run, "percent": percent, "duration": duration, "stats": run.stats or {}}


@login_required
def source_list(request: HttpRequest) -> HttpResponse:
    sources = selectors.sources_for(request.user).prefetch_related("runs")
    rows = [
        {
            "source": s,
            "dsn": services.redacted_dsn(s),
            "last_run": _run_row(s.runs.all()[0]) if s.runs.all() else None,
        }
        for s in sources
    ]
    return render(request, "catalog/sources.html", {"rows": rows})


def _can_ingest(user: Any) -> bool:
    return bool(user.is_superuser or user.has_perm("catalog.add_ingestionrun"))


@login_required
def source_detail(request: HttpRequest, name: str) -> HttpResponse:
    try:
        source = selectors.source_by_name(request.user, name)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    runs = [
        _run_row(r)
        for r in selectors.runs_for(request.user)
        .filter(source=source)
        .select_related("requested_by")
        .order_by("-created")[:20]
    ]
    active = any(r["run"].status in (RunStatus.QUEUED, RunStatus.RUNNING) for r in runs)
    databases = (
        selectors.visible_assets(request.user)
        .filter(source=source, type=AssetType.DATABASE)
        .order_by("name")
    )
    return render(
        request,
        "catalog/source.html",
        {
            "source": source,
            "dsn": services.redacted_dsn(source),
            "runs": runs,
            "last": runs[0] if runs else None,
            "active": active,
            "databases": databases,
            "can_ingest": _can_ingest(request.user),
        },
    )


@login_required
@require_http_methods(["POST"])
def source_ingest(request: HttpRequest, name: str) -> HttpResponse:
    from catalog.tasks import ingest_source

    try:
        source = selectors.source_by_name(request.user, name)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    try:
        run = services.start_ingestion(actor=request.user, source=source)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        transaction.on_commit(lambda: ingest_source.enqueue(run.pk))
        messages.success(request, f"Ingestion of {source.name} started (run {run.pk}).")
    return redirect("source", name=source.name)


# -- assets --------------------------------------------------------------------------------


def _plain(value: Any) -> str:
    """A JSON value from a drift event or audit diff as short readable text."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_plain(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _history_text(action: str, changes: dict[str, Any]) -> str:
    """What an audit event did, in words (the raw action code stays in a tooltip)."""
    changes = changes if isinstance(changes, dict) else {}
    if action == "catalog.asset.update":
        parts = []
        if "description" in changes:
            after = _plain((changes["description"] or {}).get("after"))
            if after:
                shown = after if len(after) <= 80 else after[:79] + "…"
                parts.append(f"changed the description to “{shown}”")
            else:
                parts.append("cleared the description")
        if "properties" in changes:
            parts.append("changed the properties")
        return " and ".join(parts) or "updated"
    principal, role = changes.get("principal", ""), changes.get("role", "")
    simple = {
        "catalog.owner.add": f"added {principal} as {role}",
        "catalog.owner.remove": f"removed {principal} as {role}",
        "catalog.tag.add": f"added tag #{changes.get('tag', '')}",
        "catalog.tag.remove": f"removed tag #{changes.get('tag', '')}",
        "catalog.term.link": f"linked glossary term {changes.get('term', '')}",
        "catalog.term.unlink": f"unlinked glossary term {changes.get('term', '')}",
        "catalog.term.create": "created the term",
        "catalog.term.update": "edited the term",
        "catalog.table.create": "catalogued it (first ingestion)",
        "catalog.table.update": "saw schema changes on ingestion",
        "catalog.table.delete": "marked it dropped at source",
    }
    return simple.get(action, action)


def _history(events: Iterable[Any]) -> list[dict[str, Any]]:
    return [
        {
            "timestamp": ev.timestamp,
            "actor": ev.actor_label,
            "action": ev.action,
            "text": _history_text(ev.action, ev.changes),
        }
        for ev in events
    ]


def _drift_rows(events: Iterable[Any]) -> list[dict[str, Any]]:
    return [
        {
            "event": d,
            "kind": d.get_kind_display(),
            "before": _plain(d.before),
            "after": _plain(d.after),
        }
        for d in events
    ]


@login_required
def asset_page(request: HttpRequest, fqn: str) -> HttpResponse:
    asset = selectors.decorated(_asset_or_404(request, fqn))
    can_edit = can(request.user, "change", asset)
    linked_ids = {t.pk for t in asset.terms.all()}
    ctx: dict[str, Any] = {
        "asset": asset,
        "ancestors": asset.ancestors(),
        "can_edit": can_edit,
        "owner_roles": OwnerRole.choices,
        "history": _history(
            object_history(request.user, object_type="asset", object_id=str(asset.pk))[:20]
        ),
        "linkable_terms": (
            selectors.terms_for(request.user).exclude(pk__in=linked_ids).order_by("fqn")
            if can_edit
            else []
        ),
        "api": {
            "lineage": f"/api/v1/lineage/{quote(asset.fqn)}?direction=both&depth=3",
        },
    }
    if asset.type in (AssetType.TABLE, AssetType.VIEW):
        columns = list(selectors.columns_of(request.user, asset))
        # FK chips name the referenced table: fetch those parents in one query.
        prefetch_related_objects([c.references for c in columns if c.references], "parent")
        ctx["columns"] = columns
        ctx["pii_count"] = sum(
            1 for c in columns if any(cl.is_active for cl in c.classifications.all())
        )
        ctx["drift"] = _drift_rows(selectors.drift_of(asset)[:50])
        ctx["api"]["detail"] = f"/api/v1/tables/{quote(asset.fqn)}"
        ctx["api"]["drift"] = f"/api/v1/tables/{quote(asset.fqn)}/drift"
        if columns:
            ctx["api"]["simulate"] = "/api/v1/access/simulate?" + urlencode(
                {"column": columns[0].fqn}
            )
            ctx["simulate_example"] = columns[0].name
        return render(request, "catalog/table.html", ctx)
    if asset.type == AssetType.COLUMN:
        ctx["table"] = asset.parent
        ctx["referenced_by"] = (
            selectors.visible_assets(request.user).filter(references=asset).order_by("fqn")[:50]
        )
        ctx["api"]["detail"] = f"/api/v1/columns/{quote(asset.fqn)}"
        ctx["api"]["simulate"] = "/api/v1/access/simulate?" + urlencode({"column": asset.fqn})
        return render(request, "catalog/column.html", ctx)
    children = selectors.children_of(request.user, asset)
    paginator = Paginator(children, 100)
    ctx["children"] = paginator.get_page(request.GET.get("page"))
    if asset.type == AssetType.SOURCE:
        ctx["source"] = asset.source
    return render(request, "catalog/container.html", ctx)


def _back(asset: Any) -> HttpResponse:
    return redirect("asset", fqn=asset.fqn)


@login_required
@require_http_methods(["GET", "POST"])
def edit_description(request: HttpRequest, fqn: str) -> HttpResponse:
    asset = _asset_or_404(request, fqn)
    partial = request.headers.get("X-Partial") == "1"
    if not can(request.user, "change", asset):
        if partial:
            return HttpResponse("You may not edit this description.", status=403)
        messages.error(request, "You may not edit this description.")
        return _back(asset)
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
    if partial:
        return render(request, "catalog/_description_form.html", {"asset": asset})
    # Without JavaScript the "Edit" link opens the same form on a full page.
    return render(
        request,
        "catalog/description_page.html",
        {"asset": asset, "ancestors": asset.ancestors()},
    )


@login_required
@require_http_methods(["POST"])
def edit_owners(request: HttpRequest, fqn: str) -> HttpResponse:
    asset = _asset_or_404(request, fqn)
    try:
        if request.POST.get("remove"):
            own = selectors.ownership_by_id(request.user, int(request.POST["remove"]))
            services.remove_owner(actor=request.user, ownership=own)
            messages.success(request, f"Removed {own.principal}.")
        else:
            principal = request.POST.get("principal", "").strip()
            user, group = (
                (None, principal[6:]) if principal.startswith("group:") else (principal, None)
            )
            role = request.POST.get("role", "owner")
            services.add_owner(actor=request.user, asset=asset, user=user, group=group, role=role)
            messages.success(request, f"Added {principal} as {role}.")
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
@require_http_methods(["POST"])
def edit_terms(request: HttpRequest, fqn: str) -> HttpResponse:
    """Link (``term``) or unlink (``unlink``) a glossary term from the asset's page."""
    asset = _asset_or_404(request, fqn)
    try:
        if request.POST.get("unlink"):
            term = selectors.term_by_id(request.user, int(request.POST["unlink"]))
            services.unlink_term(actor=request.user, term=term, asset=asset)
            messages.success(request, f"Unlinked {term.name}.")
        else:
            term = selectors.term_by_id(request.user, int(request.POST.get("term", "")))
            services.link_term(actor=request.user, term=term, asset=asset)
            messages.success(request, f"Linked {term.name}.")
    except (DomainError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", "Choose a glossary term."))
    return _back(asset)


# -- glossary ------------------------------------------------------------------------------


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
    if request.method == "POST" and (request.POST.get("link") or request.POST.get("unlink")):
        try:
            if request.POST.get("unlink"):
                asset = selectors.asset_by_fqn(request.user, request.POST["unlink"].strip())
                services.unlink_term(actor=request.user, term=term, asset=asset)
                messages.success(request, f"Unlinked {asset.fqn}.")
            else:
                asset = selectors.asset_by_fqn(request.user, request.POST["link"].strip())
                services.link_term(actor=request.user, term=term, asset=asset)
                messages.success(request, f"Linked {asset.fqn}.")
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("term", pk=pk)
    return render(
        request,
        "catalog/term.html",
        {
            "term": term,
            "assets": selectors.term_assets(request.user, term).select_related("parent")[:200],
            "children": term.children.all(),
            "can_edit": _can_edit_terms(request.user),
            "history": _history(
                object_history(request.user, object_type="term", object_id=str(term.pk))[:20]
            ),
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
    values: dict[str, Any] = {}
    if request.method == "POST":
        data = request.POST
        values = {k: data.get(k, "") for k in ("name", "definition", "synonyms", "parent")}
        values["status"] = data.get("status", "draft")
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
                messages.success(request, f"Created {term.name}.")
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
                messages.success(request, "Saved.")
            return redirect("term", pk=term.pk)
        except (DomainError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", str(exc)))
    elif term is not None:
        values = {
            "name": term.name,
            "definition": term.definition,
            "synonyms": ", ".join(term.synonyms),
            "parent": str(term.parent_id or ""),
            "status": term.status,
        }
    else:
        values = {"status": TermStatus.DRAFT, "parent": request.GET.get("parent", "")}
    return render(
        request,
        "catalog/term_form.html",
        {"term": term, "parents": parents, "statuses": TermStatus.choices, "values": values},
    )
