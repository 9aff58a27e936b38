from django.apps import AppConfig


class OmConfig(AppConfig):
    """OpenMetadata compatibility: ingestion API, `metadata ingest` runner, import/export."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "catalog.om"
    label = "om"
    verbose_name = "OpenMetadata compatibility"
