"""Indexes for bounded catalog search (see catalog/search.py).

Both vendors: an index on ``(lower(name), length(fqn), id)`` answers exact and prefix name
matches in their display order, so a page of them is read straight off the index; an
index on ``(length(fqn), id)`` does the same for browsing without a query.
PostgreSQL only: GIN indexes on the ``|a|b|`` lists (tags, owners, classifications) as
arrays, so that a filter on one of them is an index lookup instead of a LIKE over every
entry (SQLite keeps LIKE there); and a small pending list for the GIN indexes of search.
New entries wait in that list, which every search reads through, until VACUUM or until it
outgrows the limit (4 MB by default): after a large ingest that doubled the full-text
lookups (17 -> 43 ms at a million columns). Raw SQL, like 0002: expression indexes and
storage parameters, no model state.
"""

from django.db import migrations

PENDING_KB = 256
PG_FORWARD = [
    # C collation: byte order, so that a prefix is one contiguous range of the index
    # whatever the database's default collation is.
    'CREATE INDEX catalog_searchentry_lname ON catalog_searchentry ((lower(name) COLLATE "C"), (length(fqn)), id)',
    "CREATE INDEX catalog_searchentry_browse ON catalog_searchentry ((length(fqn)), id)",
    *(
        f"CREATE INDEX catalog_searchentry_{column}_arr ON catalog_searchentry "
        f"USING GIN (string_to_array({column}, '|')) WITH (gin_pending_list_limit = {PENDING_KB}) "
        f"WHERE {column} <> ''"
        for column in ("tags", "owners", "classifications")
    ),
    # the trigram index is optional (0002 skips it without the CREATE privilege)
    f"ALTER INDEX catalog_searchentry_fts SET (gin_pending_list_limit = {PENDING_KB})",
    f"ALTER INDEX IF EXISTS catalog_searchentry_name_trgm SET (gin_pending_list_limit = {PENDING_KB})",
]
PG_BACKWARD = [
    "ALTER INDEX catalog_searchentry_fts RESET (gin_pending_list_limit)",
    "ALTER INDEX IF EXISTS catalog_searchentry_name_trgm RESET (gin_pending_list_limit)",
] + [
    f"DROP INDEX IF EXISTS {name}"
    for name in (
        "catalog_searchentry_lname",
        "catalog_searchentry_browse",
        "catalog_searchentry_tags_arr",
        "catalog_searchentry_owners_arr",
        "catalog_searchentry_classifications_arr",
    )
]
SQLITE_FORWARD = [
    "CREATE INDEX catalog_searchentry_lname ON catalog_searchentry (lower(name), length(fqn), id)",
    "CREATE INDEX catalog_searchentry_browse ON catalog_searchentry (length(fqn), id)",
]
SQLITE_BACKWARD = [
    "DROP INDEX IF EXISTS catalog_searchentry_lname",
    "DROP INDEX IF EXISTS catalog_searchentry_browse",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in PG_FORWARD if vendor == "postgresql" else SQLITE_FORWARD if vendor == "sqlite" else []:
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in PG_BACKWARD if vendor == "postgresql" else SQLITE_BACKWARD if vendor == "sqlite" else []:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_run_heartbeat")]
    operations = [migrations.RunPython(forward, backward)]
