"""Base settings (development-friendly embedded defaults)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url

from .env import env, envbool, envint, envlist

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(env("CUSTOS_DATA_DIR", str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)
KEYS_DIR = Path(env("CUSTOS_KEYS_DIR", str(DATA_DIR / "keys")))

DEBUG = envbool("CUSTOS_DEBUG", True)
SECRET_KEY = env("CUSTOS_SECRET_KEY") or "dev-only-insecure-key-set-CUSTOS_SECRET_KEY-in-production"
ALLOWED_HOSTS = envlist("CUSTOS_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = envlist("CUSTOS_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_tasks_db",
    "django_rq",
    "custos",
    "audit",
    "catalog",
    "catalog.om",
    "gdpr",  # GDPR (issue 9): before access, whose post_migrate assigns gdpr perms to roles
    "access",
    "lineage",
    "privacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "custos.metrics.MetricsMiddleware",
    "custos.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "custos.middleware.ActorMiddleware",
    "access.middleware.RequireAdminTotpMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "custos.urls"
WSGI_APPLICATION = "custos.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "custos.context_processors.custos",
            ],
        },
    },
]

_default_db = f"sqlite:///{DATA_DIR / 'custos.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", _default_db), conn_max_age=envint("CUSTOS_DB_CONN_MAX_AGE", 0)
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions serialise writers up front, so the audit hash chain never
    # forks and writers never fail late with "database is locked" on a stale snapshot.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"].setdefault("TEST", {})["NAME"] = env("CUSTOS_TEST_SQLITE_NAME") or None

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "custos.auth_backends.ThrottledModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
ANONYMOUS_USER_NAME = None  # guardian: no anonymous object permissions

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("CUSTOS_STATIC_ROOT", str(DATA_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "custos" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

DATA_UPLOAD_MAX_MEMORY_SIZE = envint("CUSTOS_MAX_REQUEST_BYTES", 5 * 1024 * 1024)

REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "custos.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "custos.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "custos.api.openapi.AutoSchema",  # documents the error answers
    "EXCEPTION_HANDLER": "custos.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_THROTTLE_RATES": {"login": env("CUSTOS_LOGIN_THROTTLE", "10/min")},
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append(
        "rest_framework.renderers.BrowsableAPIRenderer"
    )

SPECTACULAR_SETTINGS = {
    "TITLE": "Custos API",
    "DESCRIPTION": "Catalog, lineage, privacy, access control and audit for personal data.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets shared by several components get one stable name (no hashed "StatusF6eEnum").
    "ENUM_NAME_OVERRIDES": {
        "RunStatusEnum": "catalog.models.RunStatus",
        "ClassificationStatusEnum": "catalog.models.ClassificationStatus",
        "TermStatusEnum": "catalog.models.TermStatus",
    },
}

TASKS = {
    "default": {
        "BACKEND": env("CUSTOS_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Content Security Policy: no inline scripts; everything served from 'self'.
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}

# Scale-out job queue: CUSTOS_TASKS_BACKEND=django_tasks_rq.RQBackend + CUSTOS_REDIS_URL;
# workers: `manage.py rqworker default --job-class django_tasks_rq.Job` on any number of hosts.
RQ_QUEUES = {
    "default": {"URL": env("CUSTOS_REDIS_URL", "redis://127.0.0.1:6379/0"), "DEFAULT_TIMEOUT": 3600}
}
# `manage.py rqworker` uses this class: an RQ worker that also requeues ingestion runs of
# dead workers, at start and every CUSTOS_RUN_STALE_SECONDS (docs/operations.md).
RQ = {"WORKER_CLASS": "custos.rq_worker.RecoveringWorker"}
# Ingestion runs on a worker report a heartbeat (every sixth of this); a run silent for
# longer is requeued, at most CUSTOS_INGEST_MAX_ATTEMPTS worker claims in all.
CUSTOS_RUN_STALE_SECONDS = envint("CUSTOS_RUN_STALE_SECONDS", 300)
CUSTOS_INGEST_MAX_ATTEMPTS = envint("CUSTOS_INGEST_MAX_ATTEMPTS", 3)

CUSTOS_LOGIN_MAX_FAILURES = envint("CUSTOS_LOGIN_MAX_FAILURES", 10)
CUSTOS_LOGIN_LOCKOUT_SECONDS = envint("CUSTOS_LOGIN_LOCKOUT_SECONDS", 900)
# Administrators must set up an authenticator (TOTP) before they can use the UI.
CUSTOS_REQUIRE_ADMIN_TOTP = envbool("CUSTOS_REQUIRE_ADMIN_TOTP", False)
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env("CUSTOS_CACHE_URL"),
        }
        if env("CUSTOS_CACHE_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

CUSTOS_AUDIT_RETENTION_DAYS = envint("CUSTOS_AUDIT_RETENTION_DAYS", 2557)  # ~7 years
# Governed query gateway limits.
CUSTOS_QUERY_MAX_ROWS = envint("CUSTOS_QUERY_MAX_ROWS", 10_000)
CUSTOS_QUERY_TIMEOUT_SECONDS = envint("CUSTOS_QUERY_TIMEOUT_SECONDS", 30)
EMAIL_BACKEND = env("CUSTOS_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("CUSTOS_FROM_EMAIL", "custos@localhost")
CUSTOS_METRICS_TOKEN = env("CUSTOS_METRICS_TOKEN")
CUSTOS_TOKEN_DEFAULT_DAYS = envint("CUSTOS_TOKEN_DEFAULT_DAYS", 90)
CUSTOS_SEARCH_BACKEND = env("CUSTOS_SEARCH_BACKEND", "auto")
CUSTOS_MAX_SQL_CHARS = envint("CUSTOS_MAX_SQL_CHARS", 1_000_000)

LOG_LEVEL = env("CUSTOS_LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "custos.logging.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "custos.logging.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request"],
            "formatter": env("CUSTOS_LOG_FORMAT", "plain"),
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "presidio-analyzer": {"level": "WARNING"},
        "presidio-anonymizer": {"level": "WARNING"},
    },
}

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
