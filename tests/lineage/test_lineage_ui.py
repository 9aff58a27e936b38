"""The lineage graph on the table page, in a real browser (system chromium)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e import conftest as e2e

# the browser fixtures of tests/e2e (system chromium, fast demo copy, real login form)
browser_type_launch_args = e2e.browser_type_launch_args
_demo_template = e2e._demo_template
demo_sqlite = e2e.demo_sqlite
page = e2e.page
login = e2e.login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

MART = "air.airline.main.mart_marketing_contacts"


def test_table_page_draws_the_graph_expands_columns_and_highlights_a_path(
    live_server: Any, login: Callable[[str], Page], alice: Any, lineage_air: Any
) -> None:
    browser = login("alice")
    errors: list[str] = []
    browser.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    browser.goto(f"{live_server.url}/assets/{MART}/")
    section = browser.locator("#lineage")
    expect(section.locator("[data-lineage-status]")).to_contain_text("tables")
    expect(section.locator("svg g.lg-node.root")).to_have_count(1)
    # depth 2 upstream: the view and raw tables, downstream: the hashed/aggregated marts
    expect(section.locator("svg g.lg-node text.title", has_text="stg_passengers")).to_have_count(1)
    expect(section.locator("svg g.lg-node text.title", has_text="raw_passengers")).to_have_count(1)
    # the root is expanded: its columns are rows; click email to highlight its path
    section.locator("svg g.col", has_text="email").first.click()
    expect(section.locator("svg.highlighting")).to_have_count(1)
    expect(section.locator("svg g.col.on", has_text="email").first).to_be_visible()
    assert section.locator("svg path.lg-edge.on").count() >= 2
    section.get_by_role("button", name="Clear highlight").click()
    expect(section.locator("svg.highlighting")).to_have_count(0)
    # depth control refetches
    section.get_by_label("Depth").select_option("1")
    expect(section.locator("svg g.lg-node text.title", has_text="raw_passengers")).to_have_count(0)
    section.get_by_role("button", name="Show columns").click()
    assert section.locator("svg g.col").count() > 5
    expect(section.locator("[data-lineage-list] li").first).to_contain_text("→")
    assert not errors, errors


def test_victor_sees_hidden_boxes_without_names(
    live_server: Any, login: Callable[[str], Page], victor_granted: Any, lineage_air: Any
) -> None:
    browser = login("victor")
    browser.goto(f"{live_server.url}/assets/{MART}/")
    section = browser.locator("#lineage")
    expect(section.locator("[data-lineage-status]")).to_contain_text("hidden")
    assert section.locator("svg g.lg-node.hidden").count() >= 1
    assert "stg_passengers" not in section.inner_html()
