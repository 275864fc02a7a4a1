"""A take-on batch (đợt chuyển đổi dữ liệu) and the file's figures of each loan it brought in."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from loans.models import Loan
from loans.savings.models import SavingsAccount, SavingsTransaction


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
    # Undone (hủy đợt): every opening entry reversed, the loans closed and their contract
    # numbers freed (the file's number kept in TakeOnLoan), so the file can be imported again.
    undone_at = models.DateTimeField(_("hủy lúc"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người hủy"),
    )

    class Meta:
        verbose_name = _("đợt chuyển đổi dữ liệu")
        verbose_name_plural = pgettext_lazy("plural", "đợt chuyển đổi dữ liệu")
        ordering = ["-id"]
        permissions = [("undo_importbatch", _("Hủy đợt chuyển đổi dữ liệu"))]

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
    contract_number = models.CharField(_("số khế ước (theo tệp)"), max_length=30, blank=True)
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


class TakeOnSavings(models.Model):
    """A savings account's opening entry posted by a batch (what undoing the batch reverses)."""

    batch = models.ForeignKey(
        ImportBatch,
        on_delete=models.PROTECT,
        related_name="savings_taken",
        verbose_name=_("đợt chuyển đổi"),
    )
    account = models.ForeignKey(
        SavingsAccount, on_delete=models.PROTECT, related_name="+", verbose_name=_("tài khoản")
    )
    entry = models.OneToOneField(
        SavingsTransaction,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("bút toán số dư chuyển sang"),
    )

    class Meta:
        verbose_name = _("tiền gửi chuyển đổi")
        verbose_name_plural = pgettext_lazy("plural", "tiền gửi chuyển đổi")

    def __str__(self) -> str:
        return str(self.account)
