"""Issuing, checking and revoking API tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

import audit.services as audit
from access.models import ApiToken
from custos.errors import ValidationFailed

PREFIX = "cst_"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(*, user: Any, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """Create a token; returns it and the plain token string (shown once)."""
    if not name or len(name) > 100:
        raise ValidationFailed("Token name must be 1-100 characters.", details={"field": "name"})
    days = settings.CUSTOS_TOKEN_DEFAULT_DAYS if days is None else days
    if days < 0 or days > 3650:
        raise ValidationFailed("Token lifetime must be 0-3650 days (0 = never expires).")
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=prefix,
            secret_hash=_hash(secret),
            expires_at=timezone.now() + timedelta(days=days) if days else None,
        )
        audit.record(
            action="auth.token.create",
            obj=token,
            object_repr=f"{user.get_username()}:{name}",
            changes={"name": name, "expires_at": token.expires_at, "user": user.get_username()},
        )
    return token, f"{PREFIX}{prefix}_{secret}"


def revoke_token(*, token: ApiToken) -> ApiToken:
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(action="auth.token.revoke", obj=token, object_repr=str(token))
    return token


def check_token(raw: str) -> ApiToken | None:
    """The active token matching ``raw``, or None (constant-time secret comparison)."""
    if not raw.startswith(PREFIX):
        return None
    try:
        prefix, secret = raw[len(PREFIX) :].split("_", 1)
    except ValueError:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.secret_hash, _hash(secret)):
        return None
    if not token.is_active or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
