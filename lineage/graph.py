"""Traversal of the stored lineage graph (no permissions here; see ``selectors``).

Batched breadth-first search: one indexed ``IN`` query per level and direction (two when
external nodes are on the frontier), so a depth-10 walk is at most ~20 small queries
whatever the size of the graph, and cycles are harmless (each node is visited once).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from lineage.models import ColumnLineage, TableLineage
from lineage.store import chunks

Node = tuple[str, int]  # ("a", asset id) | ("x", external id)

UP, DOWN, BOTH = "up", "down", "both"
COLUMN, TABLE = "column", "table"


@dataclass(frozen=True)
class Edge:
    id: int
    source: Node
    target: Node
    transform: str | None
    confidence: float
    transforms: tuple[str, ...] = ()


@dataclass
class Walk:
    """Nodes reached (with their distance) and the edges walked."""

    depth: dict[Node, int] = field(default_factory=dict)
    edges: dict[int, Edge] = field(default_factory=dict)
    truncated: bool = False


def _model(level: str) -> Any:
    return TableLineage if level == TABLE else ColumnLineage


_FIELDS = (
    "id",
    "source_id",
    "source_external_id",
    "target_id",
    "target_external_id",
    "confidence",
)


def _edges_touching(
    level: str, frontier: Iterable[Node], side: str, transforms: tuple[str, ...] | None
) -> list[Edge]:
    """Edges whose ``side`` ("source" or "target") is one of ``frontier``."""
    model = _model(level)
    extra = "transforms" if level == TABLE else "transform"
    assets = [n[1] for n in frontier if n[0] == "a"]
    externals = [n[1] for n in frontier if n[0] == "x"]
    out: list[Edge] = []
    for ids, column in ((assets, f"{side}_id__in"), (externals, f"{side}_external_id__in")):
        for batch in chunks(ids, 2000):
            qs = model.objects.filter(**{column: batch})
            if transforms is not None and level == COLUMN:
                qs = qs.filter(transform__in=transforms)
            for pk, s, sx, t, tx, conf, kind in qs.values_list(*_FIELDS, extra):
                if level == TABLE:
                    kinds = tuple(k for k in kind.split(",") if k)
                    if transforms is not None and not set(kinds) & set(transforms):
                        continue
                    out.append(Edge(pk, _node(s, sx), _node(t, tx), None, conf, kinds))
                else:
                    out.append(Edge(pk, _node(s, sx), _node(t, tx), kind, conf))
    return out


def _node(asset_id: int | None, external_id: int | None) -> Node:
    return ("a", asset_id) if asset_id is not None else ("x", external_id or 0)


def walk(
    starts: Iterable[Node],
    *,
    level: str = COLUMN,
    direction: str = UP,
    depth: int = 3,
    transforms: tuple[str, ...] | None = None,
    max_nodes: int = 5000,
) -> Walk:
    """Breadth-first walk from ``starts`` up to ``depth`` hops in ``direction``."""
    result = Walk()
    for node in starts:
        result.depth[node] = 0
    directions = (UP, DOWN) if direction == BOTH else (direction,)
    for way in directions:
        frontier = [n for n, d in result.depth.items() if d == 0]
        seen = set(frontier)
        for hop in range(1, depth + 1):
            if not frontier:
                break
            side = "target" if way == UP else "source"
            following: list[Node] = []
            for edge in _edges_touching(level, frontier, side, transforms):
                result.edges[edge.id] = edge
                nxt = edge.source if way == UP else edge.target
                if nxt not in seen:
                    seen.add(nxt)
                    following.append(nxt)
                    result.depth.setdefault(nxt, hop if way == DOWN else -hop)
            if len(result.depth) > max_nodes:
                result.truncated = True
                break
            frontier = following
    return result


def shortest_path(
    start: set[Node],
    goal: set[Node],
    *,
    level: str,
    max_depth: int = 20,
    transforms: tuple[str, ...] | None = None,
) -> list[Edge] | None:
    """Edges of a shortest downstream path from any of ``start`` to any of ``goal``."""
    parent: dict[Node, Edge | None] = dict.fromkeys(start)
    frontier = list(start)
    for _ in range(max_depth):
        if not frontier:
            return None
        following = []
        for edge in _edges_touching(level, frontier, "source", transforms):
            if edge.target in parent:
                continue
            parent[edge.target] = edge
            if edge.target in goal:
                path = []
                node: Node | None = edge.target
                while node is not None and parent.get(node) is not None:
                    step = parent[node]
                    assert step is not None
                    path.append(step)
                    node = step.source
                return list(reversed(path))
            following.append(edge.target)
        frontier = following
    return None
