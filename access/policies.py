"""The policy engine: who may read which table/column, masked how, with which row filter.

Everything a decision needs about one table is loaded once into :class:`TableFacts`
(grants, rules, owners, masking and row-filter policies, tags, classifications, lapsed
grants); :func:`evaluate` is then pure Python, so the simulation can ask it for every user
and group cheaply, and a draft policy can be tested by adding it to the facts.

Precedence (docs/access.md):

* **Access** (``query``): candidates are role permissions (global), object grants
  (guardian ``catalog.query_asset``), ownership, and explicit allow/deny rules. The most
  specific *asset* wins (column > table > schema > database > source > global), then the
  most specific *principal* (user > group > role > everyone); a remaining tie -> deny.
* **Masks**: column policy > tag policy > classification policy; then user > group > role >
  everyone; a remaining tie -> the most restrictive operator. No policy and an active
  (proposed/confirmed) PII classification -> ``nullify`` (default deny). No policy and no
  PII -> clear.
* **Row filters**: the most specific principal level with a filter on the table wins;
  filters at that level are AND-ed; an empty predicate there means "all rows".
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone
from guardian.models import GroupObjectPermission, UserObjectPermission
from sqlglot import exp

from access import policy_cache, rowfilters
from access.masking_bridge import CLEAR, restrictiveness
from access.models import (
    AccessRule,
    Effect,
    Grant,
    MaskingPolicy,
    RowFilterPolicy,
    TargetKind,
    UserAttribute,
)
from access.roles import ROLE_PERMISSIONS
from catalog.models import Asset, AssetType, Classification, Ownership, TagAssignment

QUERY_PERM = "query_asset"
DEPTH = {
    AssetType.SOURCE: 0,
    AssetType.DATABASE: 1,
    AssetType.SCHEMA: 2,
    AssetType.TABLE: 3,
    AssetType.VIEW: 3,
    AssetType.COLUMN: 4,
}
GLOBAL_DEPTH = -1
RANK_USER, RANK_GROUP, RANK_ROLE, RANK_EVERYONE = 3, 2, 1, 0
RANK_LABEL = {RANK_USER: "user", RANK_GROUP: "group", RANK_ROLE: "role", RANK_EVERYONE: "everyone"}
TARGET_RANK = {TargetKind.COLUMN: 3, TargetKind.TAG: 2, TargetKind.CLASSIFICATION: 1}
ACTIVE_CLASSIFICATION = ("proposed", "confirmed")
DEFAULT_DENY_OPERATOR = "nullify"


def role_names() -> set[str]:
    return set(ROLE_PERMISSIONS)


@dataclass(frozen=True)
class Subject:
    """Whom a decision is for: a real user, or a hypothetical member of one group."""

    label: str
    user_id: int | None = None
    username: str = ""
    group_ids: frozenset[int] = frozenset()
    group_names: dict[int, str] = field(default_factory=dict)
    role_group_ids: frozenset[int] = frozenset()
    is_superuser: bool = False
    global_query: bool = False
    attributes: dict[str, str] | None = None  # None: no user (group simulation, masked views)

    def rank(self, user_id: int | None, group_id: int | None) -> int | None:
        """How specifically a principal (user/group/everyone) names this subject, or None."""
        if user_id is not None:
            return RANK_USER if user_id == self.user_id else None
        if group_id is not None:
            if group_id not in self.group_ids:
                return None
            return RANK_ROLE if group_id in self.role_group_ids else RANK_GROUP
        return RANK_EVERYONE


def subject_for_user(user: Any) -> Subject:
    """Whom a decision is for, from the process cache (keyed by user and policy epoch)."""
    if not getattr(user, "pk", None):
        return _subject_for_user(user)
    return policy_cache.subject_cache.get_current(user.pk, lambda: (_subject_for_user(user), None))


def _subject_for_user(user: Any) -> Subject:
    groups = list(user.groups.all()) if user.pk else []
    roles = role_names()
    attributes = {"username": user.get_username(), "id": str(user.pk), "email": user.email or ""}
    if not attributes["email"]:
        del attributes["email"]
    attributes.update(
        UserAttribute.objects.filter(user_id=user.pk).order_by().values_list("key", "value")
    )
    return Subject(
        label=f"user:{user.get_username()}",
        user_id=user.pk,
        username=user.get_username(),
        group_ids=frozenset(g.id for g in groups),
        group_names={g.id: g.name for g in groups},
        role_group_ids=frozenset(g.id for g in groups if g.name in roles),
        is_superuser=bool(user.is_superuser),
        global_query=bool(user.is_superuser or user.has_perm(f"catalog.{QUERY_PERM}")),
        attributes=attributes,
    )


def subject_for_group(group: Group) -> Subject:
    has_query = group.permissions.filter(
        codename=QUERY_PERM, content_type__app_label="catalog"
    ).exists()
    return Subject(
        label=f"group:{group.name}",
        group_ids=frozenset({group.id}),
        group_names={group.id: group.name},
        role_group_ids=frozenset({group.id}) if group.name in role_names() else frozenset(),
        global_query=has_query,
        attributes=None,
    )


# -- facts ----------------------------------------------------------------------------------


@dataclass
class TableFacts:
    table: Asset
    chain: list[tuple[int, int, str, str]]  # (asset id, depth, type, fqn), source -> table
    columns: list[Asset]
    user_perms: list[tuple[int, int]]  # (user id, asset id)
    group_perms: list[tuple[int, int]]  # (group id, asset id)
    ownerships: list[tuple[int | None, int | None, int, str]]
    rules: list[AccessRule]
    lapsed: set[tuple[int, int]]  # (user id, asset id) whose guardian grant is no longer valid
    masking: list[MaskingPolicy]
    tags: dict[int, set[int]]
    entities: dict[int, set[str]]
    row_filters: list[RowFilterPolicy]
    fqn_by_id: dict[int, str]
    group_names: dict[int, str]
    valid_until: Any = None  # the earliest expiry of an active grant: facts change then

    def with_draft(self, draft: Any, replaces: int | None = None) -> TableFacts:
        """A copy with an unsaved policy added (and the saved one it edits removed)."""
        import copy

        facts = copy.copy(self)
        for attr, model in (
            ("rules", AccessRule),
            ("masking", MaskingPolicy),
            ("row_filters", RowFilterPolicy),
        ):
            items = [
                p
                for p in getattr(self, attr)
                if not (replaces and p.pk == replaces and isinstance(draft, model))
            ]
            if isinstance(draft, model):
                items.append(draft)
            setattr(facts, attr, items)
        if draft.group_id and draft.group_id not in facts.group_names:
            facts.group_names = {**facts.group_names, draft.group_id: draft.group.name}
        return facts


def load_facts(table: Asset, *, now: Any = None) -> TableFacts:
    """Everything the policy engine needs about ``table``, from the process cache.

    The cache is keyed by the policy epoch (access.policy_cache): any write that can
    change a decision misses it. ``now`` (a decision at another time) bypasses it.
    """
    if now is not None or table.pk is None:
        return _load_facts(table, now=now)

    def load() -> tuple[TableFacts, Any]:
        fresh = _load_facts(table)
        return fresh, fresh.valid_until

    facts = policy_cache.facts_cache.get_current(table.pk, load)
    return facts if facts.table is table else dataclasses.replace(facts, table=table)


def _load_facts(table: Asset, *, now: Any = None) -> TableFacts:
    """Everything the policy engine needs about ``table`` (a handful of queries)."""
    now = now or timezone.now()
    chain_ids = [
        i for i in (table.root_ref_id, table.database_ref_id, table.schema_ref_id) if i is not None
    ] + [table.id]
    chain_assets = {
        a.id: a for a in Asset.objects.filter(id__in=chain_ids).order_by().only("id", "type", "fqn")
    }
    chain = [
        (
            i,
            DEPTH.get(AssetType(chain_assets[i].type), 3),
            chain_assets[i].type,
            chain_assets[i].fqn,
        )
        for i in chain_ids
        if i in chain_assets
    ]
    columns = list(
        Asset.objects.filter(parent=table, type=AssetType.COLUMN, deleted_at__isnull=True).order_by(
            "position", "name"
        )
    )
    ids = [c[0] for c in chain] + [c.id for c in columns]
    fqn_by_id = {c[0]: c[3] for c in chain} | {c.id: c.fqn for c in columns}
    ct = ContentType.objects.get_for_model(Asset)
    str_ids = [str(i) for i in ids]
    user_perms = [
        (u, int(a))
        for u, a in UserObjectPermission.objects.filter(
            content_type=ct, permission__codename=QUERY_PERM, object_pk__in=str_ids
        )
        .order_by()
        .values_list("user_id", "object_pk")
    ]
    group_perms = [
        (g, int(a))
        for g, a in GroupObjectPermission.objects.filter(
            content_type=ct, permission__codename=QUERY_PERM, object_pk__in=str_ids
        )
        .order_by()
        .values_list("group_id", "object_pk")
    ]
    ownerships: list[tuple[int | None, int | None, int, str]] = list(
        Ownership.objects.filter(asset_id__in=ids)
        .order_by()
        .values_list("user_id", "group_id", "asset_id", "role")
    )
    rules = list(
        AccessRule.objects.filter(enabled=True, asset_id__in=ids)
        .order_by()
        .select_related("user", "group")
    )
    grants = (
        Grant.objects.filter(asset_id__in=ids)
        .order_by()
        .values_list("user_id", "asset_id", "revoked_at", "expires_at")
    )
    active: set[tuple[int, int]] = set()
    ended: set[tuple[int, int]] = set()
    valid_until = None
    for user_id, asset_id, revoked_at, expires_at in grants:
        if revoked_at is None and expires_at > now:
            active.add((user_id, asset_id))
            valid_until = expires_at if valid_until is None else min(valid_until, expires_at)
        else:
            ended.add((user_id, asset_id))
    col_ids = [c.id for c in columns]
    tags: dict[int, set[int]] = defaultdict(set)
    for asset_id, tag_id in (
        TagAssignment.objects.filter(asset_id__in=col_ids)
        .order_by()
        .values_list("asset_id", "tag_id")
    ):
        tags[asset_id].add(tag_id)
    entities: dict[int, set[str]] = defaultdict(set)
    for asset_id, entity in (
        Classification.objects.filter(asset_id__in=col_ids, status__in=ACTIVE_CLASSIFICATION)
        .order_by()
        .values_list("asset_id", "entity")
    ):
        entities[asset_id].add(entity)
    all_tags = set().union(*tags.values()) if tags else set()
    all_entities = set().union(*entities.values()) if entities else set()
    masking = list(
        MaskingPolicy.objects.filter(enabled=True)
        .order_by()
        .filter(
            Q(target_kind=TargetKind.COLUMN, column_id__in=col_ids)
            | Q(target_kind=TargetKind.TAG, tag_id__in=all_tags)
            | Q(target_kind=TargetKind.CLASSIFICATION, entity__in=all_entities)
        )
        .select_related("user", "group", "tag")
    )
    row_filters = list(
        RowFilterPolicy.objects.filter(enabled=True, table=table)
        .order_by()
        .select_related("user", "group")
    )
    group_ids = {g for g, _ in group_perms} | {o[1] for o in ownerships if o[1]}
    group_ids |= {p.group_id for p in [*rules, *masking, *row_filters] if p.group_id}
    return TableFacts(
        table=table,
        chain=chain,
        columns=columns,
        user_perms=user_perms,
        group_perms=group_perms,
        ownerships=ownerships,
        rules=rules,
        lapsed=ended - active,
        masking=masking,
        tags=dict(tags),
        entities=dict(entities),
        row_filters=row_filters,
        fqn_by_id=fqn_by_id,
        group_names=dict(
            Group.objects.filter(id__in=group_ids).order_by().values_list("id", "name")
        ),
        valid_until=valid_until,
    )


# -- decisions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    depth: int
    rank: int
    effect: str
    reason: str
    asset_id: int | None

    def key(self) -> tuple[int, int, int]:
        return (self.depth, self.rank, 1 if self.effect == Effect.DENY else 0)


@dataclass
class ColumnAccess:
    id: int
    name: str
    fqn: str
    data_type: str
    readable: bool
    access_reason: str
    operator: str = CLEAR  # "clear", an operator name, or "deny"
    params: dict[str, Any] = field(default_factory=dict)
    mask_reason: str = ""
    policy_id: int | None = None
    pii: list[str] = field(default_factory=list)

    @property
    def state(self) -> str:
        if not self.readable:
            return "denied"
        return "clear" if self.operator == CLEAR else "masked"


@dataclass
class RowFilterApplied:
    policy_ids: list[int]
    names: list[str]
    predicates: list[str]  # as written (with placeholders), for audit and explanation
    bound: exp.Expr | None  # None = all rows


@dataclass
class TableAccess:
    table: Asset
    subject: Subject
    allowed: bool
    reason: str
    columns: list[ColumnAccess]
    row_filter: RowFilterApplied

    def column(self, name: str) -> ColumnAccess | None:
        lower = name.lower()
        for c in self.columns:
            if c.name == name:
                return c
        return next((c for c in self.columns if c.name.lower() == lower), None)

    @property
    def readable_columns(self) -> list[ColumnAccess]:
        return [c for c in self.columns if c.readable]


def _who(facts: TableFacts, user_id: int | None, group_id: int | None, subject: Subject) -> str:
    if user_id is not None:
        return f"user:{subject.username or user_id}"
    if group_id is not None:
        return f"group:{facts.group_names.get(group_id) or subject.group_names.get(group_id, group_id)}"
    return "everyone"


def _access_candidates(subject: Subject, facts: TableFacts) -> list[Candidate]:
    depth_of = {c[0]: c[1] for c in facts.chain} | {
        c.id: DEPTH[AssetType.COLUMN] for c in facts.columns
    }
    out: list[Candidate] = []
    if subject.is_superuser:
        out.append(Candidate(GLOBAL_DEPTH, RANK_USER, Effect.ALLOW, "superuser", None))
    elif subject.global_query:
        roles = sorted(
            subject.group_names[g] for g in subject.group_ids if g in subject.role_group_ids
        )
        label = f"role {', '.join(roles)}" if roles else "global permission"
        out.append(
            Candidate(
                GLOBAL_DEPTH,
                RANK_ROLE,
                Effect.ALLOW,
                f"{label}: catalog.query_asset on all sources",
                None,
            )
        )
    for user_id, asset_id in facts.user_perms:
        if user_id == subject.user_id and (user_id, asset_id) not in facts.lapsed:
            out.append(
                Candidate(
                    depth_of[asset_id],
                    RANK_USER,
                    Effect.ALLOW,
                    f"grant catalog.query_asset on {facts.fqn_by_id[asset_id]} to user:{subject.username}",
                    asset_id,
                )
            )
    for group_id, asset_id in facts.group_perms:
        rank = subject.rank(None, group_id)
        if rank is not None:
            out.append(
                Candidate(
                    depth_of[asset_id],
                    rank,
                    Effect.ALLOW,
                    f"grant catalog.query_asset on {facts.fqn_by_id[asset_id]} to "
                    f"{_who(facts, None, group_id, subject)}",
                    asset_id,
                )
            )
    for owner_user, owner_group, asset_id, role in facts.ownerships:
        owner_rank = subject.rank(owner_user, owner_group)
        if owner_rank is not None:
            out.append(
                Candidate(
                    depth_of[asset_id],
                    owner_rank,
                    Effect.ALLOW,
                    f"{role} of {facts.fqn_by_id[asset_id]} ({_who(facts, owner_user, owner_group, subject)})",
                    asset_id,
                )
            )
    for rule in facts.rules:
        rank = subject.rank(rule.user_id, rule.group_id)
        if rank is not None and rule.asset_id in depth_of:
            out.append(
                Candidate(
                    depth_of[rule.asset_id],
                    rank,
                    rule.effect,
                    f"{rule.effect} rule #{rule.pk or 'draft'} {rule.name!r} on "
                    f"{facts.fqn_by_id[rule.asset_id]} for {rule.principal_label}",
                    rule.asset_id,
                )
            )
    return out


def _decide(candidates: list[Candidate], node_ids: set[int]) -> Candidate | None:
    relevant = [c for c in candidates if c.asset_id is None or c.asset_id in node_ids]
    return max(relevant, key=Candidate.key) if relevant else None


def _mask_for(
    subject: Subject, facts: TableFacts, column: Asset
) -> tuple[str, dict[str, Any], str, int | None]:
    tags = facts.tags.get(column.id, set())
    entities = facts.entities.get(column.id, set())
    best: tuple[tuple[int, int, int], MaskingPolicy] | None = None
    for policy in facts.masking:
        if policy.target_kind == TargetKind.COLUMN and policy.column_id != column.id:
            continue
        if policy.target_kind == TargetKind.TAG and policy.tag_id not in tags:
            continue
        if policy.target_kind == TargetKind.CLASSIFICATION and policy.entity not in entities:
            continue
        rank = subject.rank(policy.user_id, policy.group_id)
        if rank is None:
            continue
        key = (TARGET_RANK[TargetKind(policy.target_kind)], rank, restrictiveness(policy.operator))
        if best is None or key > best[0]:
            best = (key, policy)
    if best is not None:
        policy = best[1]
        target = {
            TargetKind.COLUMN: "this column",
            TargetKind.TAG: f"tag #{policy.tag.name if policy.tag is not None else '?'}",
            TargetKind.CLASSIFICATION: f"classification {policy.entity}",
        }[TargetKind(policy.target_kind)]
        reason = (
            f"masking policy #{policy.pk or 'draft'} {policy.name!r}: {target} -> {policy.operator} "
            f"for {policy.principal_label} ({RANK_LABEL[best[0][1]]} level)"
        )
        return policy.operator, dict(policy.params or {}), reason, policy.pk
    if entities:
        return (
            DEFAULT_DENY_OPERATOR,
            {},
            f"default deny: classified {', '.join(sorted(entities))} and no policy grants clear",
            None,
        )
    return CLEAR, {}, "no masking policy applies", None


def _row_filter(subject: Subject, facts: TableFacts, dialect: str) -> RowFilterApplied:
    by_rank: dict[int, list[RowFilterPolicy]] = defaultdict(list)
    for policy in facts.row_filters:
        rank = subject.rank(policy.user_id, policy.group_id)
        if rank is not None:
            by_rank[rank].append(policy)
    if not by_rank:
        return RowFilterApplied([], [], [], None)
    chosen = by_rank[max(by_rank)]
    restricting = [
        p for p in chosen if (p.predicate or "").strip() and p.predicate.strip().upper() != "TRUE"
    ]
    ids = [p.pk or 0 for p in chosen]
    names = [p.name for p in chosen]
    if not restricting:
        return RowFilterApplied(ids, names, [], None)
    parts: list[exp.Expr] = []
    for policy in restricting:
        try:
            tree = rowfilters.parse_predicate(policy.predicate, dialect)
        except rowfilters.InvalidPredicate:
            tree = exp.false()  # a broken filter must not open the table
        if tree is not None:
            parts.append(exp.paren(rowfilters.bind(tree, subject.attributes)))
    bound = exp.and_(*parts) if parts else None
    return RowFilterApplied(ids, names, [p.predicate for p in restricting], bound)


def evaluate(subject: Subject, facts: TableFacts, *, dialect: str = "sqlite") -> TableAccess:
    """The subject's access to the table of ``facts``: allowed?, per-column masks, rows."""
    candidates = _access_candidates(subject, facts)
    chain_ids = {c[0] for c in facts.chain}
    table_decision = _decide(candidates, chain_ids)
    columns: list[ColumnAccess] = []
    column_grant = False
    for col in facts.columns:
        decision = _decide(candidates, chain_ids | {col.id})
        readable = decision is not None and decision.effect == Effect.ALLOW
        if readable and decision is not None and decision.asset_id == col.id:
            column_grant = True
        access = ColumnAccess(
            id=col.id,
            name=col.name,
            fqn=col.fqn,
            data_type=col.data_type,
            readable=readable,
            access_reason=decision.reason
            if decision
            else "no grant, role or ownership gives access",
            pii=sorted(facts.entities.get(col.id, set())),
        )
        if readable:
            access.operator, access.params, access.mask_reason, access.policy_id = _mask_for(
                subject, facts, col
            )
        else:
            access.operator = "deny"
        columns.append(access)
    table_allowed = table_decision is not None and table_decision.effect == Effect.ALLOW
    if table_allowed:
        reason = table_decision.reason  # type: ignore[union-attr]
    elif column_grant:
        reason = "column-level grant on some columns only"
    else:
        reason = (
            table_decision.reason if table_decision else "no grant, role or ownership gives access"
        )
    return TableAccess(
        table=facts.table,
        subject=subject,
        allowed=table_allowed or column_grant,
        reason=reason,
        columns=columns,
        row_filter=_row_filter(subject, facts, dialect),
    )


def table_access(user: Any, table: Asset, *, dialect: str = "sqlite") -> TableAccess:
    return evaluate(subject_for_user(user), load_facts(table), dialect=dialect)
