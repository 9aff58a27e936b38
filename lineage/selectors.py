"""All lineage reads, filtered by what the acting user may see.

* The start asset must be visible to the user, else ``NotFound`` (404), like the catalog.
* The walk itself runs over the whole graph; every node the user may not see is rendered
  as ``{"id": "hidden-N", "type": "hidden", "hidden": true}`` — never its name, FQN or
  type — and edges touching it carry provenance kinds only (a reference or SQL could
  name it). So a viewer learns *that* a hop exists, never *what* it is.
* External nodes (files, uncatalogued tables) are visible to users who can see their
  source; external nodes without a source to users with the global catalog view right.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from catalog.ingest.snapshot import split_fqn
from catalog.models import Asset, AssetType, Ownership
from catalog.selectors import asset_by_fqn, visible_assets
from custos.errors import ValidationFailed
from lineage import graph
from lineage.graph import BOTH, COLUMN, DOWN, TABLE, UP, Edge, Node
from lineage.models import (
    ColumnLineageLink,
    ExternalAsset,
    TableLineageLink,
)
from lineage.sql.model import ALL_KINDS, parallel

MAX_DEPTH = 20
MAX_NODES = 5000
LINEAGE_TYPES = (AssetType.TABLE, AssetType.VIEW, AssetType.COLUMN)
MAX_PROVENANCE_PER_EDGE = 5


def lineage_root(user: Any, fqn: str) -> Asset:
    """The visible table, view or column named ``fqn`` (404 otherwise)."""
    return asset_by_fqn(user, fqn, types=LINEAGE_TYPES)


def parse_transforms(raw: str | None) -> tuple[str, ...] | None:
    if not raw:
        return None
    kinds = tuple(dict.fromkeys(k.strip() for k in raw.split(",") if k.strip()))
    unknown = [k for k in kinds if k not in ALL_KINDS]
    if unknown:
        raise ValidationFailed(
            f"Unknown transform kind(s) {', '.join(unknown)}; use {', '.join(ALL_KINDS)}.",
            details={"param": "transform"},
        )
    return kinds or None


def _starts(asset: Asset, level: str) -> list[Node]:
    if level == TABLE:
        table_id = asset.table_ref_id if asset.type == AssetType.COLUMN else asset.pk
        return [("a", table_id or asset.pk)]
    if asset.type == AssetType.COLUMN:
        return [("a", asset.pk)]
    return [
        ("a", pk)
        for pk in Asset.objects.filter(table_ref=asset, type=AssetType.COLUMN).values_list(
            "id", flat=True
        )
    ]


@dataclass
class _Renderer:
    """Turns walked nodes and edges into the API's JSON, hiding what the user may not see."""

    user: Any
    assets: dict[int, dict[str, Any]] = field(default_factory=dict)
    externals: dict[int, dict[str, Any]] = field(default_factory=dict)
    visible: set[Node] = field(default_factory=set)
    ids: dict[Node, str] = field(default_factory=dict)
    hidden_count: int = 0

    def __post_init__(self) -> None:
        self.sees_everything = bool(
            self.user.is_superuser or self.user.has_perm("catalog.view_asset")
        )

    def load(self, nodes: set[Node]) -> None:
        asset_ids = [n[1] for n in nodes if n[0] == "a"]
        ext_ids = [n[1] for n in nodes if n[0] == "x"]
        self._load_assets(asset_ids)
        # the tables of columns (and of external columns of catalogued tables), to group them
        ext_rows: list[dict[str, Any]] = [
            dict(row)
            for row in ExternalAsset.objects.filter(id__in=ext_ids).values(
                "id", "name", "kind", "source_id", "table_id", "table_asset_id"
            )
        ]
        tables = {r["table_ref_id"] for r in self.assets.values() if r["table_ref_id"]}
        tables |= {r["table_asset_id"] for r in ext_rows if r["table_asset_id"]}
        self._load_assets([t for t in tables if t not in self.assets])
        self._load_externals(ext_rows)

    def _load_assets(self, asset_ids: list[int]) -> None:
        for batch in graph.chunks(asset_ids, 2000):
            for row in Asset.objects.filter(id__in=batch).values(
                "id", "fqn", "name", "type", "table_ref_id", "deleted_at", "source_id"
            ):
                self.assets[row["id"]] = dict(row)
            if self.sees_everything:  # role-wide view: no second query
                self.visible.update(("a", pk) for pk in batch if pk in self.assets)
                continue
            restricted = Asset.objects.restrict(self.user, "view").filter(id__in=batch)
            self.visible.update(("a", pk) for pk in restricted.values_list("id", flat=True))

    def _load_externals(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            sources = set(
                visible_assets(self.user)
                .filter(type=AssetType.SOURCE)
                .values_list("source_id", flat=True)
            )
            for ext in rows:
                self.externals[ext["id"]] = dict(ext)
                if (ext["source_id"] in sources) or (
                    ext["source_id"] is None and self.sees_everything
                ):
                    self.visible.add(("x", ext["id"]))

    def node_id(self, node: Node) -> str:
        if node not in self.ids:
            if node not in self.visible:
                self.hidden_count += 1
                self.ids[node] = f"hidden-{self.hidden_count}"
            elif node[0] == "a":
                self.ids[node] = self.assets[node[1]]["fqn"]
            else:
                self.ids[node] = f"external:{node[1]}"
        return self.ids[node]

    def node(self, node: Node, depth: int | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.node_id(node)}
        if node not in self.visible:
            out.update(type="hidden", hidden=True)
        elif node[0] == "a":
            row = self.assets[node[1]]
            out.update(type=row["type"], fqn=row["fqn"], name=row["name"])
            if row["type"] == AssetType.COLUMN and row["table_ref_id"]:
                table = ("a", row["table_ref_id"])
                if table in self.visible:
                    out["table"] = self.assets[row["table_ref_id"]]["fqn"]
            if row["deleted_at"] is not None:
                out["deleted"] = True
        else:
            row = self.externals[node[1]]
            parts = split_fqn(row["name"])
            out.update(type="external", fqn=row["name"], name=parts[-1], kind=row["kind"])
            if row["kind"] == "column":
                if row["table_asset_id"] and ("a", row["table_asset_id"]) in self.visible:
                    out["table"] = self.assets[row["table_asset_id"]]["fqn"]
                elif row["table_id"]:
                    out["table"] = f"external:{row['table_id']}"
        if depth is not None:
            out["depth"] = depth
        return out

    def edges(self, edges: list[Edge], level: str) -> list[dict[str, Any]]:
        provenance = _provenance([e.id for e in edges], level)
        out = []
        for edge in edges:
            open_ = edge.source in self.visible and edge.target in self.visible
            item: dict[str, Any] = {
                "source": self.node_id(edge.source),
                "target": self.node_id(edge.target),
                "transform": edge.transform,
                "confidence": round(edge.confidence, 3),
            }
            if level == TABLE:
                item["transform"] = _strongest(edge.transforms)
                item["transforms"] = list(edge.transforms)
            item["provenance"] = [
                p if open_ else {"kind": p["kind"], "seen_at": p["seen_at"]}
                for p in provenance.get(edge.id, [])
            ]
            out.append(item)
        return out


def _strongest(kinds: tuple[str, ...]) -> str | None:
    """The kind that exposes the most of the value (parallel composition); None if none."""
    value = [k for k in kinds if k not in ("filter", "join_key")] or list(kinds)
    if not value:
        return None
    result = value[0]
    for kind in value[1:]:
        result = parallel(result, kind)
    return result


def _provenance(edge_ids: list[int], level: str) -> dict[int, list[dict[str, Any]]]:
    model = TableLineageLink if level == TABLE else ColumnLineageLink
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for batch in graph.chunks(edge_ids, 2000):
        rows = (
            model.objects.filter(edge_id__in=batch)
            .order_by("edge_id", "-provenance__seen_at")
            .values_list(
                "edge_id", "provenance__kind", "provenance__reference", "provenance__seen_at"
            )
        )
        for edge_id, kind, reference, seen_at in rows:
            if len(out[edge_id]) < MAX_PROVENANCE_PER_EDGE:
                out[edge_id].append(
                    {"kind": kind, "reference": reference, "seen_at": seen_at.isoformat()}
                )
    return out


def lineage_graph(
    user: Any,
    fqn: str,
    *,
    direction: str = BOTH,
    depth: int = 3,
    level: str | None = None,
    transforms: tuple[str, ...] | None = None,
    max_nodes: int = MAX_NODES,
) -> dict[str, Any]:
    """``{"root", "level", "direction", "depth", "nodes", "edges", "truncated"}``."""
    if direction not in (UP, DOWN, BOTH):
        raise ValidationFailed(
            "direction must be up, down or both.", details={"param": "direction"}
        )
    if level not in (None, TABLE, COLUMN):
        raise ValidationFailed("level must be table or column.", details={"param": "level"})
    if not 1 <= depth <= MAX_DEPTH:
        raise ValidationFailed(
            f"depth must be between 1 and {MAX_DEPTH}.", details={"param": "depth"}
        )
    root = lineage_root(user, fqn)
    level = level or (COLUMN if root.type == AssetType.COLUMN else TABLE)
    walked = graph.walk(
        _starts(root, level),
        level=level,
        direction=direction,
        depth=depth,
        transforms=transforms,
        max_nodes=max_nodes,
    )
    render = _Renderer(user)
    render.load(set(walked.depth))
    nodes = [render.node(n, d) for n, d in sorted(walked.depth.items(), key=lambda kv: kv[1])]
    return {
        "root": root.fqn,
        "level": level,
        "direction": direction,
        "depth": depth,
        "nodes": nodes,
        "edges": render.edges(list(walked.edges.values()), level),
        "truncated": walked.truncated,
    }


def impact(user: Any, fqn: str, *, depth: int = MAX_DEPTH) -> dict[str, Any]:
    """What depends on ``fqn`` downstream: columns, tables and whom to notify.

    Every edge kind counts (a column used only in a WHERE or JOIN still breaks the query
    that reads it). Assets the user may not see are only counted.
    """
    root = lineage_root(user, fqn)
    column_walk = graph.walk(_starts(root, COLUMN), level=COLUMN, direction=DOWN, depth=depth)
    table_walk = graph.walk(_starts(root, TABLE), level=TABLE, direction=DOWN, depth=depth)
    render = _Renderer(user)
    render.load(set(column_walk.depth) | set(table_walk.depth))
    start_columns = set(_starts(root, COLUMN))
    start_table = _starts(root, TABLE)[0]
    via: dict[Node, str] = {}
    for edge in column_walk.edges.values():
        kind = edge.transform or ""
        via[edge.target] = parallel(via[edge.target], kind) if edge.target in via else kind
    columns: list[dict[str, Any]] = []
    tables: dict[str, dict[str, Any]] = {}
    hidden_columns = hidden_tables = 0
    for node, dist in sorted(column_walk.depth.items(), key=lambda kv: kv[1]):
        if node in start_columns:
            continue
        if node not in render.visible:
            hidden_columns += 1
            continue
        item = render.node(node, dist)
        item["via"] = via.get(node)
        columns.append(item)
        table = item.get("table")
        if table and table != root.fqn:
            entry = tables.setdefault(table, {"fqn": table, "depth": dist, "columns": []})
            entry["columns"].append(item["name"])
    for node, dist in sorted(table_walk.depth.items(), key=lambda kv: kv[1]):
        if node == start_table:
            continue
        if node not in render.visible:
            hidden_tables += 1
            continue
        item = render.node(node, dist)
        entry = tables.setdefault(item["fqn"], {"fqn": item["fqn"], "depth": dist, "columns": []})
        entry.update(type=item["type"], name=item["name"], id=item["id"])
    table_rows = {
        row["fqn"]: row
        for row in Asset.objects.filter(fqn__in=list(tables)).values(
            "id", "fqn", "name", "type", "source_id", "database_ref_id", "schema_ref_id"
        )
    }
    for fqn_, entry in tables.items():
        row = table_rows.get(fqn_)
        if row:
            entry.setdefault("type", row["type"])
            entry.setdefault("name", row["name"])
        else:
            entry.setdefault("type", "external")
            entry.setdefault("name", split_fqn(fqn_)[-1])
    owners = _owners(user, table_rows.values(), [c["fqn"] for c in columns])
    return {
        "root": root.fqn,
        "type": root.type,
        "columns": columns,
        "tables": sorted(tables.values(), key=lambda t: (t["depth"], t["fqn"])),
        "owners": owners,
        "hidden": {"columns": hidden_columns, "tables": hidden_tables},
        "truncated": column_walk.truncated or table_walk.truncated,
    }


def _owners(user: Any, tables: Any, column_fqns: list[str]) -> list[dict[str, Any]]:
    """Owners and stewards of the affected tables, their columns and their containers."""
    asset_ids: set[int] = set()
    for row in tables:
        asset_ids.update(r for r in (row["id"], row["database_ref_id"], row["schema_ref_id"]) if r)
    asset_ids.update(Asset.objects.filter(fqn__in=column_fqns).values_list("id", flat=True))
    visible = set(visible_assets(user).filter(id__in=asset_ids).values_list("id", flat=True))
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for own in Ownership.objects.filter(asset_id__in=visible).select_related(
        "user", "group", "asset"
    ):
        key = (own.principal, own.role)
        entry = out.setdefault(
            key,
            {
                "principal": own.principal,
                "role": own.role,
                "email": own.user.email if own.user_id and own.user else "",
                "assets": [],
            },
        )
        assert own.asset is not None
        entry["assets"].append(own.asset.fqn)
    return sorted(out.values(), key=lambda o: (o["role"], o["principal"]))


def lineage_path(user: Any, source_fqn: str, target_fqn: str) -> dict[str, Any]:
    """A shortest lineage path between two visible assets (downstream first, then up).

    Two columns: column level; otherwise table level (a column stands for its table).
    """
    start, goal = lineage_root(user, source_fqn), lineage_root(user, target_fqn)
    both_columns = start.type == goal.type == AssetType.COLUMN
    level = COLUMN if both_columns else TABLE
    a, b = set(_starts(start, level)), set(_starts(goal, level))
    direction = DOWN
    path = graph.shortest_path(a, b, level=level, max_depth=MAX_DEPTH)
    if path is None:
        path, direction = graph.shortest_path(b, a, level=level, max_depth=MAX_DEPTH), UP
    render = _Renderer(user)
    if path is None:
        return {
            "from": start.fqn,
            "to": goal.fqn,
            "found": False,
            "level": level,
            "nodes": [],
            "edges": [],
        }
    order: list[Node] = [path[0].source] + [e.target for e in path]
    render.load(set(order))
    return {
        "from": start.fqn,
        "to": goal.fqn,
        "found": True,
        "level": level,
        "direction": direction,
        "length": len(path),
        "nodes": [render.node(n, i) for i, n in enumerate(order)],
        "edges": render.edges(path, level),
    }
