"""What gets recorded: sign-in/out, failed sign-in, admin actions, CLI actor; what never does."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction

from audit import services
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _last(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).order_by("-seq").first()  # type: ignore[return-value]


def test_login_logout_and_failed_login_are_recorded(client: Any, alice: Any) -> None:
    resp = client.post("/login/", {"username": "alice", "password": "pw-alice"})
    assert resp.status_code == 302
    login = _last("auth.login")
    assert login.actor_label == "alice" and login.actor_id == alice.pk
    client.post("/logout/")
    assert _last("auth.logout").actor_label == "alice"
    client.post("/login/", {"username": "alice", "password": "Sup3r-secret-guess"})
    failed = _last("auth.login_failed")
    assert failed.changes == {"username": "alice"}
    everything = json.dumps(list(AuditEvent.objects.values("changes", "object_repr")))
    assert "Sup3r-secret-guess" not in everything and "pw-alice" not in everything


def test_admin_actions_are_recorded(client: Any, admin: Any, alice: Any) -> None:
    from django.contrib.auth.models import Group

    client.force_login(admin)
    resp = client.post("/admin/auth/group/add/", {"name": "auditors-eu", "permissions": []})
    assert resp.status_code == 302, resp.content[:500]
    added = _last("admin.add")
    assert added.object_type == "group" and added.object_repr == "auditors-eu"
    assert added.actor_label == "admin"
    g1, g2 = Group.objects.create(name="tmp1"), Group.objects.create(name="tmp2")
    resp = client.post(
        "/admin/auth/group/",
        {"action": "delete_selected", "_selected_action": [g1.pk, g2.pk], "post": "yes"},
    )
    assert resp.status_code == 302
    deleted = set(
        AuditEvent.objects.filter(action="admin.delete").values_list("object_repr", flat=True)
    )
    assert {"tmp1", "tmp2"} <= deleted  # bulk deletions too
    assert services.verify_live().ok


def test_audit_events_are_read_only_in_admin(client: Any, admin: Any) -> None:
    with transaction.atomic():
        event = services.record(action="test.admin")
    client.force_login(admin)
    assert client.get("/admin/audit/auditevent/").status_code == 200
    assert client.get("/admin/audit/auditevent/add/").status_code == 403
    assert client.get(f"/admin/audit/auditevent/{event.pk}/delete/").status_code == 403
    resp = client.post(f"/admin/audit/auditevent/{event.pk}/change/", {"action": "x"})
    assert resp.status_code == 403
    event.refresh_from_db()
    assert event.action == "test.admin"


def test_management_commands_act_as_the_os_user(tmp_path: Any) -> None:
    call_command("audit_keys", "--rotate", "--output", str(tmp_path / "keys.json"))
    rotate = _last("audit.key.rotate")
    assert rotate.actor_label.startswith("cli:")
    assert rotate.channel == "cli:audit_keys"
    assert json.loads((tmp_path / "keys.json").read_text())["keys"]


def test_redact_pseudonymises_classified_fields() -> None:
    changes = {
        "email": {"before": "a@example.com", "after": "b@example.com"},
        "name": "Jane",
        "rows": [{"email": "c@example.com", "id": 3}],
        "note": None,
    }
    out = services.redact(changes, classified_fields={"email", "name", "note"})
    text = json.dumps(out)
    assert "example.com" not in text and "Jane" not in text
    assert out["rows"][0]["id"] == 3 and out["note"] is None
    assert out["email"]["before"] == services.pseudonymise("a@example.com")
    assert services.pseudonymise("x") == services.pseudonymise("x") != services.pseudonymise("y")
    assert changes["name"] == "Jane"  # input untouched


def test_secrets_never_enter_the_trail() -> None:
    with transaction.atomic():
        event = services.record(
            action="test.secret",
            changes={
                "password": "hunter2",
                "dsn": "postgresql://u:p@h/db",
                "nested": {"api_key": "k"},
                "name": "ok",
            },
        )
    assert event.changes == {
        "password": "[redacted]",
        "dsn": "[redacted]",
        "nested": {"api_key": "[redacted]"},
        "name": "ok",
    }
    assert services.verify_live().ok


@pytest.mark.django_db(transaction=True)
def test_record_requires_a_transaction() -> None:
    with pytest.raises(RuntimeError):
        services.record(action="test.outside")
