"""Per-request / per-command context (request id, actor, client IP) for audit and logs.

Middleware and management commands open a context; services read it through
:func:`current` so that ``audit.record`` never needs the request threaded through.
"""

from __future__ import annotations

import contextvars
import getpass
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class Context:
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    actor: Any = None  # a User instance or None
    actor_label: str = "system"
    ip: str | None = None
    channel: str = "system"  # web | api | cli | task | system


_current: contextvars.ContextVar[Context | None] = contextvars.ContextVar(
    "custos_context", default=None
)


def stored_user(user: Any) -> Any:
    """The user if it is a stored account, else None (CLI operators act as an unsaved superuser)."""
    return user if getattr(user, "pk", None) else None


def current() -> Context:
    ctx = _current.get()
    return ctx if ctx is not None else Context()


@contextmanager
def use(ctx: Context) -> Iterator[Context]:
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def update(**changes: Any) -> None:
    _current.set(replace(current(), **changes))


@contextmanager
def command_context(command: str, user: Any = None) -> Iterator[Context]:
    """Context for a management command: the OS user is the actor label."""
    try:
        os_user = getpass.getuser()
    except Exception:  # pragma: no cover - no passwd entry in some containers
        os_user = "unknown"
    label = f"cli:{os_user}" if user is None else f"{user.get_username()} (cli:{os_user})"
    with use(Context(actor=user, actor_label=label, channel=f"cli:{command}")) as ctx:
        yield ctx
