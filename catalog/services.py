"""All catalog writes. Keyword-only, one transaction, one audit event, search kept in sync."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils import timezone

import audit.services as audit
from access import policy_cache
from catalog import search
from catalog.ingest import native
from catalog.ingest.apply import ApplyStats, apply_snapshot
from catalog.ingest.snapshot import make_fqn
from catalog.models import (
    Asset,
    AssetType,
    GlossaryTerm,
    IngestionRun,
    OwnerRole,
    Ownership,
    RunStatus,
    Source,
    Tag,
    TagAssignment,
    TermLink,
    TermStatus,
)
from catalog.permissions import can
from custos.context import stored_user
from custos.errors import Conflict, NotFound, PermissionDenied, SourceUnavailable, ValidationFailed
from custos.keys import keyring

User = get_user_model()
DSN_PURPOSE = "catalog.source.dsn"
MAX_DESCRIPTION = 20_000


def _require(user: Any, perm: str) -> None:
    if not (user.is_superuser or user.has_perm(perm)):
        raise PermissionDenied(f"You need the {perm} permission.")


def _require_change(user: Any, asset: Asset) -> None:
    if not can(user, "change", asset):
        raise PermissionDenied("You may not change this asset.")


# -- sources -------------------------------------------------------------------------


def source_dsn(source: Source) -> str:
    """The plain DSN (for connecting only; never log or return it)."""
    return keyring().unseal(source.dsn_sealed, purpose=DSN_PURPOSE)


def redacted_dsn(source: Source) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(source_dsn(source)).render_as_string(hide_password=True)
    except Exception:
        return "(unreadable)"


def create_source(
    *,
    actor: Any,
    name: str,
    dsn: str,
    description: str = "",
    is_demo: bool = False,
    include_schemas: list[str] | None = None,
) -> Source:
    _require(actor, "catalog.add_source")
    try:
        kind = native.kind_of(native.normalise_url(dsn))
    except native.SourceError as exc:
        raise ValidationFailed(str(exc), details={"field": "dsn"}) from exc
    with transaction.atomic():
        if Source.objects.filter(name=name).exists():
            raise Conflict(f"A source named {name!r} already exists.", details={"field": "name"})
        source = Source.objects.create(
            name=name,
            kind=kind,
            dsn_sealed=keyring().seal(dsn, purpose=DSN_PURPOSE),
            description=description,
            is_demo=is_demo,
            include_schemas=include_schemas or [],
            created_by=stored_user(actor),
        )
        root = Asset.objects.create(
            type=AssetType.SOURCE,
            source=source,
            name=name,
            fqn=make_fqn(name),
            description=description,
        )
        audit.record(
            action="catalog.source.create",
            obj=source,
            changes={"name": name, "kind": kind, "dsn": "(sealed)"},
        )
        search.index_assets([root])
    return source


def update_source(
    *, actor: Any, source: Source, dsn: str | None = None, description: str | None = None
) -> Source:
    _require(actor, "catalog.change_source")
    changes: dict[str, Any] = {}
    with transaction.atomic():
        if dsn is not None:
            try:
                source.kind = native.kind_of(native.normalise_url(dsn))
            except native.SourceError as exc:
                raise ValidationFailed(str(exc), details={"field": "dsn"}) from exc
            source.dsn_sealed = keyring().seal(dsn, purpose=DSN_PURPOSE)
            changes["dsn"] = "(changed, sealed)"
        if description is not None:
            changes["description"] = {"before": source.description, "after": description}
            source.description = description
        source.save()
        audit.record(action="catalog.source.update", obj=source, changes=changes)
    return source


def delete_source(*, actor: Any, source: Source) -> None:
    _require(actor, "catalog.delete_source")
    with transaction.atomic():
        audit.record(action="catalog.source.delete", obj=source, changes={"name": source.name})
        source.delete()
        policy_cache.bump()


# -- ingestion -----------------------------------------------------------------------


def start_ingestion(*, actor: Any, source: Source, kind: str = "native") -> IngestionRun:
    _require(actor, "catalog.add_ingestionrun")
    with transaction.atomic():
        if IngestionRun.objects.filter(
            source=source,
            status__in=[RunStatus.QUEUED, RunStatus.RUNNING],
            created__gte=timezone.now() - timedelta(hours=2),
        ).exists():
            raise Conflict(f"An ingestion of {source.name} is already queued or running.")
        run = IngestionRun.objects.create(source=source, kind=kind, requested_by=stored_user(actor))
        audit.record(
            action="catalog.ingest.start", obj=run, object_repr=f"{source.name} run {run.pk}"
        )
    return run


def _progress_writer(run: IngestionRun) -> Any:
    def progress(done: int, total: int, message: str) -> None:
        # Outside the ingest transaction on purpose would need a second connection;
        # progress is written during the read phase, before the apply transaction.
        IngestionRun.objects.filter(pk=run.pk).update(
            progress_done=done, progress_total=total, message=message[:255]
        )

    return progress


def run_ingestion(*, run: IngestionRun) -> IngestionRun:
    """Read the source and apply it. On any error the catalog is unchanged and the run failed."""
    source = run.source
    IngestionRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, started_at=timezone.now(), message="reading source"
    )
    try:
        snapshot = native.read_source(
            source_dsn(source),
            include=source.include_schemas or None,
            exclude=source.exclude_schemas or None,
            progress=_progress_writer(run),
        )
        IngestionRun.objects.filter(pk=run.pk).update(message="applying to catalog")
        stats: ApplyStats = apply_snapshot(source=source, snapshot=snapshot, run=run)
    except native.SourceError as exc:
        return _finish(run, RunStatus.FAILED, error=str(exc))
    except Exception as exc:  # report, never leave a run stuck in "running"
        return _finish(run, RunStatus.FAILED, error=f"{type(exc).__name__}: {str(exc)[:500]}")
    counts = snapshot.counts()
    run = _finish(run, RunStatus.SUCCEEDED, stats={**counts, **stats.as_dict()})
    from lineage.services import ingest_views_after_run  # view lineage; never raises

    ingest_views_after_run(run=run)
    from privacy.services import scan_after_ingestion  # PII scan of new/changed columns

    scan_after_ingestion(run=run)
    return run


def _finish(
    run: IngestionRun, status: str, *, error: str = "", stats: dict[str, Any] | None = None
) -> IngestionRun:
    with transaction.atomic():
        run.refresh_from_db()
        run.status = status
        run.error = error
        run.stats = stats or {}
        run.finished_at = timezone.now()
        run.message = "done" if status == RunStatus.SUCCEEDED else "failed"
        if status == RunStatus.SUCCEEDED:
            run.progress_done = run.progress_total = max(
                run.progress_total, (stats or {}).get("tables", 0)
            )
        run.save()
        audit.record(
            action=f"catalog.ingest.{status}",
            obj=run,
            object_repr=f"{run.source.name} run {run.pk}",
            changes={"error": error} if error else {"stats": stats or {}},
        )
    return run


def ingest_now(*, actor: Any, source: Source) -> IngestionRun:
    """Start and run an ingestion synchronously (CLI, tests)."""
    return run_ingestion(run=start_ingestion(actor=actor, source=source))


# -- descriptions, properties ------------------------------------------------------------


def update_asset(
    *,
    actor: Any,
    asset: Asset,
    description: str | None = None,
    properties: dict[str, Any] | None = None,
) -> Asset:
    _require_change(actor, asset)
    changes: dict[str, Any] = {}
    with transaction.atomic():
        if description is not None:
            if len(description) > MAX_DESCRIPTION:
                raise ValidationFailed(
                    f"Description is longer than {MAX_DESCRIPTION} characters.",
                    details={"field": "description"},
                )
            if description != asset.description:
                changes["description"] = {"before": asset.description, "after": description}
                asset.description = description
        if properties is not None:
            if not all(
                isinstance(k, str) and isinstance(v, str | int | float | bool | None)
                for k, v in properties.items()
            ):
                raise ValidationFailed(
                    "Custom properties must map names to scalar values.",
                    details={"field": "properties"},
                )
            changes["properties"] = {"before": asset.properties, "after": properties}
            asset.properties = properties
        if changes:
            asset.save()
            audit.record(action="catalog.asset.update", obj=asset, changes=changes)
            search.index_assets([asset])
    return asset


# -- owners ----------------------------------------------------------------------------


def _principal(user: str | None, group: str | None) -> tuple[Any, Group | None]:
    if bool(user) == bool(group):
        raise ValidationFailed("Give exactly one of user or group.")
    if user:
        found = User.objects.filter(username=user).first()
        if found is None:
            raise ValidationFailed(f"No user named {user!r}.", details={"field": "user"})
        return found, None
    grp = Group.objects.filter(name=group).first()
    if grp is None:
        raise ValidationFailed(f"No group named {group!r}.", details={"field": "group"})
    return None, grp


def add_owner(
    *,
    actor: Any,
    asset: Asset | None = None,
    term: GlossaryTerm | None = None,
    user: str | None = None,
    group: str | None = None,
    role: str = OwnerRole.OWNER,
) -> Ownership:
    if role not in OwnerRole.values:
        raise ValidationFailed(
            f"role must be one of {', '.join(OwnerRole.values)}.", details={"field": "role"}
        )
    if asset is not None:
        _require_change(actor, asset)
    else:
        _require(actor, "catalog.change_glossaryterm")
    u, g = _principal(user, group)
    with transaction.atomic():
        ownership, created = Ownership.objects.get_or_create(
            asset=asset, term=term, user=u, group=g, role=role
        )
        if created:
            target = asset if asset is not None else term
            audit.record(
                action="catalog.owner.add",
                obj=target,
                changes={"principal": ownership.principal, "role": role},
            )
            _reindex(asset, term)
    return ownership


def remove_owner(*, actor: Any, ownership: Ownership) -> None:
    if ownership.asset is not None:
        _require_change(actor, ownership.asset)
    else:
        _require(actor, "catalog.change_glossaryterm")
    with transaction.atomic():
        asset, term = ownership.asset, ownership.term
        audit.record(
            action="catalog.owner.remove",
            obj=asset or term,
            changes={"principal": ownership.principal, "role": ownership.role},
        )
        ownership.delete()
        _reindex(asset, term)


def _reindex(asset: Asset | None, term: GlossaryTerm | None) -> None:
    if asset is not None:
        search.index_assets([asset])
    if term is not None:
        search.index_term(term)


# -- tags ------------------------------------------------------------------------------


def add_tag(
    *, actor: Any, asset: Asset, tag: str, source: str = "manual", confidence: float = 1.0
) -> TagAssignment:
    _require_change(actor, asset)
    name = tag.strip().lower()
    if not name or len(name) > 100 or not all(c.isalnum() or c in "-_" for c in name):
        raise ValidationFailed(
            "Tag names are 1-100 letters, digits, '-' or '_'.", details={"field": "tag"}
        )
    with transaction.atomic():
        tag_obj, _ = Tag.objects.get_or_create(name=name)
        assignment, created = TagAssignment.objects.get_or_create(
            asset=asset, tag=tag_obj, defaults={"source": source, "confidence": confidence}
        )
        if created:
            audit.record(
                action="catalog.tag.add", obj=asset, changes={"tag": name, "source": source}
            )
            search.index_assets([asset])
    return assignment


def remove_tag(*, actor: Any, asset: Asset, tag: str) -> None:
    _require_change(actor, asset)
    with transaction.atomic():
        deleted, _ = TagAssignment.objects.filter(
            asset=asset, tag__name=tag.strip().lower()
        ).delete()
        if not deleted:
            raise NotFound(f"{asset.fqn} has no tag {tag!r}.")
        audit.record(action="catalog.tag.remove", obj=asset, changes={"tag": tag})
        search.index_assets([asset])


# -- glossary ------------------------------------------------------------------------------


def _term_fqn(name: str, parent: GlossaryTerm | None) -> str:
    return (parent.fqn + "." if parent else "") + make_fqn(name)


def _validate_term(name: str, status: str, synonyms: list[str]) -> None:
    if not name.strip() or len(name) > 200:
        raise ValidationFailed("Term name must be 1-200 characters.", details={"field": "name"})
    if status not in TermStatus.values:
        raise ValidationFailed(
            f"status must be one of {', '.join(TermStatus.values)}.", details={"field": "status"}
        )
    if not isinstance(synonyms, list) or not all(isinstance(s, str) for s in synonyms):
        raise ValidationFailed("synonyms must be a list of strings.", details={"field": "synonyms"})


def create_term(
    *,
    actor: Any,
    name: str,
    definition: str = "",
    parent: GlossaryTerm | None = None,
    synonyms: list[str] | None = None,
    status: str = TermStatus.DRAFT,
    related: list[GlossaryTerm] | None = None,
) -> GlossaryTerm:
    _require(actor, "catalog.add_glossaryterm")
    synonyms = synonyms or []
    _validate_term(name, status, synonyms)
    with transaction.atomic():
        try:
            with transaction.atomic():
                term = GlossaryTerm.objects.create(
                    name=name.strip(),
                    definition=definition,
                    parent=parent,
                    synonyms=synonyms,
                    status=status,
                    fqn=_term_fqn(name.strip(), parent),
                )
        except IntegrityError as exc:
            raise Conflict(
                f"A term named {name!r} already exists here.", details={"field": "name"}
            ) from exc
        if related:
            term.related.set(related)
        audit.record(
            action="catalog.term.create",
            obj=term,
            changes={"name": name, "status": status, "parent": parent.fqn if parent else None},
        )
        search.index_term(term)
    return term


def update_term(
    *,
    actor: Any,
    term: GlossaryTerm,
    name: str | None = None,
    definition: str | None = None,
    synonyms: list[str] | None = None,
    status: str | None = None,
    parent: GlossaryTerm | bool | None = False,
    related: list[GlossaryTerm] | None = None,
) -> GlossaryTerm:
    _require(actor, "catalog.change_glossaryterm")
    before = {
        "name": term.name,
        "definition": term.definition,
        "synonyms": term.synonyms,
        "status": term.status,
        "parent": term.parent.fqn if term.parent else None,
    }
    _validate_term(
        name if name is not None else term.name,
        status or term.status,
        synonyms if synonyms is not None else term.synonyms,
    )
    with transaction.atomic():
        if name is not None:
            term.name = name.strip()
        if definition is not None:
            term.definition = definition
        if synonyms is not None:
            term.synonyms = synonyms
        if status is not None:
            term.status = status
        if parent is not False:
            new_parent = parent if isinstance(parent, GlossaryTerm) else None
            node = new_parent
            while node is not None:
                if node.pk == term.pk:
                    raise ValidationFailed(
                        "A term cannot be its own ancestor.", details={"field": "parent"}
                    )
                node = node.parent
            term.parent = new_parent
        term.fqn = _term_fqn(term.name, term.parent)
        try:
            with transaction.atomic():
                term.save()
        except IntegrityError as exc:
            raise Conflict(f"A term named {term.name!r} already exists here.") from exc
        if related is not None:
            term.related.set([r for r in related if r.pk != term.pk])
        _refresh_descendant_fqns(term)
        after = {
            "name": term.name,
            "definition": term.definition,
            "synonyms": term.synonyms,
            "status": term.status,
            "parent": term.parent.fqn if term.parent else None,
        }
        diff = {k: {"before": before[k], "after": after[k]} for k in after if before[k] != after[k]}
        audit.record(action="catalog.term.update", obj=term, changes=diff)
        search.index_term(term)
    return term


def _refresh_descendant_fqns(term: GlossaryTerm) -> None:
    for child in term.children.all():
        child.fqn = _term_fqn(child.name, term)
        child.save(update_fields=["fqn", "updated"])
        search.index_term(child)
        _refresh_descendant_fqns(child)


def delete_term(*, actor: Any, term: GlossaryTerm) -> None:
    _require(actor, "catalog.delete_glossaryterm")
    if term.children.exists():
        raise Conflict("Delete or move this term's child terms first.")
    with transaction.atomic():
        linked = list(term.assets.all())
        audit.record(action="catalog.term.delete", obj=term, changes={"name": term.name})
        term.delete()
        search.index_assets(linked)


def link_term(*, actor: Any, term: GlossaryTerm, asset: Asset) -> TermLink:
    _require_change(actor, asset)
    with transaction.atomic():
        link, created = TermLink.objects.get_or_create(term=term, asset=asset)
        if created:
            audit.record(action="catalog.term.link", obj=asset, changes={"term": term.fqn})
            search.index_assets([asset])
    return link


def unlink_term(*, actor: Any, term: GlossaryTerm, asset: Asset) -> None:
    _require_change(actor, asset)
    with transaction.atomic():
        deleted, _ = TermLink.objects.filter(term=term, asset=asset).delete()
        if not deleted:
            raise NotFound(f"{asset.fqn} is not linked to {term.fqn}.")
        audit.record(action="catalog.term.unlink", obj=asset, changes={"term": term.fqn})
        search.index_assets([asset])


def test_connection(*, dsn: str) -> None:
    """Raise SourceUnavailable with a safe message if ``dsn`` cannot be read."""
    import sqlalchemy as sa

    try:
        engine = native.connect(dsn, timeout=5)
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
    except native.SourceError as exc:
        raise SourceUnavailable(str(exc)) from exc
    except Exception as exc:
        raise SourceUnavailable(f"Cannot connect: {native.safe_error(exc, dsn)}") from exc
