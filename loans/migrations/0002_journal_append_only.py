"""On PostgreSQL, the database itself refuses UPDATE and DELETE on the journal.

TRUNCATE is left alone on purpose: test databases are flushed with it, and no application path
issues it. SQLite gets the same guarantee from the model and its queryset.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION loans_journal_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'loans_loantransaction is append-only: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS loans_journal_append_only ON loans_loantransaction;
CREATE TRIGGER loans_journal_append_only
    BEFORE UPDATE OR DELETE ON loans_loantransaction
    FOR EACH ROW EXECUTE FUNCTION loans_journal_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS loans_journal_append_only ON loans_loantransaction;
DROP FUNCTION IF EXISTS loans_journal_append_only();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("loans", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
