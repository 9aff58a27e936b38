"""PostgreSQL: ``audit_chain_head()`` takes the chain lock and reads the head in one call.

The function is VOLATILE, so its SELECT runs with a snapshot taken *after* the advisory
lock is granted (a single ``SELECT pg_advisory_xact_lock(..), (SELECT .. head)`` statement
would read the head from a snapshot taken before waiting, and fork the chain).
Checkpoints get the same database-level append-only guard as events.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION audit_chain_head(OUT head_seq bigint, OUT head_hash varchar)
AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(109356099334003);
    SELECT seq, hash INTO head_seq, head_hash
        FROM audit_auditevent ORDER BY seq DESC LIMIT 1;
END;
$$ LANGUAGE plpgsql VOLATILE;
CREATE OR REPLACE FUNCTION audit_checkpoint_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit checkpoints are append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_checkpoint_no_update BEFORE UPDATE OR DELETE ON audit_auditcheckpoint
    FOR EACH ROW EXECUTE FUNCTION audit_checkpoint_append_only();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS audit_checkpoint_no_update ON audit_auditcheckpoint;
DROP FUNCTION IF EXISTS audit_checkpoint_append_only();
DROP FUNCTION IF EXISTS audit_chain_head();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_checkpoints_archives_exports")]
    operations = [migrations.RunPython(forward, backward)]
