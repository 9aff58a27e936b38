"""Access state: API tokens, policies (rules, masks, row filters), requests, grants."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiToken(models.Model):
    """A per-user API token. Only a SHA-256 of the secret is stored.

    The full token is shown once at creation: ``cst_<prefix>_<secret>``.
    """

    audit_type = "api_token"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    secret_hash = models.CharField(max_length=64)
    created = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.name} (cst_{self.prefix}_…)"

    @property
    def is_active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()


# -- policies --------------------------------------------------------------------------------
#
# A policy applies to a *principal*: one user, one group (a built-in role is a group), or
# everyone (both empty). See docs/access.md for the precedence rules.


class Principal(models.Model):
    """Abstract: who a rule or policy applies to (user XOR group, or nobody = everyone)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    group = models.ForeignKey(
        "auth.Group", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        abstract = True

    @property
    def principal_label(self) -> str:
        if self.user_id:
            return f"user:{self.user.get_username()}"  # type: ignore[union-attr]
        if self.group_id:
            return f"group:{self.group.name}"  # type: ignore[union-attr]
        return "everyone"


class PolicyBase(Principal):
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    enabled = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.name} ({self.principal_label})"


class Effect(models.TextChoices):
    ALLOW = "allow", "Allow"
    DENY = "deny", "Deny"


class AccessRule(PolicyBase):
    """An explicit allow/deny override of data access (``query``) on one asset and below.

    Object grants (django-guardian ``catalog.query_asset``) and roles give access; a rule
    on a more specific asset overrides them, e.g. deny one column of a granted schema.
    """

    audit_type = "access_rule"

    asset = models.ForeignKey("catalog.Asset", on_delete=models.CASCADE, related_name="+")
    effect = models.CharField(max_length=5, choices=Effect.choices, default=Effect.DENY)

    class Meta:
        ordering = ["id"]
        permissions = [("manage_policy", "Can create, change and delete access policies")]


class TargetKind(models.TextChoices):
    COLUMN = "column", "Column"
    TAG = "tag", "Tag"
    CLASSIFICATION = "classification", "Classification"


class MaskingPolicy(PolicyBase):
    """How a principal sees matching columns: an operator (or ``clear``) with parameters."""

    audit_type = "masking_policy"

    target_kind = models.CharField(max_length=15, choices=TargetKind.choices)
    column = models.ForeignKey(
        "catalog.Asset", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    tag = models.ForeignKey(
        "catalog.Tag", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    entity = models.CharField(max_length=64, blank=True, db_index=True)
    operator = models.CharField(max_length=40)
    params = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["id"]


class RowFilterPolicy(PolicyBase):
    """A SQL predicate limiting the rows of one table a principal reads.

    ``{user.<attr>}`` placeholders are bound as literals (never formatted into SQL). An
    empty predicate means "all rows" and overrides less specific filters.
    """

    audit_type = "row_filter_policy"

    table = models.ForeignKey("catalog.Asset", on_delete=models.CASCADE, related_name="+")
    predicate = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]


class PolicyVersion(models.Model):
    """One row per policy change: the full policy as it was after the change."""

    kind = models.CharField(max_length=20)  # rule | masking | row_filter
    policy_id = models.BigIntegerField()
    version = models.PositiveIntegerField()
    change = models.CharField(max_length=10)  # create | update | delete
    snapshot = models.JSONField(default=dict)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "policy_id", "version"]
        indexes = [models.Index(fields=["kind", "policy_id"])]


class UserAttribute(models.Model):
    """A named attribute of a user, bound into row filters as ``{user.<key>}``."""

    audit_type = "user_attribute"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_attributes"
    )
    key = models.SlugField(max_length=64)
    value = models.CharField(max_length=255)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="uniq_user_attr")]


# -- access requests, grants, notifications -------------------------------------------------


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    PARTIALLY_APPROVED = "partially_approved", "Partially approved"
    DENIED = "denied", "Denied"
    REVOKED = "revoked", "Revoked"
    EXPIRED = "expired", "Expired"


class AccessRequest(models.Model):
    audit_type = "access_request"

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_requests"
    )
    reason = models.TextField()
    duration_days = models.PositiveIntegerField(default=30)
    status = models.CharField(
        max_length=20, choices=RequestStatus.choices, default=RequestStatus.PENDING, db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created", "-id"]
        permissions = [("decide_accessrequest", "Can approve or deny any access request")]

    def __str__(self) -> str:
        return f"request #{self.pk} by {self.requester.get_username()}"


class ItemDecision(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    DENIED = "denied", "Denied"


class AccessRequestItem(models.Model):
    request = models.ForeignKey(AccessRequest, on_delete=models.CASCADE, related_name="items")
    asset = models.ForeignKey("catalog.Asset", on_delete=models.CASCADE, related_name="+")
    decision = models.CharField(
        max_length=10, choices=ItemDecision.choices, default=ItemDecision.PENDING
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "asset"], name="uniq_request_asset")
        ]


class Grant(models.Model):
    """A time-bound data-access grant (from an approved request), mirrored as guardian perms.

    ``mirrored`` lists the guardian permissions this grant added (so expiry removes only
    those). An expired or revoked grant is never honoured, even before the expiry job runs.
    """

    audit_type = "grant"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_grants"
    )
    asset = models.ForeignKey("catalog.Asset", on_delete=models.CASCADE, related_name="+")
    request = models.ForeignKey(
        AccessRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="grants"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    mirrored = models.JSONField(default=list, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"grant #{self.pk} {self.user.get_username()} -> {self.asset.fqn}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "active"


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_notifications"
    )
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    request = models.ForeignKey(
        AccessRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]


class PolicyEpoch(models.Model):
    """One row whose token changes with every write that can change a policy decision.

    Web and worker processes cache policy facts keyed by this token (access.policy_cache);
    the token is replaced in the same transaction as the write, so a cached decision never
    outlives the data it was made from. A random token (not a counter) can never come back
    after a rollback.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    token = models.CharField(max_length=32)
    changed = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"policy epoch {self.token}"


class TotpDevice(models.Model):
    """A user's authenticator (RFC 6238). The secret is sealed with the master key."""

    audit_type = "totp_device"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_device"
    )
    secret_sealed = models.TextField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_step = models.BigIntegerField(default=0)  # the last time step accepted (no replay)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"authenticator of {self.user.get_username()}"

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None
