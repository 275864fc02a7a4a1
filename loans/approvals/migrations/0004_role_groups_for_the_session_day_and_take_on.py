"""The roles' groups again (loans/approvals/roles.py): officers open sessions, post sheets and
members' savings; the branch also takes on existing books."""

from django.db import migrations


def sync(apps, schema_editor):
    from loans.approvals.groups import sync_groups

    sync_groups(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0003_risk_dossier"),
        ("savings", "0003_monthly_savings_line"),
        ("point_sessions", "0002_sheetsavingsentry"),
        ("takeon", "0001_initial"),
        ("borrowers", "0004_merge_is_active_and_folded_name"),
        ("loans", "0008_merge_due_date_index_and_opening_kinds"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
