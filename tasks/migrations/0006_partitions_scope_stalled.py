"""Runs get their partitions (one row per office: done or not, attempts, counts), their scope
(the branch, or some offices), the stalled status, and when they last progressed; runs from
before are the branch's, and progressed when they last changed."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.db.models import F
from django.db.models.functions import Coalesce


def last_progress(apps, schema_editor):
    JobRun = apps.get_model("tasks", "JobRun")
    JobRun.objects.using(schema_editor.connection.alias).update(
        progressed_at=Coalesce(F("finished_at"), F("started_at"), F("created_at"))
    )



class Migration(migrations.Migration):

    dependencies = [
        ('borrowers', '0002_national_id_strict'),
        ('tasks', '0005_snapshot_days_from_runs'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='JobPartition',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('queued', 'Đang chờ'), ('running', 'Đang chạy'), ('done', 'Hoàn thành'), ('failed', 'Lỗi')], default='queued', max_length=10, verbose_name='trạng thái')),
                ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='số lần chạy')),
                ('counts', models.JSONField(blank=True, default=dict, verbose_name='số liệu')),
                ('error', models.TextField(blank=True, verbose_name='lỗi')),
                ('started_at', models.DateTimeField(blank=True, null=True, verbose_name='bắt đầu')),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='kết thúc')),
            ],
            options={
                'verbose_name': 'phần của lần chạy',
                'verbose_name_plural': 'phần của lần chạy',
            },
        ),
        migrations.AddField(
            model_name='jobrun',
            name='offices',
            field=models.ManyToManyField(blank=True, help_text='Chỉ với lần chạy cho một số phòng giao dịch.', related_name='+', to='borrowers.transactionoffice', verbose_name='phòng giao dịch trong phạm vi'),
        ),
        migrations.AddField(
            model_name='jobrun',
            name='progressed_at',
            field=models.DateTimeField(blank=True, default=django.utils.timezone.now, null=True, verbose_name='tiến triển lần cuối'),
        ),
        migrations.AddField(
            model_name='jobrun',
            name='scope',
            field=models.CharField(choices=[('branch', 'Toàn chi nhánh'), ('offices', 'Phòng giao dịch')], default='branch', max_length=10, verbose_name='phạm vi'),
        ),
        migrations.AlterField(
            model_name='jobrun',
            name='status',
            field=models.CharField(choices=[('queued', 'Đang chờ'), ('running', 'Đang chạy'), ('stalled', 'Bị treo'), ('done', 'Hoàn thành'), ('failed', 'Lỗi')], default='queued', max_length=10, verbose_name='trạng thái'),
        ),
        migrations.AddIndex(
            model_name='jobrun',
            index=models.Index(fields=['status', 'progressed_at'], name='jobrun_unfinished'),
        ),
        migrations.AddField(
            model_name='jobpartition',
            name='office',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='borrowers.transactionoffice', verbose_name='phòng giao dịch'),
        ),
        migrations.AddField(
            model_name='jobpartition',
            name='run',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='partitions', to='tasks.jobrun'),
        ),
        migrations.AddConstraint(
            model_name='jobpartition',
            constraint=models.UniqueConstraint(fields=('run', 'office'), name='uniq_partition_per_office'),
        ),
        migrations.RunPython(last_progress, migrations.RunPython.noop),
    ]
