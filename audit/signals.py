"""Audit coverage that no service call reaches: sign-in/out and Django admin actions.

* ``auth.login`` / ``auth.logout`` / ``auth.login_failed`` from Django's auth signals. A
  failed sign-in records the username that was tried (truncated) and never the password:
  only the ``username`` key of the credentials is read.
* ``admin.add`` / ``admin.change`` / ``admin.delete`` for every admin ``LogEntry``,
  single saves through ``post_save`` and bulk deletions (``log_actions`` with several
  objects uses ``bulk_create``, which sends no signal) through a thin wrapper.
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry, LogEntryManager
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from audit import services

_ADMIN_ACTIONS = {ADDITION: "admin.add", CHANGE: "admin.change", DELETION: "admin.delete"}


@receiver(user_logged_in, dispatch_uid="audit-login")
def on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    with transaction.atomic():
        services.record(
            action="auth.login",
            actor=user,
            object_type="user",
            object_id=str(user.pk),
            object_repr=user.get_username(),
        )


@receiver(user_logged_out, dispatch_uid="audit-logout")
def on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    with transaction.atomic():
        services.record(
            action="auth.logout",
            actor=user,
            object_type="user",
            object_id=str(user.pk),
            object_repr=user.get_username(),
        )


@receiver(user_login_failed, dispatch_uid="audit-login-failed")
def on_login_failed(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    username_field = get_user_model().USERNAME_FIELD
    # Django already masks the password in ``credentials``; read only the username anyway.
    tried = str(credentials.get(username_field) or credentials.get("username") or "")[:150]
    with transaction.atomic():
        services.record(
            action="auth.login_failed",
            object_type="user",
            object_repr=tried,
            changes={"username": tried},
        )


def _record_admin(entry: LogEntry) -> None:
    ct = entry.content_type
    with transaction.atomic():
        services.record(
            action=_ADMIN_ACTIONS.get(entry.action_flag, "admin.action"),
            actor=entry.user,
            object_type=ct.model if ct else "",
            object_id=str(entry.object_id or "")[:64],
            object_repr=entry.object_repr,
            changes={
                "model": f"{ct.app_label}.{ct.model}" if ct else None,
                "message": entry.get_change_message() if entry.action_flag == CHANGE else "",
            },
        )


@receiver(post_save, sender=LogEntry, dispatch_uid="audit-admin-logentry")
def on_admin_log(sender: Any, instance: LogEntry, created: bool, **kwargs: Any) -> None:
    if created:
        _record_admin(instance)


def _install_bulk_hook() -> None:
    original = LogEntryManager.log_actions
    if getattr(original, "_custos_audited", False):
        return

    def log_actions(self: LogEntryManager, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        if isinstance(result, list) and len(result) > 1:  # bulk_create: no post_save
            for entry in result:
                _record_admin(entry)
        return result

    log_actions._custos_audited = True  # type: ignore[attr-defined]
    LogEntryManager.log_actions = log_actions  # type: ignore[method-assign]


_install_bulk_hook()
