"""Brute-force protection on sign-in."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()


def test_lockout_after_repeated_failures_even_with_right_password(
    client: Any, alice: Any, settings: Any
) -> None:
    settings.CUSTOS_LOGIN_MAX_FAILURES = 3
    for _ in range(3):
        resp = client.post("/login/", {"username": "alice", "password": "wrong"})
        assert resp.status_code == 200
        assert not resp.wsgi_request.user.is_authenticated
    resp = client.post("/login/", {"username": "alice", "password": "pw-alice"})
    assert not resp.wsgi_request.user.is_authenticated, "locked out for the window"
    cache.clear()
    resp = client.post("/login/", {"username": "alice", "password": "pw-alice"}, follow=True)
    assert resp.wsgi_request.user.is_authenticated


def test_success_resets_the_user_counter(client: Any, alice: Any, settings: Any) -> None:
    settings.CUSTOS_LOGIN_MAX_FAILURES = 3
    client.post("/login/", {"username": "alice", "password": "wrong"})
    client.post("/login/", {"username": "alice", "password": "wrong"})
    client.post("/login/", {"username": "alice", "password": "pw-alice"})
    client.logout()
    client.post("/login/", {"username": "alice", "password": "wrong"})
    resp = client.post("/login/", {"username": "alice", "password": "pw-alice"}, follow=True)
    assert resp.wsgi_request.user.is_authenticated
