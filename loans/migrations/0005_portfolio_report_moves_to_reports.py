"""The report pages' proxy model now belongs to `loans.reports` (issue 11): a proxy has no
table, so leaving this app's state is all there is to it."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('loans', '0004_covering_indexes_for_the_nightly_job'),
        ('reports', '0001_initial'),
    ]

    operations = [
        migrations.DeleteModel(name='PortfolioReport'),
    ]
