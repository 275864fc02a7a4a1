"""The nightly positions snapshot, one row per loan and day."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from borrowers.models import TransactionOffice
from programmes.models import Programme

from .loan import Loan


class PositionSnapshot(models.Model):
    """A loan's position at the end of a business day, written by the nightly arrears job.

    Derived rows, written only by the night from the loans it reads, so their references hold
    by construction (loans, offices and programmes are never deleted; the ORM still applies
    on_delete): no foreign key constraints in the database, whose per-row checks at commit
    cost the night more than writing the rows (0.25 s per 10,000 rows, measured), and no
    index of their own on the office or the programme, which every row written maintains.

    The unique key leads with the loan, not the day: a night reads the office's rows of a day
    it is writing, and the planner, whose statistics have not seen that day yet, costs any
    index on the day as returning one row. With the key on (day, loan) it took that one and
    filtered the whole day's rows written so far by office (903,611 rows read and dropped for
    an office of 16,805 at 1,000,000 loans, 0.5 s per statement, in every office's delete and
    aggregates); on (loan, day) only snapshot_day_office serves a day, and the key also serves
    a loan's own rows (no separate loan index to maintain)."""

    as_of = models.DateField(_("ngày số liệu"))
    loan = models.ForeignKey(
        Loan,
        on_delete=models.CASCADE,
        related_name="snapshots",
        verbose_name=_("khoản vay"),
        db_constraint=False,
        db_index=False,  # uniq_snapshot_per_day leads with it
    )
    office = models.ForeignKey(
        TransactionOffice,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("phòng giao dịch"),
        db_constraint=False,
        db_index=False,  # read by day and office (snapshot_day_office), never alone
    )
    programme = models.ForeignKey(
        Programme,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("chương trình"),
        db_constraint=False,
        db_index=False,  # read within a day's rows, never alone
    )
    outstanding_principal = models.BigIntegerField(_("dư nợ"))
    principal_due = models.BigIntegerField(_("gốc đến hạn"))
    overdue_principal = models.BigIntegerField(_("gốc quá hạn"))
    days_past_due = models.IntegerField(_("số ngày quá hạn"))
    interest_due = models.BigIntegerField(_("lãi phải trả"))
    interest_paid = models.BigIntegerField(_("lãi đã trả"))
    interest_arrears = models.BigIntegerField(_("lãi tồn đọng"))
    interest_accrued_not_due = models.BigIntegerField(_("lãi dự thu chưa đến hạn"))
    overdue_rate_interest = models.BigIntegerField(_("lãi quá hạn"))
    bucket = models.CharField(_("nhóm tuổi nợ"), max_length=10)
    status = models.CharField(_("tình trạng"), max_length=16)
    # What the next night needs to roll the position forward one day exactly instead of
    # recomputing it (loans/positions/rollforward.py); empty in rows written before them.
    interest_written_off = models.BigIntegerField(_("lãi đã xóa"), null=True, blank=True)
    principal_covered = models.BigIntegerField(_("gốc đã trả hoặc xóa"), null=True, blank=True)
    rate_micro = models.BigIntegerField(_("lãi suất áp dụng (phần triệu)"), null=True, blank=True)
    accrued_numerator = models.BigIntegerField(_("tử số lãi dự thu"), null=True, blank=True)
    overdue_remainder = models.BigIntegerField(_("phần dư lãi quá hạn"), null=True, blank=True)

    class Meta:
        verbose_name = _("số liệu dư nợ cuối ngày")
        verbose_name_plural = pgettext_lazy("plural", "số liệu dư nợ cuối ngày")
        constraints = [
            models.UniqueConstraint(fields=["loan", "as_of"], name="uniq_snapshot_per_day"),
        ]
        indexes = [models.Index(fields=["as_of", "office"], name="snapshot_day_office")]

    def __str__(self) -> str:
        return f"{self.loan_id} @ {self.as_of}"


class SnapshotDay(models.Model):
    """A day whose snapshot the nightly job completed: the rows it counted and when the run
    began reading the journal. Written by the job when a run finishes; the reports read it to
    decide whether the snapshot still holds (loans/reports/source.py), never the job's runs."""

    as_of = models.DateField(_("ngày số liệu"), unique=True)
    loans = models.PositiveIntegerField(_("số khoản vay"))
    started_at = models.DateTimeField(_("bắt đầu"))
    completed_at = models.DateTimeField(_("hoàn thành lúc"))

    class Meta:
        verbose_name = _("ngày có số liệu cuối ngày")
        verbose_name_plural = pgettext_lazy("plural", "ngày có số liệu cuối ngày")

    def __str__(self) -> str:
        return f"{self.as_of}: {self.loans}"
