from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_roles(sender: Any, **kwargs: Any) -> None:
    from access.roles import ensure_roles

    ensure_roles()


class AccessConfig(AppConfig):
    name = "access"
    verbose_name = "Access control"

    def ready(self) -> None:
        # Every app's post_migrate: later apps' permissions must reach the roles too.
        post_migrate.connect(_ensure_roles, dispatch_uid="custos.ensure_roles")
        from access import policy_cache

        policy_cache.connect()
