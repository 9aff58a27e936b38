"""Privacy API shapes (input validation and output rendering only)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import Classification
from privacy.models import ScanRun

MAX_COLUMNS = 1000
MAX_VALUES = 1000
MAX_VALUE_CHARS = 10_000


@extend_schema_field(
    {
        "oneOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}],
        "nullable": True,
        "description": "A JSON scalar (string, number, boolean or null).",
    }
)
class ScalarField(serializers.Field):
    """A JSON scalar (string, number, boolean or null)."""

    def to_internal_value(self, data: Any) -> Any:
        if data is not None and not isinstance(data, str | int | float | bool):
            raise serializers.ValidationError("values must be strings, numbers, booleans or null")
        if isinstance(data, str) and len(data) > MAX_VALUE_CHARS:
            raise serializers.ValidationError(f"values are at most {MAX_VALUE_CHARS} characters")
        return data

    def to_representation(self, value: Any) -> Any:
        return value


class ClassifyColumnIn(serializers.Serializer):
    name = serializers.CharField(max_length=255)
    values = serializers.ListField(
        child=ScalarField(allow_null=True), max_length=MAX_VALUES, default=list
    )
    table = serializers.CharField(max_length=255, required=False, allow_null=True, allow_blank=True)
    comment = serializers.CharField(
        max_length=2000, required=False, allow_null=True, allow_blank=True
    )
    data_type = serializers.CharField(
        max_length=255, required=False, allow_null=True, allow_blank=True
    )


class ClassifyIn(serializers.Serializer):
    columns = serializers.ListField(child=ClassifyColumnIn(), min_length=1, max_length=MAX_COLUMNS)


class ClassifyResultOut(serializers.Serializer):
    name = serializers.CharField()
    entity = serializers.CharField(allow_null=True)
    score = serializers.FloatField()
    explanation = serializers.CharField()
    free_text = serializers.BooleanField()
    entities_in_text = serializers.ListField(child=serializers.CharField())


class ClassifyOut(serializers.Serializer):
    results = ClassifyResultOut(many=True, help_text="one per input column, in input order")


class ScanIn(serializers.Serializer):
    source = serializers.CharField(max_length=100)
    table = serializers.CharField(max_length=700, required=False, allow_blank=False)


class ScanOut(serializers.ModelSerializer):
    source = serializers.CharField(source="source.name")
    requested_by = serializers.SerializerMethodField()
    percent = serializers.IntegerField(allow_null=True)

    class Meta:
        model = ScanRun
        fields = [
            "id",
            "source",
            "scope",
            "targets",
            "status",
            "progress_done",
            "progress_total",
            "percent",
            "message",
            "stats",
            "error",
            "created",
            "started_at",
            "finished_at",
            "requested_by",
        ]

    def get_requested_by(self, obj: ScanRun) -> str | None:
        return obj.requested_by.get_username() if obj.requested_by else None


class ClassificationOut(serializers.ModelSerializer):
    fqn = serializers.CharField(source="asset.fqn")
    column = serializers.CharField(source="asset.name")
    table = serializers.SerializerMethodField()
    source_name = serializers.CharField(source="asset.source.name")
    classification_source = serializers.CharField(source="source")
    score = serializers.FloatField(source="confidence")
    free_text = serializers.SerializerMethodField()
    entities_in_text = serializers.SerializerMethodField()
    needs_review = serializers.SerializerMethodField()
    signals = serializers.SerializerMethodField()

    class Meta:
        model = Classification
        fields = [
            "id",
            "fqn",
            "column",
            "table",
            "source_name",
            "entity",
            "status",
            "classification_source",
            "score",
            "explanation",
            "free_text",
            "entities_in_text",
            "needs_review",
            "signals",
            "created",
            "updated",
        ]

    def get_table(self, obj: Classification) -> str | None:
        parent = obj.asset.parent
        return parent.fqn if parent else None

    def get_free_text(self, obj: Classification) -> bool:
        return bool((obj.evidence or {}).get("free_text"))

    def get_entities_in_text(self, obj: Classification) -> list[str]:
        return list((obj.evidence or {}).get("entities_in_text") or [])

    def get_needs_review(self, obj: Classification) -> str | None:
        review = (obj.evidence or {}).get("review")
        return review.get("reason") if isinstance(review, dict) else None

    def get_signals(self, obj: Classification) -> list[dict[str, Any]]:
        return list((obj.evidence or {}).get("signals") or [])


class ClassificationListOut(serializers.Serializer):
    results = ClassificationOut(many=True)


class BulkReviewOut(serializers.Serializer):
    updated = serializers.IntegerField()
    results = ClassificationOut(many=True)


class ReviewIn(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class BulkReviewIn(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),  # a 64-bit key
        min_length=1,
        max_length=500,
    )
    action = serializers.ChoiceField(choices=["confirm", "reject"])
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ManualClassificationIn(serializers.Serializer):
    entity = serializers.CharField(max_length=64)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class DetokenizeIn(serializers.Serializer):
    tokens = serializers.ListField(
        child=serializers.CharField(max_length=4000, trim_whitespace=False),
        min_length=1,
        max_length=1000,
    )
    reason = serializers.CharField(max_length=500)
