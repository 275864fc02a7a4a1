"""A session (phiên giao dịch) of a commune transaction point on one date, and what was posted at
it (DOMAIN.md §7): collection sheets 13/TD, the disbursement list, the fee payment, receipts 01/BL.

The loan and savings journals are not changed: these rows only link a session's documents to the
journal entries the services created for them.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from borrowers.models import Borrower, SavingsGroup, TransactionPoint

from ..models import LoanTransaction
from ..reconciliation.models import Reconciliation
from ..savings.models import SavingsTransaction


class SessionStatus(models.TextChoices):
    OPEN = "open", _("Đang mở")
    CLOSED = "closed", _("Đã đóng")


class Session(models.Model):
    """One transaction point on one date; every posting of it is value-dated on that date."""

    transaction_point = models.ForeignKey(
        TransactionPoint,
        on_delete=models.PROTECT,
        related_name="sessions",
        verbose_name=_("điểm giao dịch"),
    )
    session_date = models.DateField(_("ngày giao dịch"))
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.OPEN
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người mở phiên"),
    )
    opened_at = models.DateTimeField(_("mở lúc"), auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người đóng phiên"),
    )
    closed_at = models.DateTimeField(_("đóng lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("phiên giao dịch xã")
        verbose_name_plural = pgettext_lazy("plural", "phiên giao dịch xã")
        ordering = ["-session_date", "transaction_point"]
        constraints = [
            models.UniqueConstraint(
                fields=["transaction_point", "session_date"], name="one_session_per_point_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.transaction_point} {self.session_date:%d/%m/%Y}"

    @property
    def is_open(self) -> bool:
        return self.status == SessionStatus.OPEN


class Posting(models.Model):
    """What a session's documents share: who posted, the retry key and the stored answer."""

    idempotency_key = models.CharField(
        _("khóa chống trùng"), max_length=100, null=True, blank=True, unique=True
    )
    fingerprint = models.CharField(
        max_length=64, blank=True, verbose_name=_("mã kiểm tra nội dung")
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người ghi sổ"),
    )
    posted_at = models.DateTimeField(_("ghi sổ lúc"), auto_now_add=True)
    response_body = models.JSONField(null=True, blank=True, verbose_name=_("kết quả đã trả lời"))

    class Meta:
        abstract = True


class CollectionSheet(Posting):
    """A group's filled 13/TD posted at a session; one per group and session unless a
    supplement (a late member)."""

    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, related_name="sheets", verbose_name=_("phiên")
    )
    savings_group = models.ForeignKey(
        SavingsGroup, on_delete=models.PROTECT, related_name="+", verbose_name=_("tổ TK&VV")
    )
    supplement = models.BooleanField(_("bổ sung"), default=False)
    cash_counted = models.BigIntegerField(_("tiền mặt tổ trưởng nộp (đồng)"))
    totals = models.JSONField(_("tổng số"), default=dict)
    transactions = models.ManyToManyField(
        LoanTransaction, through="SheetEntry", related_name="+", verbose_name=_("giao dịch")
    )

    class Meta:
        verbose_name = _("bảng kê thu 13/TD đã ghi sổ")
        verbose_name_plural = pgettext_lazy("plural", "bảng kê thu 13/TD đã ghi sổ")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "savings_group"],
                condition=Q(supplement=False),
                name="one_sheet_per_group_session",
            )
        ]

    def __str__(self) -> str:
        return f"13/TD {self.savings_group} {self.session}"


class SheetEntry(models.Model):
    """A loan journal entry created by a sheet."""

    sheet = models.ForeignKey(
        CollectionSheet,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("bảng thu của tổ"),
    )
    transaction = models.OneToOneField(
        LoanTransaction,
        on_delete=models.PROTECT,
        related_name="session_sheet_entry",
        verbose_name=_("bút toán"),
    )

    def __str__(self) -> str:
        return f"{self.sheet_id}: {self.transaction_id}"


class SheetSavingsEntry(models.Model):
    """A savings journal entry created by a sheet (deposit, withdrawal, principal from savings)."""

    sheet = models.ForeignKey(
        CollectionSheet,
        on_delete=models.PROTECT,
        related_name="savings_entries",
        verbose_name=_("bảng thu của tổ"),
    )
    transaction = models.OneToOneField(
        SavingsTransaction,
        on_delete=models.PROTECT,
        related_name="session_sheet_entry",
        verbose_name=_("bút toán tiết kiệm"),
    )

    def __str__(self) -> str:
        return f"{self.sheet_id}: {self.transaction_id}"


class DisbursementList(Posting):
    """The session's disbursement list (danh sách giải ngân)."""

    session = models.ForeignKey(
        Session,
        on_delete=models.PROTECT,
        related_name="disbursement_lists",
        verbose_name=_("phiên giao dịch"),
    )
    transactions = models.ManyToManyField(
        LoanTransaction,
        through="DisbursementEntry",
        related_name="+",
        verbose_name=_("bút toán"),
    )

    class Meta:
        verbose_name = _("danh sách giải ngân của phiên")
        verbose_name_plural = pgettext_lazy("plural", "danh sách giải ngân của phiên")

    def __str__(self) -> str:
        return f"{self.session} #{self.pk}"


class DisbursementEntry(models.Model):
    list = models.ForeignKey(
        DisbursementList,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("danh sách giải ngân"),
    )
    transaction = models.OneToOneField(
        LoanTransaction,
        on_delete=models.PROTECT,
        related_name="session_disbursement_entry",
        verbose_name=_("bút toán"),
    )

    def __str__(self) -> str:
        return f"{self.list_id}: {self.transaction_id}"


class SessionFeePayment(models.Model):
    """The payment, once per session, of the last reconciled month's leader commissions and
    association fees to the point's groups (the amounts of reconciliation.FeePayment)."""

    session = models.OneToOneField(
        Session,
        on_delete=models.PROTECT,
        related_name="fee_payment",
        verbose_name=_("phiên giao dịch"),
    )
    transaction_point = models.ForeignKey(
        TransactionPoint,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("điểm giao dịch"),
    )
    reconciliation = models.ForeignKey(
        Reconciliation, on_delete=models.PROTECT, related_name="+", verbose_name=_("kỳ đối chiếu")
    )
    leader_commission = models.BigIntegerField(_("hoa hồng tổ trưởng (đồng)"))
    association_fee = models.BigIntegerField(_("phí ủy thác cấp xã (đồng)"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người ghi"),
    )
    recorded_at = models.DateTimeField(auto_now_add=True, verbose_name=_("thời điểm ghi"))

    class Meta:
        verbose_name = _("chi trả hoa hồng, phí ủy thác tại phiên")
        verbose_name_plural = pgettext_lazy("plural", "chi trả hoa hồng, phí ủy thác tại phiên")
        constraints = [
            # A month's commissions and fees are paid to a point's groups once.
            models.UniqueConstraint(
                fields=["transaction_point", "reconciliation"], name="fees_paid_once_per_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.session} {self.reconciliation}"


class ReceiptCounter(models.Model):
    """The last receipt number used at a point in a year (locked with select_for_update)."""

    transaction_point = models.ForeignKey(
        TransactionPoint,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("điểm giao dịch"),
    )
    year = models.PositiveSmallIntegerField(verbose_name=_("năm"))
    last_number = models.PositiveIntegerField(default=0, verbose_name=_("số biên lai cuối đã cấp"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["transaction_point", "year"], name="one_counter")
        ]

    def __str__(self) -> str:
        return f"{self.transaction_point} {self.year}: {self.last_number}"


class Receipt(models.Model):
    """A receipt 01/BL given to a member at a session: interest and savings."""

    sheet = models.ForeignKey(
        CollectionSheet,
        on_delete=models.PROTECT,
        related_name="receipts",
        verbose_name=_("bảng thu của tổ"),
    )
    borrower = models.ForeignKey(
        Borrower, on_delete=models.PROTECT, related_name="+", verbose_name=_("hộ vay")
    )
    number = models.CharField(_("số biên lai"), max_length=50, unique=True)
    interest = models.BigIntegerField(_("lãi (đồng)"), default=0)
    principal = models.BigIntegerField(_("gốc (đồng)"), default=0)
    savings_deposit = models.BigIntegerField(_("gửi tiết kiệm (đồng)"), default=0)
    savings_withdrawal = models.BigIntegerField(_("rút tiết kiệm (đồng)"), default=0)
    principal_from_savings = models.BigIntegerField(_("trả gốc từ tiết kiệm (đồng)"), default=0)

    class Meta:
        verbose_name = _("biên lai 01/BL")
        verbose_name_plural = pgettext_lazy("plural", "biên lai 01/BL")
        ordering = ["number"]

    def __str__(self) -> str:
        return self.number
