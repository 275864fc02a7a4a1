"""The admin's report pages hang off `PortfolioReport`, a proxy with no table, which moves here
from `loans` (issue 11); its content type (and the permission to view the reports granted on
it) moves with it."""

from django.db import migrations


def move_content_type(apps, schema_editor, *, source="loans", target="reports"):
    content_types = apps.get_model("contenttypes", "ContentType").objects.db_manager(
        schema_editor.connection.alias
    )
    if not content_types.filter(app_label=target, model="portfolioreport").exists():
        content_types.filter(app_label=source, model="portfolioreport").update(app_label=target)


def move_content_type_back(apps, schema_editor):
    move_content_type(apps, schema_editor, source="reports", target="loans")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('loans', '0003_portfolio_report'),
    ]

    operations = [
        migrations.CreateModel(
            name='PortfolioReport',
            fields=[
            ],
            options={
                'verbose_name': 'báo cáo',
                'verbose_name_plural': 'báo cáo dư nợ, doanh số, tuổi nợ',
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=('loans.positionsnapshot',),
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
