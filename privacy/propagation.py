"""PII propagation along column lineage (pure: no Django).

A classification flows from a column to the columns computed from it:

=============  =====================================================================
transform      effect
=============  =====================================================================
identity       carried (confidence x 1.0)
expression     carried (x 0.9): TRIM/LOWER/CONCAT... may still reveal the value
case           carried (x 0.85): the value can come out of a CASE branch
window         carried (x 0.7): LAG/FIRST_VALUE return input values as they are
aggregate      **stops**: aggregated over many rows
count          **stops**: only counted
hash           **stops**: hashed (a pseudonym of the value, not the value)
join_key       not followed: decides which rows meet, no value flows
filter         not followed: decides which rows pass, no value flows
=============  =====================================================================

Each hop multiplies the confidence by the factor above. ``propagate`` returns, for each
reached column and entity, the best (highest-confidence, then shortest) path, and for
each column where a classification stopped, the reason: the lineage-aware guarantee that
aggregated or hashed outputs are not flagged as personal data.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

CARRY: dict[str, float] = {"identity": 1.0, "expression": 0.9, "case": 0.85, "window": 0.7}
STOP: dict[str, str] = {
    "aggregate": "aggregated over many rows",
    "count": "only counted",
    "hash": "hashed (a pseudonym of the value, not the value)",
}
IGNORE = frozenset({"join_key", "filter"})
MAX_HOPS = 25

Edge = tuple[str, str, str]  # (source fqn, target fqn, transform)


@dataclass(frozen=True)
class Propagated:
    """``entity`` reaches ``fqn`` from ``path[0]`` through ``path`` (``hops`` edges)."""

    fqn: str
    entity: str
    path: tuple[str, ...]
    hops: int
    confidence: float
    transforms: tuple[str, ...] = ()

    @property
    def seed(self) -> str:
        return self.path[0]


@dataclass(frozen=True)
class Stopped:
    """``entity`` did not flow from ``via`` into ``fqn``: ``reason`` (transform ``transform``)."""

    fqn: str
    entity: str
    reason: str
    via: str
    transform: str


def propagate(
    edges: Iterable[Edge],
    seeds: Mapping[str, str | Iterable[str]],
    *,
    confidence: Mapping[str, float] | None = None,
    max_hops: int = MAX_HOPS,
) -> list[Propagated | Stopped]:
    """Propagate ``seeds`` (``{fqn: entity or entities}``) downstream along ``edges``.

    ``confidence`` optionally gives each seed's starting confidence (default 1.0).
    Seeds are not reported. A column reached by one path and stopped on another is
    reported as propagated only. Cycles are safe. Results are sorted by fqn and entity.
    """
    out_edges: dict[str, list[tuple[str, str]]] = {}
    for source, target, transform in edges:
        if source != target:
            out_edges.setdefault(source, []).append((target, transform.lower()))
    seed_pairs: set[tuple[str, str]] = set()
    queue: deque[Propagated] = deque()
    for fqn, entities in seeds.items():
        for entity in [entities] if isinstance(entities, str) else entities:
            seed_pairs.add((fqn, entity))
            start = (confidence or {}).get(fqn, 1.0)
            queue.append(Propagated(fqn, entity, (fqn,), 0, start))
    best: dict[tuple[str, str], Propagated] = {}
    stopped: dict[tuple[str, str], Stopped] = {}
    while queue:
        node = queue.popleft()
        if node.hops >= max_hops:
            continue
        for target, transform in out_edges.get(node.fqn, ()):
            key = (target, node.entity)
            if key in seed_pairs or target in node.path:
                continue
            if transform in STOP:
                stopped.setdefault(
                    key, Stopped(target, node.entity, STOP[transform], node.fqn, transform)
                )
                continue
            if transform in IGNORE:
                continue
            if transform not in CARRY:
                reason = f"unknown transform {transform!r}"
                stopped.setdefault(key, Stopped(target, node.entity, reason, node.fqn, transform))
                continue
            nxt = Propagated(
                target,
                node.entity,
                (*node.path, target),
                node.hops + 1,
                round(node.confidence * CARRY[transform], 4),
                (*node.transforms, transform),
            )
            known = best.get(key)
            if known is None or (nxt.confidence, -nxt.hops) > (known.confidence, -known.hops):
                best[key] = nxt
                queue.append(nxt)
    results: list[Propagated | Stopped] = list(best.values())
    results += [s for key, s in stopped.items() if key not in best]
    return sorted(results, key=lambda r: (r.fqn, r.entity, isinstance(r, Stopped)))
