"""What a scan result means for a column's existing detected classifications (pure rules).

Given the column's ``detected`` classifications and the classifier's new verdict, decide:

* ``create``   a new proposal (status ``proposed``);
* ``refresh``  a proposed/confirmed detection still holds: new score, explanation, evidence;
* ``reraise``  a rejected detection whose evidence changed (score moved by more than
  ``RERAISE_DELTA`` since the rejection), or a withdrawn one detected again -> ``proposed``;
* ``withdraw`` a *proposed* detection that no longer holds -> ``withdrawn`` (row kept);
* ``flag``     a *confirmed* detection that no longer holds: never silently removed, the
  steward is asked to review it.

A rejected detection whose evidence did not change produces nothing: the rejection is
remembered. A different entity is a different classification, so it is proposed anew.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

RERAISE_DELTA = 0.15
REFRESH_DELTA = 0.005

ActionKind = Literal["create", "refresh", "reraise", "withdraw", "flag"]


@dataclass(frozen=True)
class Existing:
    """A detected classification already stored for the column."""

    entity: str
    status: str  # proposed | confirmed | rejected | withdrawn
    confidence: float
    explanation: str = ""
    rejected_score: float | None = None  # the score the steward rejected
    flagged: bool = False


@dataclass(frozen=True)
class Verdict:
    """The classifier's result for the column (``entity`` None: no PII found)."""

    entity: str | None
    score: float
    explanation: str = ""


@dataclass(frozen=True)
class Action:
    kind: ActionKind
    entity: str
    reason: str = ""


def decide(
    existing: Iterable[Existing], verdict: Verdict, *, manual: Iterable[str] = ()
) -> list[Action]:
    """The actions turning ``existing`` into what ``verdict`` says (see module docstring).

    ``manual``: entities a person already classified the column with (active); the scan
    proposes nothing for those.
    """
    rows = {row.entity: row for row in existing}
    actions: list[Action] = []
    for row in rows.values():
        if row.entity == verdict.entity:
            continue
        why = (
            f"now detected as {verdict.entity}" if verdict.entity else "no longer detected"
        ) + f" (score {verdict.score:.2f})"
        if row.status == "proposed":
            actions.append(Action("withdraw", row.entity, why))
        elif row.status == "confirmed" and not row.flagged:
            actions.append(Action("flag", row.entity, why))
    entity = verdict.entity
    if entity is None:
        return actions
    current = rows.get(entity)
    if current is None:
        if entity not in set(manual):
            actions.append(Action("create", entity))
    elif current.status in ("proposed", "confirmed"):
        if (
            abs(current.confidence - verdict.score) >= REFRESH_DELTA
            or current.explanation != verdict.explanation
            or current.flagged
        ):
            actions.append(Action("refresh", entity))
    elif current.status == "rejected":
        before = (
            current.rejected_score if current.rejected_score is not None else current.confidence
        )
        if abs(verdict.score - before) > RERAISE_DELTA:
            actions.append(
                Action(
                    "reraise",
                    entity,
                    f"evidence changed since the rejection: score {before:.2f} -> "
                    f"{verdict.score:.2f}",
                )
            )
    elif current.status == "withdrawn":
        actions.append(Action("reraise", entity, "detected again after being withdrawn"))
    return actions
