"""The reconciliation's models now belong to `loans.reconciliation` (its 0001 took them over):
they leave this app's state; the tables stay (they are that app's now)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('reconciliation', '0001_initial'),
        ('tasks', '0003_reconciliation_tables_for_loans'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='Discrepancy'),
                migrations.DeleteModel(name='FeePayment'),
                migrations.DeleteModel(name='ReconciliationLine'),
                migrations.DeleteModel(name='Reconciliation'),
            ],
        ),
    ]
