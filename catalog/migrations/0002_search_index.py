"""Full-text index for catalog search, per database vendor.

SQLite: FTS5 external-content table kept in sync by triggers.
PostgreSQL: generated tsvector column + GIN index, and a pg_trgm index on names.
"""

from django.db import migrations

FTS_COLUMNS = "name, fqn, description, tags, owners, terms, classifications"

SQLITE_FORWARD = [
    f"""CREATE VIRTUAL TABLE catalog_search_fts USING fts5({FTS_COLUMNS},
        content='catalog_searchentry', content_rowid='id',
        tokenize="unicode61 remove_diacritics 2", prefix='2 3')""",
    f"""CREATE TRIGGER catalog_search_ai AFTER INSERT ON catalog_searchentry BEGIN
        INSERT INTO catalog_search_fts(rowid, {FTS_COLUMNS})
        VALUES (new.id, new.name, new.fqn, new.description, new.tags, new.owners, new.terms, new.classifications);
    END""",
    f"""CREATE TRIGGER catalog_search_ad AFTER DELETE ON catalog_searchentry BEGIN
        INSERT INTO catalog_search_fts(catalog_search_fts, rowid, {FTS_COLUMNS})
        VALUES ('delete', old.id, old.name, old.fqn, old.description, old.tags, old.owners, old.terms, old.classifications);
    END""",
    f"""CREATE TRIGGER catalog_search_au AFTER UPDATE ON catalog_searchentry BEGIN
        INSERT INTO catalog_search_fts(catalog_search_fts, rowid, {FTS_COLUMNS})
        VALUES ('delete', old.id, old.name, old.fqn, old.description, old.tags, old.owners, old.terms, old.classifications);
        INSERT INTO catalog_search_fts(rowid, {FTS_COLUMNS})
        VALUES (new.id, new.name, new.fqn, new.description, new.tags, new.owners, new.terms, new.classifications);
    END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS catalog_search_ai",
    "DROP TRIGGER IF EXISTS catalog_search_ad",
    "DROP TRIGGER IF EXISTS catalog_search_au",
    "DROP TABLE IF EXISTS catalog_search_fts",
]

PG_FORWARD = [
    """ALTER TABLE catalog_searchentry ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple'::regconfig, regexp_replace(coalesce(name, ''), '[_."]', ' ', 'g')), 'A') ||
        setweight(to_tsvector('simple'::regconfig, regexp_replace(coalesce(fqn, ''), '[_."]', ' ', 'g')), 'C') ||
        setweight(to_tsvector('simple'::regconfig,
            regexp_replace(coalesce(tags, '') || ' ' || coalesce(classifications, '') || ' ' ||
                           coalesce(terms, '') || ' ' || coalesce(owners, ''), '[|_:]', ' ', 'g')), 'B') ||
        setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'D')
    ) STORED""",
    "CREATE INDEX catalog_searchentry_fts ON catalog_searchentry USING GIN (search_vector)",
]
PG_TRGM = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX catalog_searchentry_name_trgm ON catalog_searchentry USING GIN (lower(name) gin_trgm_ops)",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS catalog_searchentry_name_trgm",
    "DROP INDEX IF EXISTS catalog_searchentry_fts",
    "ALTER TABLE catalog_searchentry DROP COLUMN IF EXISTS search_vector",
]


def forward(apps, schema_editor):
    conn = schema_editor.connection
    if conn.vendor == "sqlite":
        for sql in SQLITE_FORWARD:
            schema_editor.execute(sql)
    elif conn.vendor == "postgresql":
        for sql in PG_FORWARD:
            schema_editor.execute(sql)
        # pg_trgm needs CREATE privilege on the database; search still works without it.
        try:
            with conn.cursor() as cur:
                cur.execute("SAVEPOINT trgm")
                for sql in PG_TRGM:
                    cur.execute(sql)
                cur.execute("RELEASE SAVEPOINT trgm")
        except Exception:
            with conn.cursor() as cur:
                cur.execute("ROLLBACK TO SAVEPOINT trgm")


def backward(apps, schema_editor):
    conn = schema_editor.connection
    statements = SQLITE_BACKWARD if conn.vendor == "sqlite" else PG_BACKWARD if conn.vendor == "postgresql" else []
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
