"""The monthly reconciliation's results move here from `tasks` (issue 11): the tables exist
already (created by tasks 0002, renamed to this app's names by tasks 0003), so this migration
only records the models in this app's state, and moves their content types (and with them the
permissions granted on them) from `tasks` to `reconciliation`."""

import django.db.models.deletion
from django.db import migrations, models

MOVED = ["reconciliation", "reconciliationline", "feepayment", "discrepancy"]


def move_content_types(apps, schema_editor, *, source="tasks", target="reconciliation"):
    content_types = apps.get_model("contenttypes", "ContentType").objects.db_manager(
        schema_editor.connection.alias
    )
    for model in MOVED:
        if not content_types.filter(app_label=target, model=model).exists():
            content_types.filter(app_label=source, model=model).update(app_label=target)


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, source="reconciliation", target="tasks")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('borrowers', '0001_initial'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('loans', '0001_initial'),
        ('programmes', '0003_feerule'),
        ('tasks', '0003_reconciliation_tables_for_loans'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Reconciliation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('month', models.DateField(help_text='Ngày đầu tháng.', unique=True, verbose_name='tháng')),
                        ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='hoàn thành lúc')),
                        ('totals', models.JSONField(blank=True, default=dict, verbose_name='tổng số liệu')),
                        ('loan_count', models.PositiveIntegerField(default=0, verbose_name='số khoản vay')),
                        ('discrepancy_count', models.PositiveIntegerField(default=0, verbose_name='số chênh lệch')),
                        ('run_id', models.BigIntegerField(blank=True, null=True, verbose_name='lần chạy gần nhất')),
                    ],
                    options={
                        'verbose_name': 'đối chiếu tháng',
                        'verbose_name_plural': 'đối chiếu tháng',
                        'ordering': ['-month'],
                    },
                ),
                migrations.CreateModel(
                    name='FeePayment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('payee', models.CharField(choices=[('group_leader', 'Tổ trưởng'), ('commune', 'Hội cấp xã'), ('district', 'Hội cấp huyện'), ('province', 'Hội cấp tỉnh'), ('central', 'Hội cấp trung ương')], max_length=20, verbose_name='người nhận')),
                        ('base_amount', models.BigIntegerField(verbose_name='cơ sở tính (đồng)')),
                        ('group_outstanding', models.BigIntegerField(verbose_name='dư nợ của tổ cuối tháng')),
                        ('group_overdue', models.BigIntegerField(verbose_name='nợ quá hạn của tổ cuối tháng')),
                        ('rate', models.DecimalField(decimal_places=8, max_digits=12, verbose_name='tỷ lệ áp dụng (%)')),
                        ('reduced', models.BooleanField(default=False, verbose_name='giảm do nợ quá hạn vượt ngưỡng')),
                        ('total', models.BigIntegerField(verbose_name='tổng phí của tổ (đồng)')),
                        ('amount', models.BigIntegerField(verbose_name='số tiền (đồng)')),
                        ('association', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='borrowers.association', verbose_name='hội nhận')),
                        ('office', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='borrowers.transactionoffice')),
                        ('rule', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='programmes.feerule', verbose_name='quy định')),
                        ('savings_group', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='borrowers.savingsgroup', verbose_name='tổ TK&VV')),
                        ('reconciliation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='fees', to='reconciliation.reconciliation')),
                    ],
                    options={
                        'verbose_name': 'phí ủy thác, hoa hồng',
                        'verbose_name_plural': 'phí ủy thác, hoa hồng',
                        'constraints': [models.UniqueConstraint(fields=('reconciliation', 'savings_group', 'payee'), name='uniq_fee_per_payee')],
                    },
                ),
                migrations.CreateModel(
                    name='Discrepancy',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('cache', 'Số dư lưu trên khoản vay khác sổ nhật ký'), ('roll_forward', 'Dư nợ đầu kỳ + phát sinh ≠ dư nợ cuối kỳ')], max_length=20, verbose_name='loại')),
                        ('field', models.CharField(max_length=40, verbose_name='chỉ tiêu')),
                        ('expected', models.BigIntegerField(verbose_name='theo sổ nhật ký')),
                        ('actual', models.BigIntegerField(verbose_name='số đối chiếu')),
                        ('loan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='loans.loan', verbose_name='khoản vay')),
                        ('office', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='borrowers.transactionoffice', verbose_name='phòng giao dịch')),
                        ('reconciliation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='discrepancies', to='reconciliation.reconciliation')),
                    ],
                    options={
                        'verbose_name': 'chênh lệch đối chiếu',
                        'verbose_name_plural': 'chênh lệch đối chiếu',
                        'ordering': ['reconciliation', 'loan', 'kind', 'field'],
                        'constraints': [models.UniqueConstraint(fields=('reconciliation', 'loan', 'kind', 'field'), name='uniq_discrepancy')],
                    },
                ),
                migrations.CreateModel(
                    name='ReconciliationLine',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('opening_outstanding', models.BigIntegerField(verbose_name='dư nợ đầu kỳ')),
                        ('disbursed', models.BigIntegerField(verbose_name='giải ngân trong tháng')),
                        ('principal_repaid', models.BigIntegerField(verbose_name='thu nợ gốc trong tháng')),
                        ('written_off', models.BigIntegerField(verbose_name='xóa nợ gốc trong tháng')),
                        ('closing_outstanding', models.BigIntegerField(verbose_name='dư nợ cuối kỳ')),
                        ('interest_due', models.BigIntegerField(verbose_name='lãi phải thu trong tháng')),
                        ('interest_collected', models.BigIntegerField(verbose_name='lãi thực thu trong tháng')),
                        ('interest_arrears', models.BigIntegerField(verbose_name='lãi tồn đọng cuối tháng')),
                        ('overdue_principal', models.BigIntegerField(verbose_name='nợ quá hạn cuối tháng')),
                        ('leader_commission', models.BigIntegerField(default=0, verbose_name='hoa hồng tổ trưởng')),
                        ('fee_commune', models.BigIntegerField(default=0, verbose_name='phí ủy thác cấp xã')),
                        ('fee_district', models.BigIntegerField(default=0, verbose_name='phí ủy thác cấp huyện')),
                        ('fee_province', models.BigIntegerField(default=0, verbose_name='phí ủy thác cấp tỉnh')),
                        ('fee_central', models.BigIntegerField(default=0, verbose_name='phí ủy thác cấp trung ương')),
                        ('association', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='borrowers.association')),
                        ('central_association', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='borrowers.association')),
                        ('district_association', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='borrowers.association')),
                        ('loan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='loans.loan', verbose_name='khoản vay')),
                        ('office', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='borrowers.transactionoffice')),
                        ('programme', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='programmes.programme')),
                        ('province_association', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='borrowers.association')),
                        ('reconciliation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='lines', to='reconciliation.reconciliation')),
                        ('savings_group', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='borrowers.savingsgroup')),
                        ('transaction_point', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='borrowers.transactionpoint')),
                    ],
                    options={
                        'verbose_name': 'dòng đối chiếu',
                        'verbose_name_plural': 'dòng đối chiếu',
                        'indexes': [models.Index(fields=['reconciliation', 'office'], name='recon_line_office'), models.Index(fields=['reconciliation', 'savings_group'], name='recon_line_group')],
                        'constraints': [models.UniqueConstraint(fields=('reconciliation', 'loan'), name='uniq_reconciliation_line')],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
