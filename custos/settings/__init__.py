"""Custos settings: one env-driven module (``custos.settings``).

Every value comes from an environment variable with a documented default, so the
embedded defaults (SQLite, database task queue, generated keys under ``var/``) need
no configuration, and production switches by variables alone (see docs/operations.md).
``custos.settings.production`` layers the hardened defaults used by ``check --deploy``.
"""

from .base import *  # noqa: F403
