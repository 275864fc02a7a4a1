"""A take-on batch (đợt chuyển đổi dữ liệu) and the file's figures of each loan it brought in."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from loans.models import Loan


class ImportBatch(models.Model):
    """One import of a take-on workbook as of a cut-over date (end of day C)."""

    as_of = models.DateField(_("ngày chuyển đổi"))
    file_name = models.CharField(_("tệp"), max_length=200, blank=True)
    households = models.PositiveIntegerField(_("số hộ mới"), default=0)
    loans = models.PositiveIntegerField(_("số khoản vay mới"), default=0)
    savings = models.PositiveIntegerField(_("số tài khoản tiết kiệm mới"), default=0)
    created_at = models.DateTimeField(_("thời điểm"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người thực hiện"),
    )

    class Meta:
        verbose_name = _("đợt chuyển đổi dữ liệu")
        verbose_name_plural = pgettext_lazy("plural", "đợt chuyển đổi dữ liệu")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.as_of:%d/%m/%Y} – {self.file_name}"


class TakeOnLoan(models.Model):
    """A loan as the file gave it at C: the opening entries' source, and the check's target."""

    batch = models.ForeignKey(
        ImportBatch,
        on_delete=models.PROTECT,
        related_name="loans_taken",
        verbose_name=_("đợt chuyển đổi"),
    )
    loan = models.OneToOneField(
        Loan, on_delete=models.PROTECT, related_name="takeon", verbose_name=_("khoản vay")
    )
    disbursed_total = models.BigIntegerField(_("đã giải ngân (theo tệp)"))
    outstanding_principal = models.BigIntegerField(_("dư nợ tại ngày chuyển đổi"))
    interest_arrears = models.BigIntegerField(_("lãi tồn đọng"))
    interest_accrued_not_due = models.BigIntegerField(_("lãi dự thu chưa đến hạn"))
    overdue_rate_interest = models.BigIntegerField(_("lãi quá hạn"))

    class Meta:
        verbose_name = _("khoản vay chuyển đổi")
        verbose_name_plural = pgettext_lazy("plural", "khoản vay chuyển đổi")

    def __str__(self) -> str:
        return str(self.loan)
