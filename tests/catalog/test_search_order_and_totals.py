"""Search stays bounded at scale: the ordering it guarantees and the totals it reports.

The catalog here is small, so the caps are lowered (``TOTAL_CAP``, ``MAX_RESULTS``) to
push searches down the paths a million-column catalog takes.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog import search, services
from catalog.models import Asset

pytestmark = pytest.mark.django_db


def _tier(name: str, q: str) -> int:
    name = name.lower()
    return 0 if name == q else 1 if name.startswith(q) else 2


def _ids(result: search.SearchResult) -> list[int]:
    return [e.id for e in result.entries]


def test_exact_names_then_names_by_prefix_then_other_matches(
    alice: Any, catalog_source: Any
) -> None:
    result = search.search(alice, "flight", limit=500)
    tiers = [_tier(e.name, "flight") for e in result.entries]
    assert tiers == sorted(tiers)
    assert {1, 2} <= set(tiers)  # flight_id..., then raw_flights and its columns
    by_prefix = [(e.name.lower(), len(e.fqn)) for e in result.entries if _tier(e.name, "flight")]
    assert by_prefix[: tiers.count(1)] == sorted(by_prefix[: tiers.count(1)])

    exact = search.search(alice, "Email", limit=500).entries
    named = [e for e in exact if e.name == "email"]
    assert len(named) >= 3 and exact[: len(named)] == named
    assert [len(e.fqn) for e in named] == sorted(len(e.fqn) for e in named)  # shortest path first


def test_total_is_exact_below_the_cap(alice: Any, catalog_source: Any) -> None:
    result = search.search(alice, "flight", limit=500)
    assert result.total == len(result.entries) > 10
    assert not result.total_is_lower_bound


def test_total_past_the_cap_is_a_lower_bound_and_the_page_is_unchanged(
    alice: Any, catalog_source: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    full = search.search(alice, "flight", limit=500)
    monkeypatch.setattr(search, "TOTAL_CAP", 4)
    capped = search.search(alice, "flight", limit=3)
    assert capped.total == 4
    assert capped.total_is_lower_bound
    # names starting with "flight" come from the name index, in the same order as uncapped
    assert _ids(capped) == _ids(full)[:3]
    exact = search.search(alice, "email", limit=3)
    assert exact.total_is_lower_bound
    assert _ids(exact) == _ids(search.search(alice, "email", limit=500))[:3]


def test_an_exact_name_leads_even_when_it_is_not_among_the_matches_read(
    admin: Any, alice: Any, catalog_source: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    term = services.create_term(actor=admin, name="Flight", definition="A scheduled trip")
    monkeypatch.setattr(search, "TOTAL_CAP", 2)  # the term's entry is the newest: read last
    result = search.search(alice, "flight", limit=5)
    assert result.total_is_lower_bound
    assert result.entries[0].term_id == term.id
    tiers = [_tier(e.name, "flight") for e in result.entries]
    assert tiers == sorted(tiers)


@pytest.mark.parametrize("cap", [2, 1000])
def test_restricted_users_never_see_more_whatever_the_path(
    victor_granted: Any, monkeypatch: pytest.MonkeyPatch, cap: int
) -> None:
    monkeypatch.setattr(search, "TOTAL_CAP", cap)
    visible = set(Asset.objects.restrict(victor_granted, "view").values_list("id", flat=True))
    for q in ["passenger", "email", "passenger_id", "mart", ""]:
        result = search.search(victor_granted, q, limit=50)
        assert result.entries, q
        assert {e.asset_id for e in result.entries if e.asset_id} <= visible, q


def test_pages_follow_each_other(alice: Any, catalog_source: Any) -> None:
    whole = search.search(alice, "passenger", limit=60)
    pages = [search.search(alice, "passenger", limit=7, offset=o) for o in range(0, 63, 7)]
    assert [i for page in pages for i in _ids(page)] == _ids(whole)
    assert {page.total for page in pages} == {whole.total}


def test_a_page_past_the_cap_reads_and_counts_that_far(
    alice: Any, catalog_source: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    full = search.search(alice, "passenger", limit=500)
    assert full.total > 12
    monkeypatch.setattr(search, "TOTAL_CAP", 3)
    page = search.search(alice, "passenger", limit=4, offset=8)
    assert len(page.entries) == 4
    assert page.total == 12
    assert page.total_is_lower_bound


def test_results_past_max_results_are_not_served(
    alice: Any, catalog_source: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "TOTAL_CAP", 3)
    monkeypatch.setattr(search, "MAX_RESULTS", 5)
    beyond = search.search(alice, "passenger", limit=10, offset=5)
    assert beyond.entries == []
    assert beyond.total == 5
    assert beyond.total_is_lower_bound
    assert len(search.search(alice, "passenger", limit=10).entries) == 5


def test_browsing_without_a_query_lists_shortest_paths_first(
    alice: Any, catalog_source: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    browse = search.search(alice, "", limit=500)
    assert [len(e.fqn) for e in browse.entries] == sorted(len(e.fqn) for e in browse.entries)
    assert browse.entries[0].fqn == "air"
    monkeypatch.setattr(search, "TOTAL_CAP", 3)
    capped = search.search(alice, "", limit=10)
    assert capped.total_is_lower_bound
    assert _ids(capped) == _ids(browse)[:10]


def test_list_filters_match_whole_values(admin: Any, alice: Any, catalog_source: Any) -> None:
    column = Asset.objects.get(fqn="air.airline.main.raw_passengers.email")
    services.add_tag(actor=admin, asset=column, tag="pii")
    services.add_owner(actor=admin, asset=column, user="alice", role="steward")
    assert [e.fqn for e in search.search(alice, "", tag="pii").entries] == [column.fqn]
    assert [e.fqn for e in search.search(alice, "email", owner="alice").entries] == [column.fqn]
    for near_miss in ["p_i", "pi", "%", "pii|", "PII_"]:
        assert search.search(alice, "", tag=near_miss).total == 0, near_miss
    assert search.search(alice, "", owner="ali%").total == 0


def test_facets_count_the_matches_the_total_counts(
    alice: Any, catalog_source: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = search.search(alice, "passenger", with_facets=True)
    assert sum(result.facets["type"].values()) == result.total
    monkeypatch.setattr(search, "TOTAL_CAP", 3)
    capped = search.search(alice, "passenger", limit=2, with_facets=True)
    assert capped.total_is_lower_bound
    assert sum(capped.facets["type"].values()) == capped.total == 3


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    q=st.text(max_size=40) | st.sampled_from(["_", "__a", "a_", "id", "é_ü", "x" * 300, "em\0ail"])
)
def test_any_query_text_is_answered(alice: Any, catalog_source: Any, q: str) -> None:
    result = search.search(alice, q, limit=5)
    assert result.total >= len(result.entries)


def test_filters_with_odd_text_match_nothing(alice: Any, catalog_source: Any) -> None:
    for value in ["\0", "a\0b", "'", "|", "%_\\"]:
        assert search.search(alice, "email", tag=value, owner=value).total == 0
        assert search.search(alice, "", classification=value, source=value).total == 0
        assert search.search(alice, "email", type=value).total == 0
    assert search.search(alice, "email", type=" , ").total == search.search(alice, "email").total
