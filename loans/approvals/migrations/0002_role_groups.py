"""The roles as Django groups (loans/approvals/roles.py). A later change of a role's permissions
is a new migration calling sync_groups again."""

from django.db import migrations


def create_groups(apps, schema_editor):
    from loans.approvals.groups import sync_groups

    sync_groups(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("borrowers", "0003_borrower_is_active"),
        ("loans", "0006_snapshotday"),
        ("origination", "0001_initial"),
        ("reconciliation", "0001_initial"),
        ("reports", "0001_initial"),
        ("tasks", "0006_partitions_scope_stalled"),
        ("programmes", "0005_fee_rule_split_constraint"),
    ]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
