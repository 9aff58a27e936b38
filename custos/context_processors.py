from typing import Any

from django.http import HttpRequest


def custos(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    roles: list[str] = []
    if user is not None and user.is_authenticated:
        roles = sorted(g.name for g in user.groups.all())
    return {"custos_roles": roles}
