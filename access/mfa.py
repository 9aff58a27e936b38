"""Second factor for interactive sign-in: TOTP authenticators (service layer).

Every change is one transaction with its audit event. The secret is sealed with the
master key (purpose ``totp``) and never logged or audited. API tokens are separate
credentials and are not affected. ``CUSTOS_REQUIRE_ADMIN_TOTP`` makes administrators
(superusers, staff and members of the Admin role) enrol before they can use the UI.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

import audit.services as audit
from access import totp
from access.models import TotpDevice
from access.roles import ADMIN
from custos.context import stored_user
from custos.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from custos.keys import keyring

PURPOSE = "totp"


def device_of(user: Any) -> TotpDevice | None:
    if not getattr(user, "pk", None):
        return None
    return TotpDevice.objects.filter(user_id=user.pk).first()


def is_enrolled(user: Any) -> bool:
    return TotpDevice.objects.filter(user_id=user.pk, confirmed_at__isnull=False).exists()


def is_admin(user: Any) -> bool:
    return bool(user.is_superuser or user.is_staff or user.groups.filter(name=ADMIN).exists())


def must_enrol(user: Any) -> bool:
    """Is ``user`` required to set up an authenticator before using the UI?"""
    return bool(
        getattr(settings, "CUSTOS_REQUIRE_ADMIN_TOTP", False)
        and user.is_authenticated
        and is_admin(user)
        and not is_enrolled(user)
    )


def _secret(device: TotpDevice) -> bytes:
    return bytes.fromhex(keyring().unseal(device.secret_sealed, purpose=PURPOSE))


def start_enrollment(*, actor: Any) -> tuple[str, str]:
    """A fresh secret for ``actor`` (base32, otpauth URI); confirmed by a first code."""
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user_id=actor.pk).first()
        if device is not None and device.confirmed:
            raise Conflict("An authenticator is already set up; remove it first.")
        secret = totp.new_secret()
        sealed = keyring().seal(secret.hex(), purpose=PURPOSE)
        if device is None:
            device = TotpDevice.objects.create(user=stored_user(actor), secret_sealed=sealed)
        else:
            device.secret_sealed = sealed
            device.last_step = 0
            device.save(update_fields=["secret_sealed", "last_step"])
        audit.record(action="auth.totp.enrol", obj=device, object_repr=str(device))
    return totp.to_base32(secret), totp.provisioning_uri(secret, actor.get_username())


def confirm_enrollment(*, actor: Any, code: str, now: float | None = None) -> TotpDevice:
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user_id=actor.pk).first()
        if device is None:
            raise NotFound("Start setting up an authenticator first.")
        if device.confirmed:
            raise Conflict("The authenticator is already confirmed.")
        step = totp.verify(_secret(device), code, now=now)
        if step is None:
            raise ValidationFailed(
                "That code is not valid. Check the time on your device and try the next code.",
                details={"field": "code"},
            )
        device.confirmed_at = timezone.now()
        device.last_step = step
        device.save(update_fields=["confirmed_at", "last_step"])
        audit.record(action="auth.totp.enable", obj=device, object_repr=str(device))
    return device


def remove(*, actor: Any | None, user: Any, code: str = "", now: float | None = None) -> None:
    """Remove ``user``'s authenticator: with a current code, or by an admin (lost device).

    ``actor=None`` is the operator at the console (``manage.py totp_reset``).
    """
    own = actor is not None and actor.pk == user.pk
    if actor is not None and not own and not actor.is_superuser:
        raise PermissionDenied("Only an administrator can remove another user's authenticator.")
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user_id=user.pk).first()
        if device is None:
            raise NotFound("No authenticator is set up.")
        if own and device.confirmed and totp.verify(_secret(device), code, now=now) is None:
            raise ValidationFailed("That code is not valid.", details={"field": "code"})
        audit.record(
            action="auth.totp.remove",
            obj=device,
            object_repr=str(device),
            changes={"user": user.get_username(), "by_administrator": not own},
        )
        device.delete()


def check_sign_in_code(user: Any, code: str, *, now: float | None = None) -> bool:
    """The second step of sign-in; a used code is refused; failures are audited."""
    with transaction.atomic():
        device = (
            TotpDevice.objects.select_for_update()
            .filter(user_id=user.pk, confirmed_at__isnull=False)
            .first()
        )
        if device is None:
            return False
        step = totp.verify(_secret(device), code, last_step=device.last_step, now=now)
        if step is None:
            audit.record(
                action="auth.totp.failed",
                obj=device,
                object_repr=str(device),
                actor=stored_user(user),
            )
            return False
        device.last_step = step
        device.save(update_fields=["last_step"])
    return True
