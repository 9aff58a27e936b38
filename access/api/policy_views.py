"""Policy API: masking / row-filter / rule CRUD with versions, draft testing, user
attributes, simulation and masked views."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access import masked_views, policies, services, simulate
from access.gateway.parse import DIALECTS
from access.models import PolicyVersion, UserAttribute
from catalog import selectors
from catalog.models import Asset, AssetType
from custos.api.pagination import Pagination
from custos.errors import NotFound, PermissionDenied, ValidationFailed

User = get_user_model()


def _object_body(request: Request) -> dict[str, Any]:
    """The JSON body as an object (a list or scalar body is a 400, not a crash)."""
    if not isinstance(request.data, dict):
        raise ValidationFailed("The request body must be a JSON object.")
    return dict(request.data)


def _can_read_policies(user: Any) -> bool:
    return bool(
        user.is_superuser
        or user.has_perm("access.view_maskingpolicy")
        or services.can_manage_policies(user)
    )


def _kind(kind: str) -> str:
    if kind not in services.POLICY_MODELS:
        raise NotFound(f"No policy kind {kind!r} (rule, masking, row_filter).")
    return kind


def _out(kind: str, policy: Any) -> dict[str, Any]:
    return {
        "id": policy.pk,
        "kind": kind,
        "version": policy.version,
        **services.policy_snapshot(kind, policy),
        "updated": policy.updated,
    }


def _policy(user: Any, kind: str, pk: int) -> Any:
    if not _can_read_policies(user):
        raise NotFound(f"No {kind} policy {pk}.")
    policy = services.POLICY_MODELS[_kind(kind)].objects.filter(pk=pk).first()
    if policy is None:
        raise NotFound(f"No {kind} policy {pk}.")
    return policy


class PolicyList(APIView):
    @extend_schema(responses=dict, operation_id="policy_list")
    def get(self, request: Request, kind: str) -> Response:
        kind = _kind(kind)
        if not _can_read_policies(request.user):
            raise PermissionDenied("Only admins and stewards may read access policies.")
        qs = services.POLICY_MODELS[kind].objects.select_related("user", "group").order_by("id")
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response([_out(kind, p) for p in page or []])

    @extend_schema(request=dict, responses={201: dict}, operation_id="policy_create")
    def post(self, request: Request, kind: str) -> Response:
        kind = _kind(kind)
        policy = services.create_policy(actor=request.user, kind=kind, data=_object_body(request))
        return Response(_out(kind, policy), status=status.HTTP_201_CREATED)


class PolicyDetail(APIView):
    @extend_schema(responses=dict, operation_id="policy_get")
    def get(self, request: Request, kind: str, pk: int) -> Response:
        return Response(_out(kind, _policy(request.user, kind, pk)))

    @extend_schema(request=dict, responses=dict, operation_id="policy_update")
    def patch(self, request: Request, kind: str, pk: int) -> Response:
        policy = services.update_policy(
            actor=request.user, policy=_policy(request.user, kind, pk), data=_object_body(request)
        )
        return Response(_out(kind, policy))

    @extend_schema(responses={204: None}, operation_id="policy_delete")
    def delete(self, request: Request, kind: str, pk: int) -> Response:
        services.delete_policy(actor=request.user, policy=_policy(request.user, kind, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class PolicyVersions(APIView):
    @extend_schema(responses=dict, operation_id="policy_versions")
    def get(self, request: Request, kind: str, pk: int) -> Response:
        if not _can_read_policies(request.user):
            raise NotFound(f"No {kind} policy {pk}.")
        rows = PolicyVersion.objects.filter(kind=_kind(kind), policy_id=pk).select_related(
            "changed_by"
        )
        if not rows:
            raise NotFound(f"No {kind} policy {pk}.")
        return Response(
            {
                "results": [
                    {
                        "version": v.version,
                        "change": v.change,
                        "changed_by": v.changed_by.get_username() if v.changed_by else None,
                        "at": v.created,
                        "policy": v.snapshot,
                    }
                    for v in rows
                ]
            }
        )


class PolicyTest(APIView):
    """Evaluate a draft policy for one user and table before saving it."""

    @extend_schema(request=dict, responses=dict, operation_id="policy_test")
    def post(self, request: Request) -> Response:
        if not services.can_manage_policies(request.user):
            raise PermissionDenied("You need the access.manage_policy permission (Admin role).")
        data = request.data if isinstance(request.data, dict) else {}
        kind = _kind(str(data.get("kind", "")))
        replaces = data.get("id")
        instance = None
        if replaces is not None:
            if not isinstance(replaces, int):
                raise ValidationFailed("id must be an integer.", details={"field": "id"})
            instance = services.POLICY_MODELS[kind].objects.filter(pk=replaces).first()
            if instance is None:
                raise NotFound(f"No {kind} policy {replaces}.")
        draft = services.build_policy(kind, dict(data.get("policy") or {}), instance=instance)
        user = User.objects.filter(username=data.get("user") or "").first()
        if user is None:
            raise ValidationFailed(
                "user: give the username to test with.", details={"field": "user"}
            )
        table_fqn = data.get("table")
        if not table_fqn and data.get("column"):
            col = selectors.column_by_fqn(request.user, str(data["column"]))
            table_fqn = col.parent.fqn if col.parent else None
        if not table_fqn:
            table_fqn = _draft_table(draft)
        table = selectors.table_by_fqn(request.user, str(table_fqn))
        dialect = DIALECTS.get(table.source.kind, "sqlite")
        facts = policies.load_facts(table)
        subject = policies.subject_for_user(user)
        before = policies.evaluate(subject, facts, dialect=dialect)
        after = policies.evaluate(
            subject, facts.with_draft(draft, replaces=replaces), dialect=dialect
        )
        return Response(
            {
                "user": user.get_username(),
                "table": table.fqn,
                "before": _summary(before),
                "after": _summary(after),
                "changed": [
                    c["column"]
                    for c, d in zip(
                        _summary(before)["columns"], _summary(after)["columns"], strict=True
                    )
                    if c != d
                ]
                + (["(table access)"] if before.allowed != after.allowed else [])
                + (
                    ["(row filter)"]
                    if _summary(before)["row_filter"] != _summary(after)["row_filter"]
                    else []
                ),
            }
        )


def _draft_table(draft: Any) -> str | None:
    for attr in ("table", "column", "asset"):
        asset = getattr(draft, attr, None)
        if isinstance(asset, Asset):
            if asset.type in (AssetType.TABLE, AssetType.VIEW):
                return asset.fqn
            if asset.type == AssetType.COLUMN and asset.parent:
                return asset.parent.fqn
    raise ValidationFailed(
        "table: give the table (or column) to test on.", details={"field": "table"}
    )


def _summary(ta: policies.TableAccess) -> dict[str, Any]:
    return {
        "allowed": ta.allowed,
        "why": ta.reason,
        "row_filter": ta.row_filter.predicates if ta.row_filter.bound is not None else None,
        "columns": [
            {
                "column": c.fqn,
                "access": c.state if ta.allowed else "denied",
                "operator": c.operator if c.state == "masked" else None,
                "why": c.mask_reason or c.access_reason,
            }
            for c in ta.columns
        ],
    }


class UserAttributes(APIView):
    @extend_schema(responses=dict, operation_id="user_attributes_get")
    def get(self, request: Request, username: str) -> Response:
        user = self._user(request, username, write=False)
        return Response(
            {
                "user": username,
                "attributes": dict(
                    UserAttribute.objects.filter(user=user).values_list("key", "value")
                ),
            }
        )

    @extend_schema(request=dict, responses=dict, operation_id="user_attributes_set")
    def put(self, request: Request, username: str) -> Response:
        user = self._user(request, username, write=True)
        attrs = request.data.get("attributes") if isinstance(request.data, dict) else None
        if not isinstance(attrs, dict):
            raise ValidationFailed("attributes must be an object of key -> string (null removes).")
        for key, value in attrs.items():
            services.set_user_attribute(actor=request.user, user=user, key=key, value=value)
        return self.get(request, username)

    def _user(self, request: Request, username: str, *, write: bool) -> Any:
        if not services.can_manage_policies(request.user) and not (
            not write and username == request.user.get_username()
        ):
            raise PermissionDenied("Only admins manage user attributes.")
        user = User.objects.filter(username=username).first()
        if user is None:
            raise NotFound(f"No user {username!r}.")
        return user


class Simulate(APIView):
    @extend_schema(responses=dict, operation_id="access_simulate")
    def get(self, request: Request) -> Response:
        column = request.query_params.get("column")
        if column:
            return Response(simulate.simulate_column(actor=request.user, column_fqn=column))
        table = request.query_params.get("table")
        if table:
            username = request.query_params.get("user") or request.user.get_username()
            return Response(
                simulate.simulate_user(actor=request.user, username=username, table_fqn=table)
            )
        raise ValidationFailed("Give ?column=FQN, or ?table=FQN (and optionally &user=USERNAME).")


class MaskedViews(APIView):
    @extend_schema(responses=dict, operation_id="masked_views")
    def get(self, request: Request) -> Response:
        if not services.can_manage_policies(request.user):
            raise PermissionDenied("Only admins may generate masked views.")
        source = selectors.source_by_name(request.user, request.query_params.get("source") or "")
        role = request.query_params.get("role") or ""
        group = Group.objects.filter(name=role).first()
        if group is None:
            raise ValidationFailed(f"No role or group {role!r}.", details={"field": "role"})
        items = masked_views.statements(source=source, group=group)
        return Response(
            {
                "source": source.name,
                "role": group.name,
                "dialect": DIALECTS.get(source.kind),
                "views": items,
            }
        )
