"""The report pages' place in the admin (a proxy of the snapshot, with no table of its own), and
the aggregates the nightly job writes beside the snapshot for the reports to read."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from borrowers.models import TransactionOffice
from loans.models import PositionSnapshot


class PortfolioReport(PositionSnapshot):
    """The province report pages of the admin (báo cáo), see loans/reports/admin/."""

    class Meta:
        proxy = True
        verbose_name = _("báo cáo")
        verbose_name_plural = _("báo cáo dư nợ, doanh số, tuổi nợ")


class AggregateDay(models.Model):
    """An office's aggregates of a day, written by the nightly job in the transaction that wrote
    the office's snapshot rows of that day (`loans.reports.aggregates.write_aggregates`).
    `households_local`: every household counted here has all its loans of the day in this office,
    so households add up across offices."""

    as_of = models.DateField(_("ngày số liệu"))
    office = models.ForeignKey(
        TransactionOffice, on_delete=models.CASCADE, related_name="+", verbose_name=_("phòng")
    )
    loans = models.PositiveIntegerField(_("số khoản vay"))
    households_local = models.BooleanField(_("hộ vay chỉ ở phòng này"))
    # The principal instalments due in the week of the next day (Monday to Sunday) of the
    # office's loans still being repaid, as the night read them at `due_read_at` (the
    # dashboard's "due").
    due_week_start = models.DateField(_("tuần đến hạn từ ngày"), null=True)
    due_loans = models.PositiveIntegerField(_("số khoản vay đến hạn trong tuần"), default=0)
    due_principal = models.BigIntegerField(_("gốc đến hạn trong tuần"), default=0)
    due_read_at = models.DateTimeField(_("đọc số đến hạn lúc"), null=True)

    class Meta:
        verbose_name = _("ngày có số liệu tổng hợp")
        verbose_name_plural = pgettext_lazy("plural", "ngày có số liệu tổng hợp")
        constraints = [
            models.UniqueConstraint(fields=["as_of", "office"], name="uniq_aggregate_day_office")
        ]

    def __str__(self) -> str:
        return f"{self.as_of} / {self.office_id}: {self.loans}"


class PositionAggregate(models.Model):
    """Snapshot positions of one office and day summed per grouping (`dim`, "" for none) and
    key, for one programme (`span` "one"), all programmes ("all") or the Decree 28 lines
    ("d28"), per ageing bucket or over all of them (`bucket` ""). `borrowers` counts households
    once within the row's office, programme span and key (0 in a bucket's rows)."""

    as_of = models.DateField(_("ngày số liệu"))
    office_id = models.BigIntegerField(_("phòng"))
    span = models.CharField(_("phạm vi chương trình"), max_length=4)
    programme_id = models.BigIntegerField(_("chương trình"), null=True)
    dim = models.CharField(_("cách nhóm"), max_length=24)
    key_id = models.BigIntegerField(_("khóa (số)"), null=True)
    key_code = models.CharField(_("khóa (mã)"), max_length=64, null=True)
    bucket = models.CharField(_("nhóm tuổi nợ"), max_length=10)
    loans = models.BigIntegerField(_("số món"))
    borrowers = models.BigIntegerField(_("số hộ"))
    outstanding_principal = models.BigIntegerField(_("dư nợ"))
    overdue_principal = models.BigIntegerField(_("nợ quá hạn"))
    frozen_principal = models.BigIntegerField(_("nợ khoanh"))
    interest_arrears = models.BigIntegerField(_("lãi tồn đọng"))

    class Meta:
        verbose_name = _("số liệu dư nợ tổng hợp")
        verbose_name_plural = pgettext_lazy("plural", "số liệu dư nợ tổng hợp")
        indexes = [
            models.Index(fields=["as_of", "dim", "span", "office_id"], name="aggregate_lookup")
        ]

    def __str__(self) -> str:
        return f"{self.as_of} / {self.office_id} / {self.dim}"


class FlowRollup(models.Model):
    """How far the nightly job has rolled an office's journal up into `FlowAggregate`: every
    entry of the office with an id up to `last_id` is in the sums, none after it."""

    office = models.OneToOneField(
        TransactionOffice, on_delete=models.CASCADE, related_name="+", verbose_name=_("phòng")
    )
    last_id = models.BigIntegerField(_("bút toán cuối đã tổng hợp"))
    rolled_at = models.DateTimeField(_("tổng hợp lúc"), auto_now=True)

    class Meta:
        verbose_name = _("mốc tổng hợp doanh số")
        verbose_name_plural = pgettext_lazy("plural", "mốc tổng hợp doanh số")

    def __str__(self) -> str:
        return f"{self.office_id}: {self.last_id}"


FLOW_SUMS = [
    "disbursed",
    "principal_collected",
    "interest_collected",
    "written_off",
    "interest_written_off",
]


class FlowAggregate(models.Model):
    """The journal's flows of one office, value date and programme, for the entries of one
    roll-up (ids after the previous one's `last_id`): a reversal subtracts from its original's
    kind on the original's value date, so the rows of all roll-ups add up to the journal."""

    value_date = models.DateField(_("ngày giá trị"))
    office_id = models.BigIntegerField(_("phòng"))
    programme_id = models.BigIntegerField(_("chương trình"))
    disbursed = models.BigIntegerField(_("doanh số cho vay"))
    principal_collected = models.BigIntegerField(_("thu nợ gốc"))
    interest_collected = models.BigIntegerField(_("lãi đã thu"))
    written_off = models.BigIntegerField(_("nợ gốc đã xóa"))
    interest_written_off = models.BigIntegerField(_("lãi đã xóa"))

    class Meta:
        verbose_name = _("doanh số tổng hợp theo ngày")
        verbose_name_plural = pgettext_lazy("plural", "doanh số tổng hợp theo ngày")
        # A period's rows are read from this index alone (PostgreSQL index-only scan): the sums
        # of every office's days, not one visit to the table per row.
        indexes = [
            models.Index(
                fields=["value_date", "office_id"],
                include=["programme_id", *FLOW_SUMS],
                name="flow_aggregate_day_cover",
            )
        ]

    def __str__(self) -> str:
        return f"{self.value_date} / {self.office_id} / {self.programme_id}"


class DisbursementEntry(models.Model):
    """A loan's disbursements of one value date not reversed, as of the office's last roll-up,
    kept by the night for the households a period reached (`flow_states`)."""

    loan = models.ForeignKey(
        "loans.Loan",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("khoản vay"),
    )
    office_id = models.BigIntegerField(_("phòng"))
    programme_id = models.BigIntegerField(_("chương trình"))
    value_date = models.DateField(_("ngày giá trị"))
    amount = models.BigIntegerField(_("số tiền (đồng)"))

    class Meta:
        verbose_name = _("giải ngân đã tổng hợp")
        verbose_name_plural = pgettext_lazy("plural", "giải ngân đã tổng hợp")
        indexes = [
            models.Index(fields=["value_date", "programme_id"], name="disbursement_entry_day")
        ]

    def __str__(self) -> str:
        return f"{self.value_date} / {self.loan_id}: {self.amount}"


class LoanClosing(models.Model):
    """A day a loan's outstanding principal reached 0 by a repayment or write-off, and the
    first later day it owed again or closed again (`reopened_on`, none: still closed), as of
    the office's last roll-up (`flow_states`)."""

    loan = models.ForeignKey(
        "loans.Loan", on_delete=models.CASCADE, related_name="+", verbose_name=_("khoản vay")
    )
    office_id = models.BigIntegerField(_("phòng"))
    programme_id = models.BigIntegerField(_("chương trình"))
    closed_on = models.DateField(_("ngày hết dư nợ"))
    reopened_on = models.DateField(_("ngày có dư nợ trở lại"), null=True)

    class Meta:
        verbose_name = _("ngày hết dư nợ của khoản vay")
        verbose_name_plural = pgettext_lazy("plural", "ngày hết dư nợ của khoản vay")
        indexes = [models.Index(fields=["closed_on"], name="loan_closing_day")]

    def __str__(self) -> str:
        return f"{self.loan_id}: {self.closed_on}"
