"""The savings accounts and their append-only journal (sổ tiền gửi), like the loan journal."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from borrowers.models import Borrower
from core.money import format_dong


class SavingsKind(models.TextChoices):
    DEPOSIT = "deposit", _("Gửi tiền")
    WITHDRAWAL = "withdrawal", _("Rút tiền")
    INTEREST_CREDIT = "interest_credit", _("Nhập lãi tiền gửi")
    REVERSAL = "reversal", _("Hủy bút toán")
    OPENING_BALANCE = "opening_balance", _("Số dư chuyển sang")


# How each kind moves the balance; a reversal moves it back by its target's sign.
SIGN = {
    SavingsKind.DEPOSIT: 1,
    SavingsKind.WITHDRAWAL: -1,
    SavingsKind.INTEREST_CREDIT: 1,
    SavingsKind.OPENING_BALANCE: 1,
}


class SavingsJournalIsAppendOnly(Exception):
    """Raised on any attempt to change or remove a posted savings entry."""


def _refuse_change():
    raise SavingsJournalIsAppendOnly(_("Sổ tiền gửi chỉ được ghi thêm, không được sửa."))


def _refuse_delete():
    raise SavingsJournalIsAppendOnly(_("Sổ tiền gửi chỉ được ghi thêm, không được xóa."))


class SavingsJournalQuerySet(models.QuerySet):
    """Bulk update and delete are refused like single ones."""

    def update(self, **kwargs):
        _refuse_change()

    def delete(self):
        _refuse_delete()


class SavingsAccount(models.Model):
    """A household's savings account; `balance` caches the sum of its journal (all dates),
    checked by the monthly reconciliation."""

    borrower = models.OneToOneField(
        Borrower,
        on_delete=models.PROTECT,
        related_name="savings_account",
        verbose_name=_("hộ vay"),
    )
    balance = models.BigIntegerField(_("số dư (đồng)"), default=0)
    opened_at = models.DateTimeField(_("mở lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("tài khoản tiền gửi tổ viên")
        verbose_name_plural = pgettext_lazy("plural", "tài khoản tiền gửi tổ viên")
        ordering = ["borrower"]
        constraints = [
            models.CheckConstraint(
                condition=Q(balance__gte=0), name="savings_balance_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.borrower} – {format_dong(self.balance)}"


class SavingsTransaction(models.Model):
    """An entry of the savings journal; a mistake is corrected by a reversal. `delta` is the
    signed amount (the balance moves by it), fixed when posted, so balances are one SUM."""

    account = models.ForeignKey(
        SavingsAccount,
        on_delete=models.PROTECT,
        related_name="transactions",
        verbose_name=_("tài khoản"),
        db_index=False,
    )
    kind = models.CharField(_("loại"), max_length=20, choices=SavingsKind.choices)
    value_date = models.DateField(_("ngày giá trị"))
    amount = models.BigIntegerField(_("số tiền (đồng)"))
    delta = models.BigIntegerField(_("tăng/giảm số dư (đồng)"))
    reverses = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
        verbose_name=_("hủy bút toán"),
    )
    loan = models.ForeignKey(
        "loans.Loan",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("trả gốc khoản vay"),
        help_text=_("Rút tiền gửi để trả nợ gốc của khoản vay này."),
    )
    receipt_number = models.CharField(_("số biên lai / chứng từ"), max_length=50, blank=True)
    request_key = models.CharField(
        _("khóa chống trùng"), max_length=100, null=True, blank=True, unique=True
    )
    note = models.TextField(_("ghi chú / lý do"), blank=True)
    posted_at = models.DateTimeField(_("thời điểm ghi sổ"), auto_now_add=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người ghi sổ"),
    )

    objects = SavingsJournalQuerySet.as_manager()

    class Meta:
        verbose_name = _("bút toán tiền gửi")
        verbose_name_plural = pgettext_lazy("plural", "sổ tiền gửi tổ viên")
        ordering = ["account", "value_date", "id"]
        indexes = [
            models.Index(
                fields=["account", "value_date"],
                include=["kind", "delta"],
                name="savtxn_account_date_cover",
            ),
            models.Index(fields=["value_date", "kind"], name="savtxn_date_kind"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="savtxn_amount_positive"),
            models.CheckConstraint(
                condition=Q(delta=F("amount")) | Q(delta=-F("amount")),
                name="savtxn_delta_is_amount",
            ),
            models.CheckConstraint(
                condition=(Q(kind="reversal") & Q(reverses__isnull=False))
                | (~Q(kind="reversal") & Q(reverses__isnull=True)),
                name="savtxn_reversal_has_target",
            ),
            models.CheckConstraint(
                condition=Q(kind="reversal")
                | (Q(kind="withdrawal") & Q(delta__lt=0))
                | (~Q(kind="withdrawal") & Q(delta__gt=0)),
                name="savtxn_delta_sign_by_kind",
            ),
            models.UniqueConstraint(
                fields=["account", "value_date"],
                condition=Q(kind="interest_credit"),
                name="uniq_savings_interest_credit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {format_dong(self.amount)} ({self.value_date:%d/%m/%Y})"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            _refuse_change()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _refuse_delete()


class MonthlySavingsLine(models.Model):
    """One household's savings in one month's reconciliation (DOMAIN.md §6–7): the roll-forward
    from the journal and the account's cached balance; `cache_differs` flags a cache that is not
    its journal. Written by the reconciliation job (tasks), replaced with the office's lines."""

    reconciliation = models.ForeignKey(
        "reconciliation.Reconciliation",
        on_delete=models.CASCADE,
        related_name="savings_lines",
        verbose_name=_("kỳ đối chiếu"),
    )
    account = models.ForeignKey(
        SavingsAccount,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("tài khoản tiền gửi"),
    )
    office = models.ForeignKey(
        "borrowers.TransactionOffice",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("phòng giao dịch"),
    )
    savings_group = models.ForeignKey(
        "borrowers.SavingsGroup",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("tổ TK&VV"),
    )
    opening = models.BigIntegerField(_("số dư đầu kỳ"))
    deposits = models.BigIntegerField(_("gửi trong kỳ"))
    withdrawals = models.BigIntegerField(_("rút trong kỳ"))
    interest = models.BigIntegerField(_("lãi nhập trong kỳ"))
    other = models.BigIntegerField(_("hủy bút toán, số dư chuyển sang (ròng)"))
    closing = models.BigIntegerField(_("số dư cuối kỳ"))
    journal_total = models.BigIntegerField(_("số dư theo sổ (mọi ngày)"))
    cached_balance = models.BigIntegerField(_("số dư lưu trên tài khoản"))

    class Meta:
        verbose_name = _("đối chiếu tiền gửi tổ viên")
        verbose_name_plural = pgettext_lazy("plural", "đối chiếu tiền gửi tổ viên")
        constraints = [
            models.UniqueConstraint(fields=["reconciliation", "account"], name="uniq_savings_line"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.opening} → {self.closing}"

    @property
    def cache_differs(self) -> bool:
        return self.cached_balance != self.journal_total
