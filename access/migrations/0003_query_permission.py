"""The ``catalog.query_asset`` permission: may read data through the query gateway.

Kept separate from ``catalog.view_asset`` (metadata). Roles get it globally (see
access/roles.py); object grants give it per asset through django-guardian.
"""

from django.db import migrations


def add_query_permission(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    ct, _ = ContentType.objects.get_or_create(app_label="catalog", model="asset")
    Permission.objects.get_or_create(
        codename="query_asset", content_type=ct, defaults={"name": "Can query data of asset"}
    )


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0002_policies_requests_grants"),
        ("catalog", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(add_query_permission, migrations.RunPython.noop)]
