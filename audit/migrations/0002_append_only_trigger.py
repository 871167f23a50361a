"""The processing log is append-only in the database too: on PostgreSQL, UPDATE and DELETE on it raise.

(TRUNCATE, used only by test database flushes and by nothing in the app, is not an UPDATE or DELETE.)
On SQLite, the development and test default, the model's own guard is the only one: a trigger there
would also stop the test runner's flush, which deletes rows.
"""

from django.db import migrations

TABLE = "audit_processinglogentry"

POSTGRES_UP = f"""
CREATE OR REPLACE FUNCTION audit_processing_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The processing log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER processing_log_append_only
    BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_processing_log_append_only();
"""
POSTGRES_DOWN = f"""
DROP TRIGGER IF EXISTS processing_log_append_only ON {TABLE};
DROP FUNCTION IF EXISTS audit_processing_log_append_only();
"""


def _run(schema_editor, statements) -> None:
    for statement in statements:
        schema_editor.execute(statement, params=None)


def forwards(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, [POSTGRES_UP])


def backwards(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, [POSTGRES_DOWN])


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
