"""System checks: a missing required production setting fails loudly at start."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def check_production_settings(app_configs: Any, **kwargs: Any) -> list[Any]:
    problems: list[Any] = []
    if not settings.DEBUG and (
        not settings.SECRET_KEY or settings.SECRET_KEY.startswith("dev-only")
    ):
        problems.append(
            Error(
                "CUSTOS_SECRET_KEY is not set.", hint="Set a long random value.", id="custos.E001"
            )
        )
    return problems


@register()
def check_data_dir(app_configs: Any, **kwargs: Any) -> list[Any]:
    import os

    data_dir = settings.DATA_DIR
    if not os.access(data_dir, os.W_OK):
        return [Error(f"CUSTOS_DATA_DIR {data_dir} is not writable.", id="custos.E002")]
    keys = settings.KEYS_DIR
    if keys.exists() and keys.stat().st_mode & 0o077:
        return [
            Warning(
                f"Key directory {keys} is readable by other users.",
                hint="chmod 700 it.",
                id="custos.W001",
            )
        ]
    return []


@register()
def check_run_recovery(app_configs: Any, **kwargs: Any) -> list[Any]:
    problems: list[Any] = []
    if settings.CUSTOS_RUN_STALE_SECONDS < 2:
        problems.append(
            Error(
                "CUSTOS_RUN_STALE_SECONDS must be at least 2.",
                hint="Runs report a heartbeat every sixth of it; 300 is a good value.",
                id="custos.E003",
            )
        )
    if settings.CUSTOS_INGEST_MAX_ATTEMPTS < 1:
        problems.append(Error("CUSTOS_INGEST_MAX_ATTEMPTS must be at least 1.", id="custos.E004"))
    return problems
