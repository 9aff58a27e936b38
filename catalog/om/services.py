"""Running the stock ``metadata ingest`` CLI for a registered source, with staging.

``run_om_ingestion`` opens an ``OmSession`` bound to a fresh, short-lived token of the bot user,
runs the metadata workflow and then the view-lineage workflow as subprocesses of
``.venv-ingest/bin/metadata`` (the web process never imports openmetadata-ingestion), and:

* both exit 0 -> ``commit_session``: everything staged is applied in one transaction;
* otherwise    -> ``discard_session``: the catalog is exactly as before the run.

The token is revoked either way. Config files hold the source's password and the token: they
are written 0600 in a private temporary directory and deleted when the CLI exits.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone

import audit.services as audit
from access.tokens import create_token, revoke_token
from catalog import services as catalog_services
from catalog.models import IngestionRun, RunStatus, Source
from catalog.om import workflow
from catalog.om.models import OmSession
from catalog.om.store import commit_session, discard_session, serialized
from custos.errors import ValidationFailed

KIND = "openmetadata"
BOT_USERNAME = "openmetadata-bot"
BOT_PERMISSIONS = (
    "catalog.add_ingestionrun",
    "catalog.view_asset",
    "catalog.change_asset",
    "catalog.add_tag",
)


def ingest_cli() -> Path:
    """The ``metadata`` executable of the ingestion virtualenv."""
    configured = getattr(settings, "CUSTOS_OM_CLI", "") or os.environ.get("CUSTOS_OM_CLI", "")
    if configured:
        return Path(configured)
    return Path(settings.BASE_DIR) / ".venv-ingest" / "bin" / "metadata"


def configured_server_url() -> str:
    """A running Custos the CLI should call ($CUSTOS_OM_SERVER_URL), or "" for a private one."""
    return os.environ.get("CUSTOS_OM_SERVER_URL", "")


def ensure_bot() -> Any:
    """The bot user whose tokens the workflows send (least privilege: ingestion only)."""
    User = get_user_model()
    bot, created = User.objects.get_or_create(
        username=BOT_USERNAME, defaults={"is_active": True, "email": ""}
    )
    if created:
        bot.set_unusable_password()
        bot.save()
    wanted = []
    for label in BOT_PERMISSIONS:
        app, codename = label.split(".")
        wanted.append(Permission.objects.get(content_type__app_label=app, codename=codename))
    bot.user_permissions.add(*wanted)
    return bot


def start_om_ingestion(*, actor: Any, source: Source) -> IngestionRun:
    """Queue an OpenMetadata-workflow ingestion of ``source`` (same rules as native runs)."""
    if source.kind not in workflow.CONNECTION_TYPES:
        raise ValidationFailed(
            f"OpenMetadata ingestion supports PostgreSQL and MySQL/MariaDB sources; "
            f"{source.name} is {source.kind}."
        )
    return catalog_services.start_ingestion(actor=actor, source=source, kind=KIND)


def _run_cli(
    cli: Path, config: dict[str, Any], run: IngestionRun, step: str, secrets: list[str]
) -> tuple[int, workflow.CliSummary]:
    summary = workflow.CliSummary()
    with tempfile.TemporaryDirectory(prefix="custos-om-") as tmp:
        path = Path(tmp) / f"{step}.yaml"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(config, fh)
        env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
        env["PYTHONUNBUFFERED"] = "1"
        proc = subprocess.Popen(  # noqa: S603 - fixed argv, our own virtualenv's CLI
            [str(cli), "ingest", "-c", str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            cwd=tmp,
        )
        assert proc.stdout is not None
        last = 0.0
        log_dir = Path(settings.DATA_DIR) / "om-logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        log = (log_dir / f"run-{run.pk}-{step}.log").open("w", encoding="utf-8")
        for line in proc.stdout:
            clean = workflow.redact(line, *secrets)
            log.write(clean)
            workflow.parse_summary_line(summary, clean)
            if time.monotonic() - last > 1.0:
                last = time.monotonic()
                with serialized():
                    IngestionRun.objects.filter(pk=run.pk).update(message=f"{step}: running")
        code = proc.wait()
        log.close()
    return code, summary


def run_om_ingestion(
    *, run: IngestionRun, server: str | None = None, lineage: bool = True
) -> IngestionRun:
    """Run both workflows for ``run.source``; commit the staged writes only if both succeed.

    ``server`` is the base URL of a Custos the CLI can reach; without one (and without
    ``$CUSTOS_OM_SERVER_URL``) a private server runs for the duration (see ``embedded``).
    """
    server = server or configured_server_url()
    if not server:
        from catalog.om.embedded import embedded_server

        with embedded_server() as url:
            return _run(run, url, lineage)
    return _run(run, server, lineage)


def _run(run: IngestionRun, server: str, lineage: bool) -> IngestionRun:
    source = run.source
    cli = ingest_cli()
    IngestionRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, started_at=timezone.now(), message="starting metadata ingest"
    )
    if not cli.exists():
        return catalog_services._finish(
            run,
            RunStatus.FAILED,
            error=f"{cli} not found: build it with `make -f mk/ingest.mk ingest-env`.",
        )
    bot = ensure_bot()
    token, plain = create_token(user=bot, name=f"om-run-{run.pk}", days=1)
    with transaction.atomic():
        session = OmSession.objects.create(run=run, source=source, token=token)
    dsn = catalog_services.source_dsn(source)
    password = _password(dsn)
    args: dict[str, Any] = {
        "service_name": source.name,
        "kind": source.kind,
        "dsn": dsn,
        "server_url": server,
        "token": plain,
        "include": list(source.include_schemas or []),
        "exclude": list(source.exclude_schemas or []),
    }
    summaries: dict[str, workflow.CliSummary] = {}
    error = ""
    try:
        steps = [
            ("metadata", workflow.metadata_workflow(**args)),
        ]
        if lineage:
            steps.append(("lineage", workflow.lineage_workflow(**args)))
        for step, config in steps:
            code, summary = _run_cli(cli, config, run, step, [plain, password])
            summaries[step] = summary
            if code != 0:
                lines = summary.errors[-3:] or summary.tail[-5:]
                error = f"metadata ingest ({step}) exited with {code}: " + " | ".join(lines)
                break
    except Exception as exc:  # never leave a session open or a run stuck
        error = f"{type(exc).__name__}: {str(exc)[:300]}"
    finally:
        revoke_token(token=token)
    stats: dict[str, Any] = {step: summary.as_dict() for step, summary in summaries.items()}
    for key in ("records", "warnings", "failures"):
        stats[key] = sum(s.as_dict()[key] for s in summaries.values())
    if error:
        discarded = discard_session(session)
        stats["discarded_writes"] = discarded
        with transaction.atomic():
            audit.record(
                action="catalog.om.discard",
                obj=run,
                object_repr=f"{source.name} run {run.pk}",
                changes={"discarded_writes": discarded},
            )
        return _finish_with(run, RunStatus.FAILED, error=error[:2000], stats=stats)
    IngestionRun.objects.filter(pk=run.pk).update(message="applying to catalog")
    try:
        totals = commit_session(session, actor=run.requested_by)
    except Exception as exc:
        discard_session(session)
        return _finish_with(
            run,
            RunStatus.FAILED,
            error=f"commit failed: {type(exc).__name__}: {exc}"[:2000],
            stats=stats,
        )
    stats.update(totals)
    return _finish_with(run, RunStatus.SUCCEEDED, stats=stats)


def _finish_with(
    run: IngestionRun, status: str, *, error: str = "", stats: dict[str, Any]
) -> IngestionRun:
    return catalog_services._finish(run, status, error=error, stats=stats)


def _password(dsn: str) -> str:
    from sqlalchemy.engine import make_url

    return str(make_url(dsn).password or "")


def om_ingest_now(
    *, actor: Any, source: Source, server: str | None = None, lineage: bool = True
) -> IngestionRun:
    """Start and run an OpenMetadata ingestion synchronously (CLI, tests)."""
    run = start_om_ingestion(actor=actor, source=source)
    return run_om_ingestion(run=run, server=server, lineage=lineage)
