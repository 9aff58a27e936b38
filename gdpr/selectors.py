"""Reads of data-subject requests, holds and policies, restricted to DPOs and admins.

Anyone without ``gdpr.view_subjectrequest`` sees nothing: lists are refused and single
requests are 404 (their existence is not revealed).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from custos.errors import NotFound, PermissionDenied
from gdpr.models import LegalHold, RetentionPolicy, SubjectRequest


def may(user: Any, perm: str) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or user.has_perm(f"gdpr.{perm}"))


def require(user: Any, perm: str) -> None:
    if not may(user, perm):
        raise PermissionDenied(f"You need the gdpr.{perm} permission (DPO role).")


def visible_requests(user: Any) -> QuerySet[SubjectRequest]:
    if not may(user, "view_subjectrequest"):
        return SubjectRequest.objects.none()
    return SubjectRequest.objects.select_related("created_by", "approved_by", "source")


def get_request(user: Any, pk: int | str) -> SubjectRequest:
    try:
        return visible_requests(user).get(pk=int(pk))
    except (SubjectRequest.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such request.") from None


def visible_holds(user: Any) -> QuerySet[LegalHold]:
    if not may(user, "view_subjectrequest"):
        return LegalHold.objects.none()
    return LegalHold.objects.select_related("table", "source", "created_by")


def visible_policies(user: Any) -> QuerySet[RetentionPolicy]:
    if not may(user, "view_subjectrequest"):
        return RetentionPolicy.objects.none()
    return RetentionPolicy.objects.select_related("table", "activity_table")


def get_policy(user: Any, pk: int | str) -> RetentionPolicy:
    try:
        return visible_policies(user).get(pk=int(pk))
    except (RetentionPolicy.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such retention policy.") from None
