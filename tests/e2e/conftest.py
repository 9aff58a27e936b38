"""Browser tests: Playwright driving Debian's chromium against pytest-django's live server.

No browser is downloaded (``playwright install`` cannot work offline): the session
fixture ``browser_type_launch_args`` points Playwright at the system chromium
(``apt-get install chromium``; ``make browser`` does it).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

CHROMIUM_PATHS = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium() -> str | None:
    return next((p for p in CHROMIUM_PATHS if Path(p).exists()), None)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip (with the fix in the reason) only when chromium is truly absent."""
    if _chromium() is not None:
        return
    skip = pytest.mark.skip(reason="chromium not installed: run `make browser`")
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": _chromium(),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the small airline database once per session (about 3 s)."""
    from catalog.demo import build_airline

    path = tmp_path_factory.mktemp("e2e-demo") / "airline.db"
    build_airline(f"sqlite:///{path}", size="small", seed=7)
    return path


@pytest.fixture
def demo_sqlite(_demo_template: Path, tmp_path: Path) -> str:
    """Overrides the shared fixture: a fresh copy of the session's airline database."""
    target = tmp_path / "airline.db"
    shutil.copyfile(_demo_template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def page(page: Page) -> Iterator[Page]:
    # Generous enough for a loaded CI machine, short enough to fail fast on a real bug.
    page.set_default_timeout(20_000)
    page.set_default_navigation_timeout(30_000)
    expect.set_options(timeout=20_000)
    yield page
    # Leave the app before the database is flushed: a self-refreshing page (sources, scans)
    # must not have a request in flight while the test database is truncated (deadlock).
    page.goto("about:blank")
    page.wait_for_timeout(500)


@pytest.fixture
def login(live_server: Any, page: Page) -> Callable[[str], Page]:
    """``login("sam")`` signs the persona in through the real form (password ``pw-sam``)."""

    def sign_in(username: str) -> Page:
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(f"pw-{username}")
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator(".whoami")).to_contain_text(username)
        return page

    return sign_in
