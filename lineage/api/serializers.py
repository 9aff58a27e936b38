"""Lineage API input shapes (validation only; the views call services and selectors)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from sqlglot.dialects.dialect import Dialects

from lineage.sql.model import ALL_KINDS

DIALECTS = sorted(d.value for d in Dialects if d.value)
MAX_SCHEMA_TABLES = 20_000


class ParseIn(serializers.Serializer):
    sql = serializers.CharField(trim_whitespace=False, allow_blank=False)
    dialect = serializers.ChoiceField(choices=DIALECTS, required=False, allow_null=True)
    schema = serializers.DictField(required=False, allow_null=True)
    default_catalog = serializers.CharField(required=False, allow_null=True, max_length=255)
    default_schema = serializers.CharField(required=False, allow_null=True, max_length=255)

    def validate_schema(self, value: Any) -> Any:
        if value is None:
            return None
        if len(value) > MAX_SCHEMA_TABLES:
            raise serializers.ValidationError(f"at most {MAX_SCHEMA_TABLES} tables")
        for table, columns in value.items():
            if not isinstance(columns, dict) or not all(
                isinstance(c, str) and isinstance(t, str | type(None)) for c, t in columns.items()
            ):
                raise serializers.ValidationError(f"{table!r} must map column names to type names")
        return value


class EdgeIn(serializers.Serializer):
    source = serializers.CharField(max_length=1000)
    target = serializers.CharField(max_length=1000)
    transform = serializers.ChoiceField(choices=list(ALL_KINDS), required=False, allow_null=True)
    confidence = serializers.FloatField(required=False, min_value=0.0001, max_value=1.0)


class EdgesIn(serializers.Serializer):
    reference = serializers.CharField(max_length=1000)
    source = serializers.SlugField(required=False, allow_null=True)
    edges = serializers.ListField(child=EdgeIn(), allow_empty=True, max_length=20_000)
