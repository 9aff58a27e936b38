"""REST lineage queries: graph (directions, depth, level, transform filter), hidden hops,
impact analysis, paths, and 4xx JSON errors."""

from __future__ import annotations

from typing import Any

from guardian.shortcuts import assign_perm

from catalog.models import Asset, Ownership

AIR = "air.airline.main"
EMAIL = f"{AIR}.raw_passengers.email"


def _graph(client: Any, fqn: str, **params: Any) -> dict[str, Any]:
    resp = client.get(f"/api/v1/lineage/{fqn}", params)
    assert resp.status_code == 200, resp.content
    return resp.json()


def _fqns(body: dict[str, Any]) -> set[str]:
    return {n["fqn"] for n in body["nodes"] if "fqn" in n}


def test_column_downstream_follows_email_to_the_marts(
    api: Any, alice: Any, lineage_air: Any
) -> None:
    body = _graph(api(alice), EMAIL, direction="down", depth=5)
    assert body["level"] == "column"
    fqns = _fqns(body)
    assert f"{AIR}.stg_passengers.email" in fqns
    assert f"{AIR}.mart_marketing_contacts.email" in fqns
    assert f"{AIR}.mart_passenger_360.email" in fqns
    root = next(n for n in body["nodes"] if n["fqn"] == EMAIL)
    assert root["depth"] == 0 and root["type"] == "column" and root["name"] == "email"
    edge = next(
        e
        for e in body["edges"]
        if e["source"] == EMAIL and e["target"] == f"{AIR}.stg_passengers.email"
    )
    assert edge["transform"] == "expression" and edge["confidence"] == 1.0
    assert {p["kind"] for p in edge["provenance"]} >= {"view"}
    # nothing upstream of a raw column
    assert all(n["depth"] >= 0 for n in body["nodes"])


def test_depth_limits_the_walk(api: Any, alice: Any, lineage_air: Any) -> None:
    one = _graph(api(alice), EMAIL, direction="down", depth=1)
    assert {n["depth"] for n in one["nodes"]} == {0, 1}
    deep = _graph(api(alice), EMAIL, direction="down", depth=3)
    assert len(deep["nodes"]) > len(one["nodes"])


def test_upstream_and_both_directions(api: Any, alice: Any, lineage_air: Any) -> None:
    target = f"{AIR}.mart_marketing_contacts.email"
    up = _graph(api(alice), target, direction="up", depth=3)
    assert EMAIL in _fqns(up)
    assert all(n["depth"] <= 0 for n in up["nodes"])
    middle = f"{AIR}.stg_passengers.email"
    both = _graph(api(alice), middle, direction="both", depth=1)
    depths = {n["fqn"]: n["depth"] for n in both["nodes"]}
    assert depths[EMAIL] == -1 and depths[target] == 1


def test_table_level_graph(api: Any, alice: Any, lineage_air: Any) -> None:
    body = _graph(api(alice), f"{AIR}.mart_passenger_360", direction="up", depth=2)
    assert body["level"] == "table"
    assert {f"{AIR}.stg_passengers", f"{AIR}.stg_bookings", f"{AIR}.raw_loyalty_accounts"} <= _fqns(
        body
    )
    assert f"{AIR}.raw_passengers" in _fqns(body)  # two hops, through the view
    edge = next(e for e in body["edges"] if e["source"] == f"{AIR}.stg_passengers")
    assert "identity" in edge["transforms"] and edge["transform"] == "identity"
    # a column's graph at table level starts from its table
    as_table = _graph(api(alice), EMAIL, level="table", direction="down", depth=1)
    assert f"{AIR}.raw_passengers" in _fqns(as_table) and as_table["level"] == "table"


def test_table_at_column_level_starts_from_all_its_columns(
    api: Any, alice: Any, lineage_air: Any
) -> None:
    body = _graph(api(alice), f"{AIR}.stg_passengers", level="column", direction="up", depth=1)
    assert {n["fqn"] for n in body["nodes"] if n["depth"] == -1} >= {
        EMAIL,
        f"{AIR}.raw_passengers.phone",
    }
    assert all(n["type"] == "column" for n in body["nodes"])
    assert all(n["table"].startswith(AIR) for n in body["nodes"])


def test_transform_filter(api: Any, alice: Any, lineage_air: Any) -> None:
    source = f"{AIR}.mart_marketing_contacts.email"
    hashed = _graph(
        api(alice),
        f"{AIR}.stg_passengers.date_of_birth",
        direction="down",
        depth=2,
        transform="identity",
    )
    assert {e["transform"] for e in hashed["edges"]} <= {"identity"}
    everything = _graph(
        api(alice), f"{AIR}.stg_passengers.date_of_birth", direction="down", depth=2
    )
    assert "case" in {e["transform"] for e in everything["edges"]}
    assert len(everything["edges"]) > len(hashed["edges"])
    only_filters = _graph(api(alice), source, direction="up", depth=1, transform="filter,join_key")
    assert {e["transform"] for e in only_filters["edges"]} <= {"filter", "join_key"}


def test_hidden_hops_for_victor(api: Any, victor_granted: Any, lineage_air: Any) -> None:
    body = _graph(
        api(victor_granted), f"{AIR}.mart_marketing_contacts.email", direction="up", depth=3
    )
    hidden = [n for n in body["nodes"] if n.get("hidden")]
    assert hidden, "the staging and raw columns are invisible to victor"
    for node in hidden:
        assert set(node) == {"id", "type", "hidden", "depth"}
        assert node["type"] == "hidden" and node["id"].startswith("hidden-")
    text = resp_text = str(body)
    assert "raw_passengers" not in text and "stg_passengers" not in resp_text
    # edges touching hidden nodes keep their kind but only the provenance kind
    for edge in body["edges"]:
        if edge["source"].startswith("hidden-") or edge["target"].startswith("hidden-"):
            assert all(set(p) == {"kind", "seen_at"} for p in edge["provenance"])
    # the walk goes *through* hidden hops: mart_passenger_360 feeds marts he can see
    down = _graph(api(victor_granted), f"{AIR}.mart_passenger_360", direction="down", depth=2)
    assert f"{AIR}.mart_loyalty_status" in _fqns(down)


def test_invisible_or_unknown_start_is_404(api: Any, victor_granted: Any, lineage_air: Any) -> None:
    for fqn in (EMAIL, "air.nope.main.x", f"{AIR}.raw_passengers"):
        resp = api(victor_granted).get(f"/api/v1/lineage/{fqn}")
        assert resp.status_code == 404
        assert resp.json()["error"]["code"] == "not_found"
    assert api(victor_granted).get(f"/api/v1/lineage/impact/{EMAIL}").status_code == 404
    assert api(None).get(f"/api/v1/lineage/{EMAIL}").status_code in (401, 403)


def test_bad_parameters_are_400_json(api: Any, alice: Any, lineage_air: Any) -> None:
    client = api(alice)
    for params in (
        {"direction": "sideways"},
        {"depth": "0"},
        {"depth": "21"},
        {"depth": "deep"},
        {"level": "schema"},
        {"transform": "identity,teleport"},
    ):
        resp = client.get(f"/api/v1/lineage/{EMAIL}", params)
        assert resp.status_code == 400, params
        assert resp.json()["error"]["code"] == "validation_error"
    schema = f"/api/v1/lineage/{AIR}"
    assert client.get(schema).status_code == 404  # a schema is not a lineage node
    assert client.get("/api/v1/lineage/path", {"from": EMAIL}).status_code == 400


def test_impact_lists_columns_tables_and_owners(
    api: Any, alice: Any, sam: Any, lineage_air: Any
) -> None:
    marketing = Asset.objects.get(fqn=f"{AIR}.mart_marketing_contacts")
    Ownership.objects.create(asset=marketing, user=sam, role="owner")
    resp = api(alice).get(f"/api/v1/lineage/impact/{EMAIL}")
    assert resp.status_code == 200
    body = resp.json()
    columns = {c["fqn"]: c for c in body["columns"]}
    assert f"{AIR}.mart_marketing_contacts.email" in columns
    assert columns[f"{AIR}.stg_passengers.email"]["via"] == "expression"
    tables = {t["fqn"] for t in body["tables"]}
    assert {
        f"{AIR}.stg_passengers",
        f"{AIR}.mart_marketing_contacts",
        f"{AIR}.mart_passenger_360",
    } <= tables
    # email is also a filter of marketing contacts' rows: every column of it is affected
    assert f"{AIR}.mart_marketing_contacts.passenger_id" in columns
    owner = next(o for o in body["owners"] if o["principal"] == "sam")
    assert owner["role"] == "owner" and f"{AIR}.mart_marketing_contacts" in owner["assets"]
    assert body["hidden"] == {"columns": 0, "tables": 0}


def test_impact_counts_what_victor_cannot_see(
    api: Any, victor_granted: Any, lineage_air: Any
) -> None:
    assign_perm(
        "catalog.view_asset", victor_granted, Asset.objects.get(fqn=f"{AIR}.raw_passengers")
    )
    body = api(victor_granted).get(f"/api/v1/lineage/impact/{EMAIL}").json()
    assert body["hidden"]["columns"] > 0 and body["hidden"]["tables"] > 0
    assert "stg_passengers" not in str(body)
    assert f"{AIR}.mart_marketing_contacts.email" in {c["fqn"] for c in body["columns"]}


def test_path_between_two_columns_and_two_tables(api: Any, alice: Any, lineage_air: Any) -> None:
    target = f"{AIR}.mart_email_hashes.email_hash"
    target = f"{AIR}.mart_marketing_contacts.email"
    body = api(alice).get("/api/v1/lineage/path", {"from": EMAIL, "to": target}).json()
    assert body["found"] and body["direction"] == "down" and body["level"] == "column"
    assert body["nodes"][0]["fqn"] == EMAIL and body["nodes"][-1]["fqn"] == target
    assert body["length"] == len(body["edges"]) == 2
    back = api(alice).get("/api/v1/lineage/path", {"from": target, "to": EMAIL}).json()
    assert back["found"] and back["direction"] == "up"
    tables = (
        api(alice)
        .get(
            "/api/v1/lineage/path",
            {"from": f"{AIR}.raw_passengers", "to": f"{AIR}.mart_loyalty_status"},
        )
        .json()
    )
    assert tables["found"] and tables["level"] == "table" and tables["length"] == 3
    none = (
        api(alice)
        .get(
            "/api/v1/lineage/path",
            {"from": f"{AIR}.raw_airports", "to": f"{AIR}.mart_marketing_contacts"},
        )
        .json()
    )
    assert none["found"] is False


def test_trailing_slash_is_accepted(api: Any, alice: Any, lineage_air: Any) -> None:
    assert api(alice).get(f"/api/v1/lineage/{EMAIL}/").status_code == 200
