"""On PostgreSQL, the database itself refuses UPDATE and DELETE on the savings journal, as it
does on the loan journal (loans 0002). SQLite gets the guarantee from the model and queryset."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION savings_journal_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'savings_savingstransaction is append-only: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS savings_journal_append_only ON savings_savingstransaction;
CREATE TRIGGER savings_journal_append_only
    BEFORE UPDATE OR DELETE ON savings_savingstransaction
    FOR EACH ROW EXECUTE FUNCTION savings_journal_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS savings_journal_append_only ON savings_savingstransaction;
DROP FUNCTION IF EXISTS savings_journal_append_only();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("savings", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
