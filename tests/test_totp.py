"""Second factor: RFC 6238 codes, two-step sign-in, enrolment, removal, admin enforcement."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client

from access import mfa, totp
from access.models import TotpDevice
from audit.models import AuditEvent

RFC_SECRET = b"12345678901234567890"


def test_rfc6238_vectors_and_drift_and_replay() -> None:
    # RFC 6238 appendix B (SHA1), last six digits of the eight-digit values
    assert totp.code_at(RFC_SECRET, 59) == "287082"
    assert totp.code_at(RFC_SECRET, 1111111109) == "081804"
    assert totp.code_at(RFC_SECRET, 1234567890) == "005924"
    step = totp.verify(RFC_SECRET, "005924", now=1234567890)
    assert step == 1234567890 // 30
    assert totp.verify(RFC_SECRET, "005924", now=1234567890 + 30) == step  # one step late: ok
    assert totp.verify(RFC_SECRET, "005924", now=1234567890 + 90) is None  # too late
    assert totp.verify(RFC_SECRET, "005924", now=1234567890, last_step=step) is None  # replay
    for bad in ("", "12345", "abcdef", "0059245", "000000"):
        assert totp.verify(RFC_SECRET, bad, now=1234567890) is None
    uri = totp.provisioning_uri(RFC_SECRET, "sam")
    assert uri.startswith("otpauth://totp/Custos%3Asam?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")


def _enrol(client: Client) -> bytes:
    page = client.post("/account/security/", {"action": "start"})
    assert page.status_code == 200
    secret_b32 = page.context["secret"]
    import base64

    secret = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    done = client.post(
        "/account/security/",
        {"action": "confirm", "code": totp.code_at(secret, time.time())},
    )
    assert done.status_code == 302
    return secret


@pytest.mark.django_db
def test_enrol_then_sign_in_takes_password_and_code(sam: Any) -> None:
    client = Client()
    assert client.login(username="sam", password="pw-sam")
    secret = _enrol(client)
    device = TotpDevice.objects.get(user=sam)
    assert device.confirmed and secret.hex() not in device.secret_sealed
    client.logout()

    resp = client.post("/login/", {"username": "sam", "password": "pw-sam", "next": "/glossary/"})
    assert resp.status_code == 302 and resp["Location"] == "/login/verify/"
    assert client.get("/glossary/").status_code == 302  # not signed in yet
    wrong = client.post("/login/verify/", {"code": "000000"})
    assert wrong.status_code == 400 and b"not valid" in wrong.content
    # the code of the confirmation step was used: only a later step signs in
    later = time.time() + 30
    ok = client.post("/login/verify/", {"code": totp.code_at(secret, later)})
    assert ok.status_code == 302 and ok["Location"] == "/glossary/"
    assert client.get("/glossary/").status_code == 200

    # the same code again (an observed code) does not sign anyone in
    other = Client()
    other.post("/login/", {"username": "sam", "password": "pw-sam"})
    replay = other.post("/login/verify/", {"code": totp.code_at(secret, later)})
    assert replay.status_code == 400

    actions = list(AuditEvent.objects.values_list("action", "changes"))
    names = [a for a, _ in actions]
    assert {"auth.totp.enrol", "auth.totp.enable", "auth.totp.failed"} <= set(names)
    assert all(secret.hex() not in str(c) for _, c in actions)


@pytest.mark.django_db
def test_five_wrong_codes_end_the_pending_sign_in(sam: Any) -> None:
    client = Client()
    client.login(username="sam", password="pw-sam")
    _enrol(client)
    client.logout()
    client.post("/login/", {"username": "sam", "password": "pw-sam"})
    for _ in range(4):
        assert client.post("/login/verify/", {"code": "000000"}).status_code == 400
    last = client.post("/login/verify/", {"code": "000000"})
    assert last.status_code == 302 and last["Location"] == "/login/"
    assert client.get("/login/verify/").status_code == 302  # nothing pending any more


@pytest.mark.django_db
def test_removal_needs_a_code_or_an_administrator(sam: Any, alice: Any, admin: Any) -> None:
    client = Client()
    client.login(username="sam", password="pw-sam")
    secret = _enrol(client)
    bad = client.post("/account/security/", {"action": "remove", "code": "000000"})
    assert bad.status_code == 400 and TotpDevice.objects.filter(user=sam).exists()
    from custos.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        mfa.remove(actor=alice, user=sam)
    mfa.remove(actor=admin, user=sam)  # lost phone: an administrator resets it
    assert not TotpDevice.objects.filter(user=sam).exists()
    event = AuditEvent.objects.filter(action="auth.totp.remove").latest("seq")
    assert event.changes["by_administrator"] is True
    assert secret  # the secret itself was never needed for the reset


@pytest.mark.django_db
def test_required_for_admins_ui_blocked_tokens_unaffected(
    admin: Any, alice: Any, api: Any, settings: Any
) -> None:
    settings.CUSTOS_REQUIRE_ADMIN_TOTP = True
    client = Client()
    client.login(username="admin", password="pw-admin")
    assert client.get("/glossary/")["Location"] == "/account/security/"
    session_api = client.get("/api/v1/me")
    assert session_api.status_code == 403
    assert session_api.json()["error"]["code"] == "totp_required"
    assert api(admin).get("/api/v1/me").status_code == 200  # API tokens: not affected
    page = client.get("/account/security/")
    assert page.status_code == 200 and b"must set up an authenticator" in page.content
    _enrol(client)
    assert client.get("/glossary/").status_code == 200
    analyst = Client()  # not an administrator: not required
    analyst.login(username="alice", password="pw-alice")
    assert analyst.get("/glossary/").status_code == 200


def test_admin_site_signs_in_through_the_custos_form(client: Client) -> None:
    resp = client.get("/admin/login/?next=/admin/")
    assert resp.status_code == 302 and resp["Location"] == "/login/?next=/admin/"


@pytest.mark.django_db
def test_operator_resets_a_lost_authenticator_from_the_console(sam: Any) -> None:
    from django.core.management import CommandError, call_command

    client = Client()
    client.login(username="sam", password="pw-sam")
    _enrol(client)
    call_command("totp_reset", "sam")
    assert not TotpDevice.objects.filter(user=sam).exists()
    assert AuditEvent.objects.filter(action="auth.totp.remove").exists()
    with pytest.raises(CommandError, match="No authenticator"):
        call_command("totp_reset", "sam")
