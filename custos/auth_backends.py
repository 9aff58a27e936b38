"""Password authentication with brute-force throttling (per username and per client IP).

After ``CUSTOS_LOGIN_MAX_FAILURES`` failures within ``CUSTOS_LOGIN_LOCKOUT_SECONDS`` the
username (and, separately, the IP) is locked out for that window; the form shows the same
generic error, so an attacker learns nothing. Uses the Django cache (Redis in production
via ``CUSTOS_CACHE_URL`` so all web nodes share the counters).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


def _keys(request: HttpRequest | None, username: str | None) -> list[str]:
    keys = [f"custos:login-fail:user:{(username or '').strip().lower()}"]
    ip = request.META.get("REMOTE_ADDR") if request is not None else None
    if ip:
        keys.append(f"custos:login-fail:ip:{ip}")
    return keys


def is_locked_out(request: HttpRequest | None, username: str | None) -> bool:
    limit = settings.CUSTOS_LOGIN_MAX_FAILURES
    # An IP gets a larger budget than one username (offices share NAT addresses).
    return any(
        (cache.get(key) or 0) >= (limit * 5 if ":ip:" in key else limit)
        for key in _keys(request, username)
    )


class ThrottledModelBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username is None:
            username = kwargs.get("username")
        if is_locked_out(request, username):
            raise PermissionDenied("too many failed sign-in attempts")  # stops other backends too
        user = super().authenticate(request, username=username, password=password, **kwargs)
        window = settings.CUSTOS_LOGIN_LOCKOUT_SECONDS
        for key in _keys(request, username):
            if user is None:
                cache.add(key, 0, window)
                try:
                    cache.incr(key)
                except ValueError:
                    cache.set(key, 1, window)
            elif ":user:" in key:
                cache.delete(key)
        return user
