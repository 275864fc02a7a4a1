"""The monthly reconciliation's results move to `loans.reconciliation` (issue 11). In the
database: the link to the job run becomes a plain id (loans never depends on tasks, so no
foreign key to tasks_jobrun), and the four tables take the new app's names. The models leave
this app's state in 0004, once `reconciliation.0001_initial` has taken them over."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tasks', '0002_reconciliation'),
    ]

    operations = [
        migrations.AlterField(
            model_name='reconciliation',
            name='run',
            field=models.BigIntegerField(blank=True, db_column='run_id', null=True, verbose_name='lần chạy gần nhất'),
        ),
        migrations.AlterModelTable(name='reconciliation', table='reconciliation_reconciliation'),
        migrations.AlterModelTable(name='reconciliationline', table='reconciliation_reconciliationline'),
        migrations.AlterModelTable(name='feepayment', table='reconciliation_feepayment'),
        migrations.AlterModelTable(name='discrepancy', table='reconciliation_discrepancy'),
    ]
