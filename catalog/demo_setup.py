"""Django side of ``manage.py demo``: users, sources, ingestion and curation of the demo.

Idempotent: a second run refreshes data and metadata and never duplicates anything.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from guardian.shortcuts import assign_perm

from access.roles import ADMIN, ANALYST, STEWARD, VIEWER, ensure_roles
from catalog import services
from catalog.demo import build_airline, server_available
from catalog.models import Asset, AssetType, GlossaryTerm, Source
from lineage.ingest.querylog import QueryEntry
from lineage.services import ingest_sql
from privacy.services import scan_now

User = get_user_model()

DEMO_PASSWORD_ENV = "CUSTOS_DEMO_PASSWORD"
DEMO_USERS = [
    # username, role, full name
    ("admin", ADMIN, "Ada Admin"),
    ("sam", STEWARD, "Sam Steward"),
    ("alice", ANALYST, "Alice Analyst"),
    ("victor", VIEWER, "Victor Viewer"),
]

TARGETS = {
    "sqlite": ("custos-air-sqlite", None),
    "postgres": ("custos-air-postgres", "CUSTOS_DEMO_POSTGRES_URL"),
    "mariadb": ("custos-air-mariadb", "CUSTOS_DEMO_MYSQL_URL"),
}
DEFAULT_URLS = {
    "postgres": "postgresql+psycopg://postgres@127.0.0.1:5432/custos_demo",
    "mariadb": "mysql+pymysql://root@127.0.0.1:3306/custos_demo",
}

GLOSSARY: list[dict[str, Any]] = [
    {
        "name": "Personal Data",
        "definition": "Any information relating to an identified or identifiable "
        "natural person (GDPR Art. 4(1)).",
        "status": "approved",
        "synonyms": ["PII", "personal information"],
    },
    {
        "name": "Passenger",
        "parent": "Personal Data",
        "definition": "A person who holds a booking on a flight.",
        "status": "approved",
        "synonyms": ["traveller", "pax"],
    },
    {
        "name": "Email Address",
        "parent": "Personal Data",
        "definition": "A passenger's or employee's e-mail address; direct identifier.",
        "status": "approved",
        "synonyms": ["e-mail", "contact email"],
        "columns": ["email"],
    },
    {
        "name": "Phone Number",
        "parent": "Personal Data",
        "definition": "Contact phone number; direct identifier.",
        "status": "approved",
        "synonyms": ["mobile", "telephone"],
        "columns": ["phone"],
    },
    {
        "name": "Passport Number",
        "parent": "Personal Data",
        "definition": "Travel document number; special care: government identifier.",
        "status": "approved",
        "columns": ["passport_number"],
    },
    {
        "name": "Date of Birth",
        "parent": "Personal Data",
        "definition": "Birth date; quasi-identifier.",
        "status": "approved",
        "synonyms": ["DOB", "birth date"],
        "columns": ["date_of_birth"],
    },
    {
        "name": "Booking Reference",
        "definition": "Six-character passenger name record locator (PNR).",
        "status": "approved",
        "synonyms": ["PNR", "record locator"],
        "columns": ["pnr"],
    },
    {
        "name": "Frequent Flyer Number",
        "parent": "Personal Data",
        "definition": "Loyalty programme member number.",
        "status": "draft",
        "columns": ["frequent_flyer_number"],
    },
    {
        "name": "Revenue",
        "definition": "Fare revenue in the booking currency, before taxes.",
        "status": "draft",
        "synonyms": ["fare revenue"],
    },
]


@dataclass
class DemoReport:
    sources: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def demo_password() -> str:
    return os.environ.get(DEMO_PASSWORD_ENV, "custos")


def ensure_users() -> dict[str, Any]:
    groups = ensure_roles()
    users = {}
    for username, role, full_name in DEMO_USERS:
        user, created = User.objects.get_or_create(username=username)
        first, last = full_name.split(" ", 1)
        user.first_name, user.last_name = first, last
        user.email = f"{username}@custos.example"
        user.is_staff = user.is_superuser = role == ADMIN
        if created:
            user.set_password(demo_password())
        user.save()
        user.groups.add(groups[role])
        users[username] = user
    return users


def demo_target_url(target: str) -> str:
    if target == "sqlite":
        path = Path(settings.DATA_DIR) / "demo" / "airline.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"
    env_name = TARGETS[target][1]
    return os.environ.get(env_name or "", "") or DEFAULT_URLS[target]


def register_source(
    *, admin: Any, name: str, url: str, description: str, schemas: list[str]
) -> Source:
    source = Source.objects.filter(name=name).first()
    if source is None:
        source = services.create_source(
            actor=admin,
            name=name,
            dsn=url,
            description=description,
            is_demo=True,
            include_schemas=schemas,
        )
    elif services.source_dsn(source) != url:
        services.update_source(actor=admin, source=source, dsn=url)
    if source.include_schemas != schemas:
        Source.objects.filter(pk=source.pk).update(include_schemas=schemas)
        source.refresh_from_db()
    return source


def curate(*, admin: Any, users: dict[str, Any], source: Source) -> None:
    """Owners, tags, glossary links and a Viewer grant, so the demo shows governance."""
    steward_group, _ = Group.objects.get_or_create(name="Data Stewards")
    users["sam"].groups.add(steward_group)
    tables = Asset.objects.filter(
        source=source, type__in=[AssetType.TABLE, AssetType.VIEW], deleted_at__isnull=True
    )
    for table in tables:
        if not table.ownerships.exists():
            services.add_owner(actor=admin, asset=table, group="Data Stewards", role="steward")
        layer = (
            "marts"
            if "mart" in table.fqn
            else "staging"
            if "stg_" in table.fqn or ".staging." in table.fqn
            else "raw"
        )
        services.add_tag(actor=admin, asset=table, tag=layer)
    passengers = tables.filter(name__in=["passengers", "raw_passengers"]).first()
    if passengers is not None:
        services.add_owner(actor=admin, asset=passengers, user="sam", role="owner")
        services.add_tag(actor=admin, asset=passengers, tag="gdpr")
    terms = {t.name: t for t in GlossaryTerm.objects.all()}
    for spec in GLOSSARY:
        for column_name in spec.get("columns", []):
            for col in Asset.objects.filter(
                source=source, type=AssetType.COLUMN, name=column_name, deleted_at__isnull=True
            )[:50]:
                services.link_term(actor=admin, term=terms[spec["name"]], asset=col)
    # Victor (Viewer) may only see the marts layer: an object grant on the marts schema.
    marts = Asset.objects.filter(
        source=source, type=AssetType.SCHEMA, name__endswith="marts"
    ).first()
    if marts is not None:
        assign_perm("catalog.view_asset", users["victor"], marts)
    else:  # SQLite has one schema: grant the mart tables themselves
        for table in tables.filter(name__startswith="mart_"):
            assign_perm("catalog.view_asset", users["victor"], table)


def ensure_glossary(*, admin: Any) -> None:
    by_name = {t.name: t for t in GlossaryTerm.objects.all()}
    for spec in GLOSSARY:
        if spec["name"] in by_name:
            continue
        parent = by_name.get(spec.get("parent", ""))
        by_name[spec["name"]] = services.create_term(
            actor=admin,
            name=spec["name"],
            definition=spec["definition"],
            parent=parent,
            synonyms=spec.get("synonyms", []),
            status=spec["status"],
        )
    for spec in GLOSSARY:
        term = by_name[spec["name"]]
        if spec["name"] == "Passenger" and not term.ownerships.exists():
            services.add_owner(actor=admin, term=term, user="sam", role="steward")


DEMO_POLICIES: list[dict[str, Any]] = [
    {
        "name": "Analysts: partial e-mails",
        "target_kind": "classification",
        "entity": "EMAIL_ADDRESS",
        "group": ANALYST,
        "operator": "partial",
    },
    {
        "name": "Analysts: pseudonymous phones",
        "target_kind": "classification",
        "entity": "PHONE_NUMBER",
        "group": ANALYST,
        "operator": "pseudonym",
    },
    {
        "name": "Analysts: birth year only",
        "target_kind": "classification",
        "entity": "DATE_OF_BIRTH",
        "group": ANALYST,
        "operator": "generalise",
        "params": {"to": "year"},
    },
    {
        "name": "Stewards: clear e-mails",
        "target_kind": "classification",
        "entity": "EMAIL_ADDRESS",
        "group": STEWARD,
        "operator": "clear",
    },
    {
        "name": "Stewards: clear names",
        "target_kind": "classification",
        "entity": "PERSON",
        "group": STEWARD,
        "operator": "clear",
    },
]


def ensure_policies(*, admin: Any, log: Callable[[str], None]) -> None:
    """Masking policies that make the demo's gateway and simulation meaningful."""
    from access.models import MaskingPolicy
    from access.services import create_policy
    from custos.errors import DomainError

    existing = set(MaskingPolicy.objects.values_list("name", flat=True))
    for spec in DEMO_POLICIES:
        if spec["name"] in existing:
            continue
        try:
            create_policy(actor=admin, kind="masking", data=dict(spec))
        except DomainError as exc:  # e.g. an operator parameter this version does not know
            log(f"  policy {spec['name']!r} skipped: {exc.message}")


def run_demo(
    *, size: str = "small", targets: list[str], log: Callable[[str], None] = print, seed: int = 42
) -> DemoReport:
    report = DemoReport()
    users = ensure_users()
    admin = users["admin"]
    ensure_glossary(admin=admin)
    ensure_policies(admin=admin, log=log)
    for target in targets:
        if target not in TARGETS:
            raise ValueError(f"Unknown demo target {target!r} (choose from {', '.join(TARGETS)}).")
        url = demo_target_url(target)
        if target != "sqlite" and not server_available(url):
            report.skipped.append(f"{target}: server not reachable")
            log(f"  {target}: server not reachable, skipped")
            continue
        log(f"  {target}: building airline data ({size})…")
        built = build_airline(url, size=size, seed=seed)
        name = TARGETS[target][0]
        source = register_source(
            admin=admin,
            name=name,
            url=url,
            description=f"Custos Air demo airline on {target} ({size}).",
            schemas=list(built.schemas) if target != "sqlite" else [],
        )
        run = services.ingest_now(actor=admin, source=source)
        if run.status != "succeeded":
            raise RuntimeError(f"Ingestion of {name} failed: {run.error}")
        with transaction.atomic():
            curate(admin=admin, users=users, source=source)
        lineage = ingest_sql(
            source=source,
            entries=[
                QueryEntry(sql=script.sql, label=script.name, reference=f"demo:{script.name}")
                for script in built.scripts
            ],
            kind="query_log",
            actor=admin,
        )
        log(
            f"  {target}: lineage: {lineage.write.column_edges} column edges from {lineage.statements} "
            f"script statements ({lineage.statements_failed} unparsed)"
        )
        scan = scan_now(actor=admin, source=source)
        log(
            f"  {target}: PII scan {scan.status}: {scan.stats.get('pii_columns', 0)} personal-data columns "
            f"of {scan.stats.get('columns', 0)} proposed for review"
        )
        log(
            f"  {target}: {sum(built.tables.values())} rows in {len(built.tables)} tables, "
            f"catalogued as {name} ({run.stats.get('columns')} columns) in {built.seconds:.1f}s build"
        )
        report.sources.append(
            {
                "source": name,
                "url_kind": target,
                "rows": sum(built.tables.values()),
                "run": run.pk,
                "stats": run.stats,
            }
        )
    return report
