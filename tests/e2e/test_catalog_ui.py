"""What a user sees and does in the catalog UI, in a real browser.

Personas come from tests/conftest.py (password ``pw-<name>``); ``catalog_source`` is the
small Custos Air demo ingested as source ``air``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

# serialized_rollback: rows made by data migrations (e.g. custom permissions) survive the
# flush that live_server tests need between tests.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TABLE = "air.airline.main.raw_passengers"


def _classify(fqn: str, entity: str) -> None:
    """Test data: a confirmed PII classification (the privacy scan will make these)."""
    from catalog import search
    from catalog.models import Asset, Classification

    column = Asset.objects.get(fqn=fqn)
    Classification.objects.create(asset=column, entity=entity, source="detected", confidence=0.93)
    search.index_assets([column])


def test_login_shows_an_error_for_a_bad_password_and_lands_home_with_a_good_one(
    live_server: Any, page: Page, alice: Any
) -> None:
    page.goto(f"{live_server.url}/search/?q=email")
    expect(page).to_have_url(re.compile(r"/login/\?next="))
    expect(page.get_by_text("Sign in to see that page.")).to_be_visible()

    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong username or password")
    expect(page.get_by_label("Username")).to_have_value("alice")  # not retyped

    page.get_by_label("Password").fill("pw-alice")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/search/\?q=email$"))  # back where alice wanted
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("pw-alice")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Find and govern your data")).to_be_visible()
    expect(page.locator(".whoami")).to_contain_text("alice")
    expect(page.locator(".whoami")).to_contain_text("Analyst")


def test_search_facets_narrow_results_and_lead_to_the_table_page(
    login: Callable[[str], Page], live_server: Any, catalog_source: Any
) -> None:
    _classify(f"{TABLE}.email", "EMAIL_ADDRESS")
    page = login("admin")
    page.get_by_label("Search tables, columns and glossary terms").fill("email")
    page.get_by_role("button", name="Search").click()

    hits = page.locator("ol.hits > li")
    expect(page.locator("#results-title")).to_contain_text("for “email”")
    first = hits.first
    expect(first.locator(".hit-name")).to_have_text("email")  # exact name matches first
    expect(first.locator(".chip.exact")).to_be_visible()

    # Facets: pick the classification, then the type; both show as removable filters.
    facets = page.locator(".facets")
    facets.locator("[data-facet=classification]", has_text="EMAIL_ADDRESS").click()
    expect(hits).to_have_count(1)
    expect(hits.first.locator(".fqn")).to_have_text(f"{TABLE}.email")
    active = page.locator("[data-active-filter]")
    expect(active).to_have_text([re.compile("classification: EMAIL_ADDRESS")])
    facets.locator("[data-facet=type]", has_text="Columns").click()
    expect(active).to_have_count(2)
    expect(facets.locator("[data-facet=type].active")).to_have_text(re.compile("Columns"))
    page.locator("[data-active-filter=classification]").click()  # remove one filter
    expect(active).to_have_count(1)
    expect(page.locator("ol.hits > li[data-type=column]")).to_have_count(hits.count())
    assert hits.count() > 1
    expect(facets.locator("[data-facet=source]", has_text="air")).to_be_visible()

    # Exact table name first, then the table page.
    page.get_by_label("Search tables, columns and glossary terms").fill("raw_passengers")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Clear all filters").click()
    expect(hits.first.locator(".hit-name")).to_have_text("raw_passengers")
    hits.first.locator(".hit-name").click()

    expect(page).to_have_url(f"{live_server.url}/assets/{TABLE}/")
    crumbs = page.get_by_role("navigation", name="Breadcrumb")
    expect(crumbs.get_by_role("listitem")).to_have_text(
        ["air", "airline", "main", "raw_passengers"]
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text("raw_passengers")
    columns = page.locator("#columns tbody tr")
    expect(columns).to_have_count(15)
    expect(page.locator("tr[data-column=passenger_id] .chip.key")).to_have_text("PK")
    expect(page.locator("tr[data-column=email] .chip.pii")).to_contain_text("EMAIL_ADDRESS")
    expect(page.locator(".facts")).to_contain_text("1 PII column")
    drift = page.locator("#drift")
    expect(drift.get_by_role("row", name=re.compile("Table added"))).to_be_visible()
    # Lineage and Access sections are there and lead somewhere (API or their own pages).
    expect(page.locator("#lineage a").first).to_have_attribute("href", re.compile("lineage"))
    expect(page.locator("#access a").first).to_have_attribute("href", re.compile("access"))

    # A foreign key chip leads to the referenced table.
    page.goto(f"{live_server.url}/assets/air.airline.main.raw_bookings/")
    page.locator("tr[data-column=passenger_id] a.chip.key").click()
    expect(page).to_have_url(f"{live_server.url}/assets/{TABLE}.passenger_id/")
    expect(page.locator(".facts")).to_contain_text("primary key")


def test_steward_edits_a_description_inline_and_it_persists_with_history(
    login: Callable[[str], Page], live_server: Any, catalog_source: Any, sam: Any
) -> None:
    page = login("sam")
    page.goto(f"{live_server.url}/assets/{TABLE}/")
    box = page.locator("#description")
    expect(box).not_to_contain_text("One row per passenger")
    box.get_by_role("link", name="Edit description of raw_passengers").click()

    editor = page.get_by_label("Description", exact=True)
    expect(editor).to_be_focused()
    editor.fill("One row per passenger, as booked.\nSource of truth for contact details.")
    page.get_by_role("button", name="Save description").click()
    expect(page.locator("#description[data-saved]")).to_contain_text("One row per passenger")
    expect(page).to_have_url(f"{live_server.url}/assets/{TABLE}/")  # no navigation

    page.reload()
    expect(page.locator("#description")).to_contain_text("Source of truth for contact details.")
    expect(page.locator("#history")).to_contain_text(
        "sam changed the description to “One row per passenger"
    )
    # Escape cancels an edit without saving.
    page.get_by_role("link", name="Edit description of raw_passengers").click()
    page.get_by_label("Description", exact=True).fill("discarded")
    page.keyboard.press("Escape")
    expect(page.locator("#description")).to_contain_text("One row per passenger")
    page.reload()
    expect(page.locator("#description")).not_to_contain_text("discarded")


def test_analyst_sees_the_catalog_but_cannot_edit(
    login: Callable[[str], Page], live_server: Any, catalog_source: Any, alice: Any
) -> None:
    page = login("alice")
    page.goto(f"{live_server.url}/assets/{TABLE}/")
    expect(page.locator("#columns tbody tr")).to_have_count(15)
    expect(page.get_by_role("link", name=re.compile("Edit description"))).to_have_count(0)
    expect(page.get_by_role("button", name="Add owner")).to_have_count(0)
    expect(page.get_by_role("button", name="Add tag")).to_have_count(0)


def test_viewer_sees_only_granted_tables_and_gets_404_elsewhere(
    login: Callable[[str], Page], live_server: Any, victor_granted: Any
) -> None:
    page = login("victor")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Tables").click()
    names = page.locator("ol.hits .hit-name")
    expect(names.first).to_be_visible()
    assert names.all_inner_texts()
    assert all(n.startswith("mart_") for n in names.all_inner_texts()), names.all_inner_texts()

    page.goto(f"{live_server.url}/search/?q=passengers")
    expect(page.locator("ol.hits")).not_to_contain_text("raw_passengers")

    response = page.goto(f"{live_server.url}/assets/{TABLE}/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("passenger_id")

    page.goto(f"{live_server.url}/assets/air.airline.main.mart_passenger_360/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("mart_passenger_360")
    expect(page.get_by_role("link", name=re.compile("Edit description"))).to_have_count(0)


def test_steward_creates_a_term_and_links_a_column(
    login: Callable[[str], Page], live_server: Any, catalog_source: Any, sam: Any
) -> None:
    page = login("sam")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Glossary").click()
    expect(page.locator("#terms")).to_contain_text("No terms yet.")
    page.get_by_role("link", name="New term").click()
    page.get_by_label("Name").fill("Contact Email")
    page.get_by_label("Definition").fill("Where we write to a passenger.")
    page.get_by_label("Synonyms").fill("e-mail, email address")
    page.get_by_label("Status").select_option("approved")
    page.get_by_role("button", name="Create term").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Contact Email")
    expect(page.locator(".messages [role=status]")).to_contain_text("Created Contact Email.")
    expect(page.locator("#linked")).to_contain_text("Not linked to any column or table yet.")

    link = page.get_by_label("Link a column or table")
    link.fill("air.airline.main.no_such_table.email")
    page.get_by_role("button", name="Link", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("no_such_table")

    page.get_by_label("Link a column or table").fill(f"{TABLE}.email")
    page.get_by_role("button", name="Link", exact=True).click()
    expect(page.locator("#linked li")).to_have_count(1)
    page.locator("#linked").get_by_role("link", name="email").click()

    expect(page).to_have_url(f"{live_server.url}/assets/{TABLE}.email/")
    expect(page.locator("#glossary-links")).to_contain_text("Contact Email")
    expect(page.locator("#history")).to_contain_text("linked glossary term Contact Email")
    # The term is searchable and its column shows it on the table page.
    page.goto(f"{live_server.url}/assets/{TABLE}/")
    expect(page.locator("tr[data-column=email] .chip.term")).to_have_text("Contact Email")
    page.goto(f"{live_server.url}/search/?q=contact")
    expect(page.locator("ol.hits li[data-type=term] .hit-name")).to_have_text("Contact Email")


def test_steward_assigns_and_removes_an_owner(
    login: Callable[[str], Page], live_server: Any, catalog_source: Any, sam: Any, alice: Any
) -> None:
    page = login("sam")
    page.goto(f"{live_server.url}/assets/{TABLE}/")
    owners = page.locator("#owners")
    expect(owners).to_contain_text("No owner assigned.")

    owners.get_by_label("Add a user, or group:Name").fill("ghost")
    owners.get_by_role("button", name="Add owner").click()
    expect(page.get_by_role("alert")).to_contain_text("No user named 'ghost'")

    owners.get_by_label("Add a user, or group:Name").fill("alice")
    owners.get_by_label("Role").select_option("steward")
    owners.get_by_role("button", name="Add owner").click()
    expect(page.locator(".messages [role=status]")).to_contain_text("Added alice as steward.")
    expect(owners.locator("ul.people li")).to_have_text([re.compile(r"alice\s+Steward")])
    expect(page.locator("#history")).to_contain_text("sam added alice as steward")

    # Ownership is searchable.
    page.goto(f"{live_server.url}/search/?owner=alice")
    expect(page.locator("ol.hits .hit-name")).to_have_text(["raw_passengers"])
    expect(page.locator("[data-active-filter=owner]")).to_contain_text("alice")

    page.goto(f"{live_server.url}/assets/{TABLE}/")
    owners.get_by_role("button", name="Remove alice as steward").click()
    expect(owners).to_contain_text("No owner assigned.")


def test_sources_page_shows_runs_and_starts_an_ingestion(
    login: Callable[[str], Page], live_server: Any, catalog_source: Any
) -> None:
    page = login("admin")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sources").click()
    row = page.locator("#sources tbody tr", has_text="air")
    expect(row).to_contain_text("Succeeded")
    row.get_by_role("link", name="air").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("air")
    runs = page.locator("#runs tbody tr")
    expect(runs).to_have_count(1)
    expect(runs.first).to_contain_text("Succeeded")
    expect(runs.first).to_contain_text("22 tables")
    page.get_by_role("button", name="Ingest now").click()
    expect(page.locator(".messages [role=status]").first).to_contain_text(
        "Ingestion of air started"
    )
    page.reload()
    expect(runs).to_have_count(2)
    expect(runs.first).to_contain_text("Succeeded")
    expect(runs.first).to_contain_text("admin")
