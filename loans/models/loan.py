"""Loans, their versioned principal schedules and their freezes."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from borrowers.models import Borrower, SavingsGroup, TransactionOffice, TransactionPoint
from core.money import format_dong
from programmes.models import LoanPurpose, Programme


class LoanStatus(models.TextChoices):
    APPROVED = "approved", _("Đã phê duyệt, chưa giải ngân")
    ACTIVE = "active", _("Đang vay")
    FROZEN = "frozen", _("Khoanh nợ")
    CLOSED = "closed", _("Đã tất toán")
    WRITTEN_OFF = "written_off", _("Đã xóa nợ")


class Loan(models.Model):
    """A household's loan under one programme; balances are a cache of the journal."""

    FREQUENCY_CHOICES = [(1, _("Hằng tháng")), (3, _("3 tháng")), (6, _("6 tháng")), (12, _("Năm"))]
    # Which status moves the services may make (DOMAIN.md §3): loans.services.change_status,
    # the one writer of a loan's status, refuses any other. ACTIVE -> APPROVED: only by
    # reversing the loan's only disbursement (with nothing else posted).
    TRANSITIONS = {
        LoanStatus.APPROVED: {LoanStatus.ACTIVE},  # the first disbursement
        LoanStatus.ACTIVE: {
            LoanStatus.FROZEN,
            LoanStatus.CLOSED,
            LoanStatus.WRITTEN_OFF,
            LoanStatus.APPROVED,
        },
        LoanStatus.FROZEN: {LoanStatus.ACTIVE, LoanStatus.WRITTEN_OFF},
        LoanStatus.CLOSED: {LoanStatus.ACTIVE},  # only by reversing the closing repayment
        LoanStatus.WRITTEN_OFF: {LoanStatus.ACTIVE},  # only by reversing the write-off
    }

    contract_number = models.CharField(_("số khế ước"), max_length=30, unique=True)
    borrower = models.ForeignKey(
        Borrower, on_delete=models.PROTECT, related_name="loans", verbose_name=_("hộ vay")
    )
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="loans", verbose_name=_("chương trình")
    )
    purpose = models.ForeignKey(
        LoanPurpose,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="loans",
        verbose_name=_("dòng vay"),
    )
    savings_group = models.ForeignKey(
        SavingsGroup,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="loans",
        verbose_name=_("tổ TK&VV"),
    )
    transaction_point = models.ForeignKey(
        TransactionPoint,
        on_delete=models.PROTECT,
        related_name="loans",
        verbose_name=_("điểm giao dịch"),
    )
    office = models.ForeignKey(
        TransactionOffice,
        on_delete=models.PROTECT,
        related_name="loans",
        verbose_name=_("phòng giao dịch"),
    )
    approved_amount = models.BigIntegerField(_("số tiền phê duyệt (đồng)"))
    term_months = models.PositiveSmallIntegerField(
        _("thời hạn (tháng)"), validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    grace_months = models.PositiveSmallIntegerField(_("ân hạn gốc (tháng)"), default=0)
    principal_frequency_months = models.PositiveSmallIntegerField(
        _("kỳ hạn trả gốc (tháng)"), choices=FREQUENCY_CHOICES, default=6
    )
    due_day = models.PositiveSmallIntegerField(
        _("ngày trả nợ trong tháng"), validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    approved_on = models.DateField(_("ngày phê duyệt"))
    approved_list_ref = models.CharField(
        _("quyết định phê duyệt danh sách (NĐ 28)"), max_length=100, blank=True
    )
    approved_list_date = models.DateField(_("ngày quyết định danh sách"), null=True, blank=True)
    contract_rate = models.DecimalField(
        _("lãi suất hợp đồng (%/năm)"), max_digits=7, decimal_places=4, null=True, blank=True
    )
    first_disbursed_on = models.DateField(_("ngày giải ngân đầu tiên"), null=True, blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=20, choices=LoanStatus.choices, default=LoanStatus.APPROVED
    )
    # Cached balances, written only by loans.services in the same transaction as the journal.
    disbursed_total = models.BigIntegerField(_("đã giải ngân"), default=0)
    principal_repaid_total = models.BigIntegerField(_("gốc đã thu"), default=0)
    written_off_total = models.BigIntegerField(_("gốc đã xóa"), default=0)
    outstanding_principal = models.BigIntegerField(_("dư nợ"), default=0)
    interest_paid_total = models.BigIntegerField(_("lãi đã thu"), default=0)
    interest_written_off_total = models.BigIntegerField(_("lãi đã xóa"), default=0)
    created_at = models.DateTimeField(_("ngày tạo"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người tạo"),
    )
    history = HistoricalRecords(
        excluded_fields=[
            "disbursed_total",
            "principal_repaid_total",
            "written_off_total",
            "outstanding_principal",
            "interest_paid_total",
            "interest_written_off_total",
        ]
    )

    class Meta:
        verbose_name = _("khoản vay")
        verbose_name_plural = pgettext_lazy("plural", "khoản vay")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["office", "status"], name="loan_office_status"),
            models.Index(fields=["programme", "status"], name="loan_programme_status"),
            # The flows report's new loans of a period: a range of this index alone, not a visit
            # to nearly every page of the table (new loans of a month are spread over it once a
            # book is taken on): at 1,000,000 loans 15 ms instead of 145-230 ms.
            models.Index(
                fields=["first_disbursed_on"],
                include=["id", "office", "programme"],
                name="loan_first_disbursed_cover",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(approved_amount__gt=0), name="loan_amount_positive"),
            models.CheckConstraint(
                condition=Q(disbursed_total__lte=F("approved_amount")),
                name="loan_disbursed_within_approved",
            ),
            models.CheckConstraint(
                condition=Q(outstanding_principal__gte=0), name="loan_outstanding_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(
                    outstanding_principal=F("disbursed_total")
                    - F("principal_repaid_total")
                    - F("written_off_total")
                ),
                name="loan_outstanding_identity",
            ),
            models.CheckConstraint(
                condition=Q(principal_repaid_total__gte=0)
                & Q(written_off_total__gte=0)
                & Q(interest_paid_total__gte=0)
                & Q(interest_written_off_total__gte=0),
                name="loan_totals_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(due_day__gte=1) & Q(due_day__lte=31), name="loan_due_day_range"
            ),
            models.CheckConstraint(
                condition=Q(grace_months__lt=F("term_months")), name="loan_grace_below_term"
            ),
            models.CheckConstraint(
                condition=Q(principal_frequency_months__in=[1, 3, 6, 12]),
                name="loan_frequency_allowed",
            ),
        ]

    def __str__(self) -> str:
        return self.contract_number


class ScheduleVersion(models.Model):
    """One version of a loan's principal schedule, in force from `effective_from`.

    A new version is written on every tranche, extension (gia hạn nợ) or adjustment (điều chỉnh
    kỳ hạn); the version in force at D is the highest-numbered one with effective_from <= D.
    """

    class Reason(models.TextChoices):
        DISBURSEMENT = "disbursement", _("Giải ngân")
        EXTENSION = "extension", _("Gia hạn nợ")
        ADJUSTMENT = "adjustment", _("Điều chỉnh kỳ hạn")
        REVERSAL = "reversal", _("Hủy bút toán giải ngân")
        TAKEON = "takeon", _("Chuyển đổi dữ liệu")

    loan = models.ForeignKey(
        Loan,
        on_delete=models.PROTECT,
        related_name="schedule_versions",
        verbose_name=_("khoản vay"),
    )
    number = models.PositiveIntegerField(_("phiên bản"))
    effective_from = models.DateField(_("hiệu lực từ"))
    reason = models.CharField(_("lý do"), max_length=20, choices=Reason.choices)
    note = models.TextField(_("ghi chú"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("ngày tạo"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người tạo"),
    )

    class Meta:
        verbose_name = _("lịch trả nợ")
        verbose_name_plural = pgettext_lazy("plural", "lịch trả nợ")
        ordering = ["loan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "number"], name="uniq_schedule_version"),
        ]
        # The incremental night looks for the versions in force from the business date (with
        # the ones written since the last night): without it, a scan of every version.
        indexes = [models.Index(fields=["effective_from"], name="schedule_effective_from")]

    def __str__(self) -> str:
        return f"{self.loan} v{self.number}"


class Instalment(models.Model):
    """A principal instalment (kỳ trả gốc) of one schedule version."""

    version = models.ForeignKey(
        ScheduleVersion,
        on_delete=models.PROTECT,
        related_name="instalments",
        verbose_name=_("phiên bản lịch trả nợ"),
    )
    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, related_name="instalments", verbose_name=_("khoản vay")
    )
    seq = models.PositiveSmallIntegerField(_("kỳ"))
    due_date = models.DateField(_("ngày đến hạn"))
    principal = models.BigIntegerField(_("số gốc phải trả"))

    class Meta:
        verbose_name = _("kỳ trả gốc")
        verbose_name_plural = pgettext_lazy("plural", "kỳ trả gốc")
        ordering = ["version", "seq"]
        # The nightly job reads a version's instalments from this index alone (PostgreSQL
        # index-only scan): no visit to the table's pages, one per instalment otherwise.
        indexes = [
            models.Index(
                fields=["version"],
                include=["loan", "due_date", "principal"],
                name="instalment_version_cover",
            ),
            # What falls due on a day or in a week (the incremental night, the dashboard, the
            # loan list's filter): a range of this index alone, not a scan of every
            # instalment, nor a visit to one table page per instalment (at 1,000,000 loans a
            # day's 7,600 instalments cost 70 ms of table reads, once per office and query).
            models.Index(
                fields=["due_date"],
                include=["loan", "version", "principal"],
                name="instalment_due_date_cover",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["version", "seq"], name="uniq_instalment_seq"),
            models.CheckConstraint(condition=Q(principal__gt=0), name="instalment_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.due_date:%d/%m/%Y}: {format_dong(self.principal)}"


class LoanFreeze(models.Model):
    """A freezing of the debt (khoanh nợ, Decision 50/2010 as amended by 08/2021): no accrual."""

    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, related_name="freezes", verbose_name=_("khoản vay")
    )
    start = models.DateField(_("từ ngày"))
    end = models.DateField(_("đến ngày"), null=True, blank=True)
    decision_ref = models.CharField(_("quyết định khoanh nợ"), max_length=100)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("ngày tạo"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người tạo"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("khoanh nợ")
        verbose_name_plural = pgettext_lazy("plural", "khoanh nợ")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")), name="freeze_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.loan} {self.start:%d/%m/%Y}–{self.end or '…'}"
