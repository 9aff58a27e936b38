"""Catalog API shapes. Every asset carries ``type``, ``fqn`` and ``name`` (contract)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from catalog.models import Asset, DriftEvent, GlossaryTerm, IngestionRun, SearchEntry, Source


class OwnerOut(serializers.Serializer):
    id = serializers.IntegerField()
    principal = serializers.CharField()
    kind = serializers.SerializerMethodField()
    role = serializers.CharField()

    def get_kind(self, obj: Any) -> str:
        return "user" if obj.user_id else "group"


class ClassificationOut(serializers.Serializer):
    id = serializers.IntegerField()
    entity = serializers.CharField()
    source = serializers.CharField()
    status = serializers.CharField()
    confidence = serializers.FloatField()
    explanation = serializers.CharField()


class AssetRef(serializers.Serializer):
    type = serializers.CharField()
    fqn = serializers.CharField()
    name = serializers.CharField()


def _tags(asset: Asset) -> list[dict[str, Any]]:
    return [
        {"name": ta.tag.name, "source": ta.source, "confidence": ta.confidence}
        for ta in asset.tag_assignments.all()
    ]


class ColumnOut(serializers.Serializer):
    type = serializers.CharField()
    fqn = serializers.CharField()
    name = serializers.CharField()
    data_type = serializers.CharField()
    nullable = serializers.BooleanField(allow_null=True)
    position = serializers.IntegerField(allow_null=True)
    is_primary_key = serializers.BooleanField()
    references = serializers.SerializerMethodField()
    description = serializers.CharField()
    comment = serializers.CharField()
    properties = serializers.DictField()
    tags = serializers.SerializerMethodField()
    owners = serializers.SerializerMethodField()
    classifications = serializers.SerializerMethodField()
    terms = serializers.SerializerMethodField()
    table = serializers.SerializerMethodField()

    def get_references(self, obj: Asset) -> str | None:
        return obj.references.fqn if obj.references_id and obj.references else None

    def get_tags(self, obj: Asset) -> list[dict[str, Any]]:
        return _tags(obj)

    def get_owners(self, obj: Asset) -> list[dict[str, Any]]:
        return OwnerOut(obj.ownerships.all(), many=True).data  # type: ignore[return-value]

    def get_classifications(self, obj: Asset) -> list[dict[str, Any]]:
        active = [c for c in obj.classifications.all() if c.is_active]
        return ClassificationOut(active, many=True).data  # type: ignore[return-value]

    def get_terms(self, obj: Asset) -> list[dict[str, Any]]:
        return [{"id": t.id, "fqn": t.fqn, "name": t.name} for t in obj.terms.all()]

    def get_table(self, obj: Asset) -> str | None:
        return obj.fqn.rsplit(".", 1)[0] if obj.table_ref_id else None


class TableOut(serializers.Serializer):
    type = serializers.CharField()
    fqn = serializers.CharField()
    name = serializers.CharField()
    source = serializers.CharField(source="source.name")
    database = serializers.SerializerMethodField()
    schema = serializers.SerializerMethodField()
    description = serializers.CharField()
    comment = serializers.CharField()
    row_count = serializers.IntegerField(allow_null=True)
    view_sql = serializers.CharField()
    properties = serializers.DictField()
    tags = serializers.SerializerMethodField()
    owners = serializers.SerializerMethodField()
    terms = serializers.SerializerMethodField()
    updated = serializers.DateTimeField()
    columns = serializers.SerializerMethodField()

    def get_database(self, obj: Asset) -> str:
        return obj.fqn.split(".")[1] if obj.database_ref_id else ""

    def get_schema(self, obj: Asset) -> str:
        return obj.parent.name if obj.parent else ""

    def get_tags(self, obj: Asset) -> list[dict[str, Any]]:
        return _tags(obj)

    def get_owners(self, obj: Asset) -> list[dict[str, Any]]:
        return OwnerOut(obj.ownerships.all(), many=True).data  # type: ignore[return-value]

    def get_terms(self, obj: Asset) -> list[dict[str, Any]]:
        return [{"id": t.id, "fqn": t.fqn, "name": t.name} for t in obj.terms.all()]

    def get_columns(self, obj: Asset) -> list[dict[str, Any]]:
        cols = self.context.get("columns", [])
        return ColumnOut(cols, many=True).data  # type: ignore[return-value]


class AssetUpdateIn(serializers.Serializer):
    description = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    properties = serializers.DictField(required=False)


class TagIn(serializers.Serializer):
    tag = serializers.CharField(max_length=100)


class OwnerIn(serializers.Serializer):
    user = serializers.CharField(required=False, allow_blank=False)
    group = serializers.CharField(required=False, allow_blank=False)
    role = serializers.ChoiceField(choices=["owner", "steward"], default="owner")


class SearchHit(serializers.Serializer):
    type = serializers.CharField()
    fqn = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    source = serializers.CharField(source="source_name")
    tags = serializers.SerializerMethodField()
    owners = serializers.SerializerMethodField()
    classifications = serializers.SerializerMethodField()
    terms = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    @staticmethod
    def _split(text: str) -> list[str]:
        return [t for t in (text or "").split("|") if t]

    def get_tags(self, obj: SearchEntry) -> list[str]:
        return self._split(obj.tags) if obj.type != "term" else []

    def get_owners(self, obj: SearchEntry) -> list[str]:
        return self._split(obj.owners)

    def get_classifications(self, obj: SearchEntry) -> list[str]:
        return self._split(obj.classifications)

    def get_terms(self, obj: SearchEntry) -> list[str]:
        return self._split(obj.terms)

    def get_url(self, obj: SearchEntry) -> str:
        if obj.type == "term":
            return f"/api/v1/glossary/terms/{obj.term_id}"
        if obj.type == "column":
            return f"/api/v1/columns/{obj.fqn}"
        if obj.type in ("table", "view"):
            return f"/api/v1/tables/{obj.fqn}"
        return f"/api/v1/assets/{obj.fqn}"


class SearchPage(serializers.Serializer):
    """One page of hits in the contract's list shape, with facet counts if asked (facets=1)."""

    count = serializers.IntegerField(
        help_text="matches, counted up to 1,000 (further on deeper pages)"
    )
    count_is_lower_bound = serializers.BooleanField(
        help_text="true when there are more matches than count (show it as 1,000+)"
    )
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = SearchHit(many=True)
    facets = serializers.DictField(
        child=serializers.DictField(child=serializers.IntegerField()),
        required=False,
        help_text="facet -> value -> hits; only with facets=1 and at least one hit",
    )


class TagOut(serializers.Serializer):
    fqn = serializers.CharField()
    tag = serializers.CharField(help_text="normalised: trimmed, lower case")


class SourceOut(serializers.ModelSerializer):
    type = serializers.SerializerMethodField()
    fqn = serializers.CharField(source="name")
    dsn = serializers.SerializerMethodField()

    class Meta:
        model = Source
        fields = [
            "type",
            "fqn",
            "name",
            "kind",
            "description",
            "dsn",
            "is_demo",
            "last_ingested_at",
            "created",
            "updated",
        ]

    def get_type(self, obj: Source) -> str:
        return "source"

    def get_dsn(self, obj: Source) -> str:
        from catalog.services import redacted_dsn

        return redacted_dsn(obj)


class SourceIn(serializers.Serializer):
    name = serializers.SlugField(max_length=100)
    dsn = serializers.CharField(max_length=2000)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    include_schemas = serializers.ListField(
        child=serializers.CharField(), required=False, default=list
    )
    test_connection = serializers.BooleanField(required=False, default=True)


class RunOut(serializers.ModelSerializer):
    source = serializers.CharField(source="source.name")

    class Meta:
        model = IngestionRun
        fields = [
            "id",
            "source",
            "kind",
            "status",
            "progress_done",
            "progress_total",
            "message",
            "stats",
            "error",
            "created",
            "started_at",
            "finished_at",
        ]


class DriftOut(serializers.ModelSerializer):
    table = serializers.CharField(source="table.fqn")

    class Meta:
        model = DriftEvent
        fields = ["id", "table", "kind", "column_name", "before", "after", "detected_at", "run"]


class TermOut(serializers.ModelSerializer):
    type = serializers.SerializerMethodField()
    parent = serializers.SerializerMethodField()
    related = serializers.SerializerMethodField()
    owners = serializers.SerializerMethodField()

    class Meta:
        model = GlossaryTerm
        fields = [
            "id",
            "type",
            "fqn",
            "name",
            "definition",
            "synonyms",
            "status",
            "parent",
            "related",
            "owners",
            "created",
            "updated",
        ]

    def get_type(self, obj: GlossaryTerm) -> str:
        return "term"

    def get_parent(self, obj: GlossaryTerm) -> str | None:
        return obj.parent.fqn if obj.parent else None

    def get_related(self, obj: GlossaryTerm) -> list[str]:
        return [t.fqn for t in obj.related.all()]

    def get_owners(self, obj: GlossaryTerm) -> list[dict[str, Any]]:
        return OwnerOut(obj.ownerships.all(), many=True).data  # type: ignore[return-value]


class TermDetailOut(TermOut):
    assets = AssetRef(many=True, read_only=True, help_text="linked assets the caller may see")

    class Meta(TermOut.Meta):
        fields = [*TermOut.Meta.fields, "assets"]


class TermIn(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    definition = serializers.CharField(required=False, allow_blank=True)
    synonyms = serializers.ListField(child=serializers.CharField(max_length=200), required=False)
    status = serializers.ChoiceField(choices=["draft", "approved", "deprecated"], required=False)
    parent = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, help_text="FQN of the parent term"
    )
    related = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="FQNs of related terms"
    )


class TermLinkIn(serializers.Serializer):
    fqn = serializers.CharField(max_length=700)
