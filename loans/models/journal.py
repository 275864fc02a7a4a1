"""The append-only journal of postings and the idempotency of posting requests."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from borrowers.models import TransactionOffice, TransactionPoint
from core.money import format_dong

from .loan import Loan


class TransactionKind(models.TextChoices):
    DISBURSEMENT = "disbursement", _("Giải ngân")
    PRINCIPAL_REPAYMENT = "principal_repayment", _("Thu nợ gốc")
    INTEREST_PAYMENT = "interest_payment", _("Thu lãi")
    WRITE_OFF = "write_off", _("Xóa nợ gốc")
    INTEREST_WRITE_OFF = "interest_write_off", _("Xóa nợ lãi")
    REVERSAL = "reversal", _("Hủy bút toán")
    OVERDUE_TRANSFER = "overdue_transfer", _("Chuyển nợ quá hạn")
    # A taken-on loan's state at the cut-over date (loans/takeon): never reversed one by one.
    OPENING_BALANCE = "opening_balance", _("Số dư chuyển đổi: dư nợ gốc")
    OPENING_INTEREST_ARREARS = "opening_interest_arrears", _("Số dư chuyển đổi: lãi tồn đọng")
    OPENING_ACCRUED_INTEREST = "opening_accrued_interest", _("Số dư chuyển đổi: lãi dự thu")
    OPENING_OVERDUE_INTEREST = "opening_overdue_interest", _("Số dư chuyển đổi: lãi quá hạn")


class JournalQuerySet(models.QuerySet):
    """The journal is append-only: bulk update and delete are refused like single ones."""

    def update(self, **kwargs):
        raise JournalIsAppendOnly(_("Sổ nhật ký giao dịch chỉ được ghi thêm, không được sửa."))

    def delete(self):
        raise JournalIsAppendOnly(_("Sổ nhật ký giao dịch chỉ được ghi thêm, không được xóa."))


class JournalIsAppendOnly(Exception):
    """Raised on any attempt to change or remove a posted journal entry."""


class LoanTransaction(models.Model):
    """An entry of the append-only journal (sổ nhật ký); a mistake is corrected by a reversal."""

    # No index of its own: the covering (loan, value_date) index below leads with the loan, and
    # with a narrower twin PostgreSQL would pick the twin and visit the table for every entry.
    loan = models.ForeignKey(
        Loan,
        on_delete=models.PROTECT,
        related_name="transactions",
        verbose_name=_("khoản vay"),
        db_index=False,
    )
    kind = models.CharField(_("loại"), max_length=24, choices=TransactionKind.choices)
    value_date = models.DateField(_("ngày giá trị"))
    amount = models.BigIntegerField(_("số tiền (đồng)"))
    office = models.ForeignKey(
        TransactionOffice, on_delete=models.PROTECT, related_name="+", verbose_name=_("PGD")
    )
    transaction_point = models.ForeignKey(
        TransactionPoint,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("điểm giao dịch"),
    )
    receipt_number = models.CharField(_("số biên lai / chứng từ"), max_length=50, blank=True)
    request = models.ForeignKey(
        "PostingRequest",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transactions",
        verbose_name=_("yêu cầu ghi sổ"),
    )
    reverses = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
        verbose_name=_("hủy bút toán"),
    )
    due_date = models.DateField(
        _("kỳ đến hạn"), null=True, blank=True, help_text=_("Kỳ gốc được chuyển quá hạn.")
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

    objects = JournalQuerySet.as_manager()

    class Meta:
        verbose_name = _("bút toán")
        verbose_name_plural = _("sổ nhật ký giao dịch")
        ordering = ["loan", "value_date", "id"]
        indexes = [
            # Covers what the position engine reads (PostgreSQL index-only scan): a loan's
            # entries are scattered over the journal's pages in posting order, and reading
            # them from the table cost one page per entry (3/4 of the nightly job at 1M loans).
            models.Index(
                fields=["loan", "value_date"],
                include=["kind", "amount", "reverses"],
                name="txn_loan_value_date_cover",
            ),
            models.Index(fields=["value_date", "kind"], name="txn_value_date_kind"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="txn_amount_positive"),
            models.CheckConstraint(
                condition=(Q(kind="reversal") & Q(reverses__isnull=False))
                | (~Q(kind="reversal") & Q(reverses__isnull=True)),
                name="txn_reversal_has_target",
            ),
            models.UniqueConstraint(
                fields=["loan", "due_date"],
                condition=Q(kind="overdue_transfer"),
                name="uniq_overdue_transfer_per_instalment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {format_dong(self.amount)} ({self.value_date:%d/%m/%Y})"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise JournalIsAppendOnly(_("Sổ nhật ký giao dịch chỉ được ghi thêm, không được sửa."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise JournalIsAppendOnly(_("Sổ nhật ký giao dịch chỉ được ghi thêm, không được xóa."))


class PostingRequest(models.Model):
    """An idempotency record: one key, one operation, one outcome, replayed on a retry."""

    key = models.CharField(_("khóa chống trùng"), max_length=100, unique=True)
    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, related_name="+", verbose_name=_("khoản vay")
    )
    operation = models.CharField(max_length=30, verbose_name=_("nghiệp vụ"))
    fingerprint = models.CharField(max_length=64, verbose_name=_("dấu nội dung yêu cầu"))
    response_status = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("mã kết quả trả lời")
    )
    response_body = models.JSONField(null=True, blank=True, verbose_name=_("nội dung trả lời"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("ngày tạo"))

    class Meta:
        verbose_name = _("yêu cầu ghi sổ")
        verbose_name_plural = pgettext_lazy("plural", "yêu cầu ghi sổ")

    def __str__(self) -> str:
        return self.key
