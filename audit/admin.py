"""The trail in Django admin: readable by auditors, never writable by anyone."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from audit.models import AuditArchive, AuditCheckpoint, AuditEvent, AuditExport


class ReadOnlyAdmin(admin.ModelAdmin):
    actions = None

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("seq", "timestamp", "actor_label", "action", "object_type", "object_repr")
    list_filter = ("action", "channel")
    search_fields = ("actor_label", "action", "object_repr", "object_id")
    ordering = ("-seq",)
    show_full_result_count = False


@admin.register(AuditCheckpoint)
class AuditCheckpointAdmin(ReadOnlyAdmin):
    list_display = ("seq", "signed_at", "key_id", "head_hash")


@admin.register(AuditArchive)
class AuditArchiveAdmin(ReadOnlyAdmin):
    list_display = ("first_seq", "last_seq", "event_count", "cut_before", "bundle_path")


@admin.register(AuditExport)
class AuditExportAdmin(ReadOnlyAdmin):
    list_display = ("id", "scope", "status", "event_count", "requested_by", "created")
