"""Catalog state: sources and their assets (database > schema > table/view > column),
glossary, tags, classifications, ownership, ingestion runs and schema drift.

All catalog nodes live in one ``Asset`` table (typed by ``type``) so that search,
ownership, tags, object permissions and lineage treat every node the same way; the
proxy models ``Database``, ``Schema``, ``Table`` and ``Column`` give each kind its name.
Ancestor references (``root_ref`` ... ``table_ref``) make "is this under a granted
schema?" a single indexed filter.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import Q


class TimeStamped(models.Model):
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class SourceKind(models.TextChoices):
    SQLITE = "sqlite", "SQLite"
    POSTGRESQL = "postgresql", "PostgreSQL"
    MYSQL = "mysql", "MySQL / MariaDB"


class Source(TimeStamped):
    """A registered data source (a connection). The DSN is sealed with the key manager."""

    audit_type = "source"

    name = models.SlugField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=SourceKind.choices)
    dsn_sealed = models.TextField(help_text="DSN sealed with the master key (never plain).")
    description = models.TextField(blank=True)
    include_schemas = models.JSONField(default=list, blank=True)
    exclude_schemas = models.JSONField(default=list, blank=True)
    is_demo = models.BooleanField(default=False)
    last_ingested_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def fqn(self) -> str:
        return self.name


class AssetType(models.TextChoices):
    SOURCE = "source", "Source"
    DATABASE = "database", "Database"
    SCHEMA = "schema", "Schema"
    TABLE = "table", "Table"
    VIEW = "view", "View"
    COLUMN = "column", "Column"


class AssetQuerySet(models.QuerySet["Asset"]):
    def live(self) -> AssetQuerySet:
        return self.filter(deleted_at__isnull=True)

    def restrict(self, user: Any, action: str = "view") -> AssetQuerySet:
        """Only the assets ``user`` may ``action`` (NetBox's restrict idea).

        Global permission (role) -> everything; otherwise object grants (django-guardian,
        direct or through groups) and ownership cover the granted asset, everything under
        it, and its ancestors (so the path to a granted table can be browsed).
        """
        from catalog.permissions import granted_asset_ids

        if user is None or not user.is_authenticated:
            return self.none()
        if user.is_superuser or user.has_perm(f"catalog.{action}_asset"):
            return self
        granted = granted_asset_ids(user, action)
        if not granted:
            return self.none()
        ancestors: set[int] = set()
        for refs in Asset.objects.filter(id__in=granted).values_list(
            "root_ref_id", "database_ref_id", "schema_ref_id", "table_ref_id"
        ):
            ancestors.update(r for r in refs if r)
        return self.filter(
            Q(id__in=granted | ancestors)
            | Q(root_ref_id__in=granted)
            | Q(database_ref_id__in=granted)
            | Q(schema_ref_id__in=granted)
            | Q(table_ref_id__in=granted)
        )


class Asset(TimeStamped):
    """A catalog node: source, database, schema, table, view or column."""

    audit_type = "asset"

    type = models.CharField(max_length=10, choices=AssetType.choices, db_index=True)
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="assets")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    root_ref = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    database_ref = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    schema_ref = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    table_ref = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(max_length=255)
    fqn = models.CharField(max_length=700, unique=True)
    description = models.TextField(blank=True)
    comment = models.TextField(blank=True, help_text="Comment as ingested from the source.")
    properties = models.JSONField(default=dict, blank=True)
    # columns
    data_type = models.CharField(max_length=255, blank=True)
    nullable = models.BooleanField(null=True)
    position = models.IntegerField(null=True, blank=True)
    is_primary_key = models.BooleanField(default=False)
    references = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="referenced_by"
    )
    # tables / views
    row_count = models.BigIntegerField(null=True, blank=True)
    view_sql = models.TextField(blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[AssetQuerySet] = AssetQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["fqn"]
        # view = see metadata; query = read data through the governed gateway.
        permissions = [("query_asset", "Can query data of asset")]
        indexes = [
            models.Index(fields=["parent", "position"]),
            models.Index(fields=["source", "type"]),
            models.Index(fields=["name"]),
        ]

    def __str__(self) -> str:
        return self.fqn

    @property
    def is_table_like(self) -> bool:
        return self.type in (AssetType.TABLE, AssetType.VIEW)

    def ancestors(self) -> list[Asset]:
        chain: list[Asset] = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))


class _TypedManager(models.Manager["Asset"]):
    def __init__(self, *types: str) -> None:
        super().__init__()
        self.types = types

    def get_queryset(self) -> AssetQuerySet:
        return AssetQuerySet(self.model, using=self._db).filter(type__in=self.types)


class Database(Asset):
    objects = _TypedManager(AssetType.DATABASE)  # type: ignore[assignment,misc]

    class Meta:
        proxy = True


class Schema(Asset):
    objects = _TypedManager(AssetType.SCHEMA)  # type: ignore[assignment,misc]

    class Meta:
        proxy = True


class Table(Asset):
    objects = _TypedManager(AssetType.TABLE, AssetType.VIEW)  # type: ignore[assignment,misc]

    class Meta:
        proxy = True


class Column(Asset):
    objects = _TypedManager(AssetType.COLUMN)  # type: ignore[assignment,misc]

    class Meta:
        proxy = True


class Tag(TimeStamped):
    audit_type = "tag"

    name = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class LabelSource(models.TextChoices):
    MANUAL = "manual", "Manual"
    DETECTED = "detected", "Detected"
    PROPAGATED = "propagated", "Propagated"


class TagAssignment(TimeStamped):
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="tag_assignments")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="assignments")
    source = models.CharField(
        max_length=12, choices=LabelSource.choices, default=LabelSource.MANUAL
    )
    confidence = models.FloatField(default=1.0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["asset", "tag"], name="uniq_asset_tag")]


class ClassificationStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    CONFIRMED = "confirmed", "Confirmed"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Classification(TimeStamped):
    """A personal-data classification of a column (e.g. EMAIL_ADDRESS)."""

    audit_type = "classification"

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="classifications")
    entity = models.CharField(max_length=64, db_index=True)
    source = models.CharField(
        max_length=12, choices=LabelSource.choices, default=LabelSource.MANUAL
    )
    status = models.CharField(
        max_length=10, choices=ClassificationStatus.choices, default=ClassificationStatus.CONFIRMED
    )
    confidence = models.FloatField(default=1.0)
    explanation = models.TextField(blank=True)
    evidence = models.JSONField(default=dict, blank=True)
    upstream = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="propagated_to"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "entity", "source"], name="uniq_classification"
            )
        ]
        indexes = [models.Index(fields=["status", "confidence"])]

    def __str__(self) -> str:
        return f"{self.asset.fqn}: {self.entity} ({self.source}, {self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in (ClassificationStatus.PROPOSED, ClassificationStatus.CONFIRMED)


class TermStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved"
    DEPRECATED = "deprecated", "Deprecated"


class GlossaryTerm(TimeStamped):
    """A business term, in a hierarchy, linked to the columns that hold it."""

    audit_type = "term"

    name = models.CharField(max_length=200)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    fqn = models.CharField(max_length=700, unique=True)
    definition = models.TextField(blank=True)
    synonyms = models.JSONField(default=list, blank=True)
    related = models.ManyToManyField("self", blank=True, symmetrical=True)
    status = models.CharField(max_length=12, choices=TermStatus.choices, default=TermStatus.DRAFT)
    assets = models.ManyToManyField(Asset, blank=True, related_name="terms", through="TermLink")

    class Meta:
        ordering = ["fqn"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="uniq_term_name_in_parent")
        ]

    def __str__(self) -> str:
        return self.fqn


class TermLink(TimeStamped):
    term = models.ForeignKey(GlossaryTerm, on_delete=models.CASCADE)
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["term", "asset"], name="uniq_term_asset")]


class OwnerRole(models.TextChoices):
    OWNER = "owner", "Owner"
    STEWARD = "steward", "Steward"


class Ownership(TimeStamped):
    """A user or group who owns or stewards an asset or a glossary term."""

    asset = models.ForeignKey(
        Asset, null=True, blank=True, on_delete=models.CASCADE, related_name="ownerships"
    )
    term = models.ForeignKey(
        GlossaryTerm, null=True, blank=True, on_delete=models.CASCADE, related_name="ownerships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    role = models.CharField(max_length=10, choices=OwnerRole.choices, default=OwnerRole.OWNER)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(user__isnull=False, group__isnull=True)
                    | Q(user__isnull=True, group__isnull=False)
                ),
                name="ownership_user_xor_group",
            ),
            models.CheckConstraint(
                condition=(
                    Q(asset__isnull=False, term__isnull=True)
                    | Q(asset__isnull=True, term__isnull=False)
                ),
                name="ownership_asset_xor_term",
            ),
            models.UniqueConstraint(
                fields=["asset", "term", "user", "group", "role"], name="uniq_ownership"
            ),
        ]

    @property
    def principal(self) -> str:
        if self.user_id:
            return self.user.get_username()  # type: ignore[union-attr]
        return f"group:{self.group.name}"  # type: ignore[union-attr]


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class IngestionRun(TimeStamped):
    """One ingestion of a source (native or through the OpenMetadata workflow)."""

    audit_type = "ingestion_run"

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="runs")
    kind = models.CharField(max_length=20, default="native")
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress_done = models.IntegerField(default=0)
    progress_total = models.IntegerField(default=0)
    message = models.CharField(max_length=255, blank=True)
    stats = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Recovery from lost workers (catalog.services.recover_stale_runs): the worker that
    # claimed the run, its last sign of life (or when the run was last queued), and how
    # many times a worker claimed it.
    worker = models.CharField(max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="catalog_run_liveness")]

    def __str__(self) -> str:
        return f"{self.source.name} #{self.pk} {self.status}"


class DriftKind(models.TextChoices):
    TABLE_ADDED = "table_added", "Table added"
    TABLE_DROPPED = "table_dropped", "Table dropped"
    TABLE_RESTORED = "table_restored", "Table restored"
    COLUMN_ADDED = "column_added", "Column added"
    COLUMN_REMOVED = "column_removed", "Column removed"
    TYPE_CHANGED = "type_changed", "Type changed"
    NULLABLE_CHANGED = "nullable_changed", "Nullability changed"
    VIEW_CHANGED = "view_changed", "View definition changed"


class DriftEvent(models.Model):
    """A schema change seen by a re-ingest (the table's version history)."""

    table = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="drift_events")
    run = models.ForeignKey(
        IngestionRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="drift_events"
    )
    kind = models.CharField(max_length=20, choices=DriftKind.choices)
    column_name = models.CharField(max_length=255, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    detected_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-detected_at", "-id"]


class SearchEntry(models.Model):
    """Denormalised search document for one asset or glossary term.

    Kept in sync by the services on every write; indexed by SQLite FTS5 or PostgreSQL
    full-text + trigram (see catalog/search.py and the search migration).
    """

    asset = models.OneToOneField(
        Asset, null=True, blank=True, on_delete=models.CASCADE, related_name="search_entry"
    )
    term = models.OneToOneField(
        GlossaryTerm, null=True, blank=True, on_delete=models.CASCADE, related_name="search_entry"
    )
    type = models.CharField(max_length=10, db_index=True)
    fqn = models.CharField(max_length=700)
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    tags = models.TextField(blank=True)  # "|pii|email|" for exact filtering
    owners = models.TextField(blank=True)
    terms = models.TextField(blank=True)
    classifications = models.TextField(blank=True)
    source_name = models.CharField(max_length=100, blank=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["name"])]

    @staticmethod
    def _split(text: str) -> list[str]:
        return [t for t in (text or "").split("|") if t]

    @property
    def tag_list(self) -> list[str]:
        return self._split(self.tags) if self.type != "term" else []

    @property
    def classification_list(self) -> list[str]:
        return self._split(self.classifications)

    @property
    def owner_list(self) -> list[str]:
        return self._split(self.owners)
