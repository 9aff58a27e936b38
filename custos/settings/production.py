"""Production settings: hardened defaults; a missing required setting fails loudly.

Used by ``manage.py check --deploy`` in CI and by the production stack
(``make run-prod``). Everything is still overridable by environment variables.
"""

from __future__ import annotations

from .base import *  # noqa: F403
from .base import REST_FRAMEWORK, TASKS
from .env import env, envbool, envint

DEBUG = False
SECRET_KEY = env("CUSTOS_SECRET_KEY")
REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] = ["rest_framework.renderers.JSONRenderer"]

SECURE_SSL_REDIRECT = envbool("CUSTOS_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = envint("CUSTOS_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = envbool("CUSTOS_SECURE_COOKIES", True)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = envbool("CUSTOS_SECURE_COOKIES", True)
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# OpenAPI quality is checked by its own CI step (`manage.py spectacular --validate`),
# not by the deploy check, which stays about security settings.
SILENCED_SYSTEM_CHECKS = ["drf_spectacular.W001", "drf_spectacular.W002"]
TASKS["default"]["BACKEND"] = env("CUSTOS_TASKS_BACKEND", "django_tasks_db.DatabaseBackend")
