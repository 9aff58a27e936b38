"""PII propagation along column lineage: carried by identity/expression/case, stopped by
aggregate/count/hash with the reason, never along join keys or filters."""

from __future__ import annotations

from privacy.propagation import Propagated, Stopped, propagate

RAW = "air.db.raw.passengers"
STG = "air.db.stg.passengers"
MART = "air.db.mart.p360"


def by_fqn(results: list[Propagated | Stopped]) -> dict[tuple[str, str], Propagated | Stopped]:
    return {(r.fqn, r.entity): r for r in results}


def test_identity_and_expression_carry_with_decaying_confidence() -> None:
    edges = [
        (f"{RAW}.email", f"{STG}.email", "identity"),
        (f"{STG}.email", f"{MART}.email_lower", "expression"),
        (f"{MART}.email_lower", f"{MART}.contact", "case"),
    ]
    out = by_fqn(propagate(edges, {f"{RAW}.email": "EMAIL_ADDRESS"}))
    stg = out[(f"{STG}.email", "EMAIL_ADDRESS")]
    assert isinstance(stg, Propagated) and stg.hops == 1 and stg.confidence == 1.0
    lower = out[(f"{MART}.email_lower", "EMAIL_ADDRESS")]
    assert isinstance(lower, Propagated) and lower.confidence == 0.9
    contact = out[(f"{MART}.contact", "EMAIL_ADDRESS")]
    assert isinstance(contact, Propagated)
    assert contact.path == (
        f"{RAW}.email",
        f"{STG}.email",
        f"{MART}.email_lower",
        f"{MART}.contact",
    )
    assert contact.hops == 3 and contact.confidence == round(0.9 * 0.85, 4)
    assert contact.transforms == ("identity", "expression", "case")


def test_stops_at_aggregate_count_and_hash_with_reason() -> None:
    edges = [
        (f"{RAW}.email", f"{MART}.email_md5", "hash"),
        (f"{RAW}.email", f"{MART}.n_passengers", "count"),
        (f"{RAW}.birth_date", f"{MART}.min_birth", "aggregate"),
        (f"{MART}.email_md5", f"{MART}.downstream", "identity"),
    ]
    seeds = {f"{RAW}.email": "EMAIL_ADDRESS", f"{RAW}.birth_date": "DATE_OF_BIRTH"}
    out = by_fqn(propagate(edges, seeds))
    hashed = out[(f"{MART}.email_md5", "EMAIL_ADDRESS")]
    assert isinstance(hashed, Stopped) and hashed.transform == "hash"
    assert "hashed" in hashed.reason and hashed.via == f"{RAW}.email"
    counted = out[(f"{MART}.n_passengers", "EMAIL_ADDRESS")]
    assert isinstance(counted, Stopped) and counted.reason == "only counted"
    aggregated = out[(f"{MART}.min_birth", "DATE_OF_BIRTH")]
    assert isinstance(aggregated, Stopped) and "aggregated" in aggregated.reason
    # nothing flows beyond a stop
    assert (f"{MART}.downstream", "EMAIL_ADDRESS") not in out


def test_join_keys_and_filters_carry_nothing() -> None:
    edges = [
        (f"{RAW}.email", f"{MART}.total", "filter"),
        (f"{RAW}.email", f"{MART}.booking_id", "join_key"),
    ]
    assert propagate(edges, {f"{RAW}.email": "EMAIL_ADDRESS"}) == []


def test_a_second_clear_path_wins_over_a_stop() -> None:
    edges = [
        (f"{RAW}.phone", f"{MART}.phone", "hash"),
        (f"{RAW}.phone", f"{STG}.phone", "identity"),
        (f"{STG}.phone", f"{MART}.phone", "expression"),
    ]
    out = by_fqn(propagate(edges, {f"{RAW}.phone": ["PHONE_NUMBER"]}))
    assert isinstance(out[(f"{MART}.phone", "PHONE_NUMBER")], Propagated)


def test_cycles_terminate_and_seeds_are_not_reported() -> None:
    edges = [
        ("a.x", "b.x", "identity"),
        ("b.x", "c.x", "identity"),
        ("c.x", "a.x", "identity"),
        ("c.x", "c.x", "identity"),
    ]
    out = propagate(edges, {"a.x": "PERSON"})
    assert sorted(r.fqn for r in out) == ["b.x", "c.x"]


def test_seed_confidence_and_unknown_transforms() -> None:
    edges = [("a.x", "b.x", "expression"), ("a.x", "c.x", "teleport")]
    out = by_fqn(propagate(edges, {"a.x": "PERSON"}, confidence={"a.x": 0.8}))
    b = out[("b.x", "PERSON")]
    assert isinstance(b, Propagated) and b.confidence == 0.72
    c = out[("c.x", "PERSON")]
    assert isinstance(c, Stopped) and "unknown transform" in c.reason


def test_max_hops_bounds_long_chains() -> None:
    edges = [(f"t.c{i}", f"t.c{i + 1}", "identity") for i in range(50)]
    out = propagate(edges, {"t.c0": "PERSON"}, max_hops=5)
    assert max(r.hops for r in out if isinstance(r, Propagated)) == 5
