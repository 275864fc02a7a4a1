"""Loans, their versioned principal schedules, and the append-only journal of postings."""

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
            # What falls due in a week (the dashboard, the loan list's filter): a range of
            # this index, not a scan of every instalment.
            models.Index(fields=["due_date"], name="instalment_due_date"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["version", "seq"], name="uniq_instalment_seq"),
            models.CheckConstraint(condition=Q(principal__gt=0), name="instalment_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.due_date:%d/%m/%Y}: {format_dong(self.principal)}"


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


class PositionSnapshot(models.Model):
    """A loan's position at the end of a business day, written by the nightly arrears job."""

    as_of = models.DateField(_("ngày số liệu"))
    loan = models.ForeignKey(
        Loan, on_delete=models.CASCADE, related_name="snapshots", verbose_name=_("khoản vay")
    )
    office = models.ForeignKey(
        TransactionOffice,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("phòng giao dịch"),
    )
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="+", verbose_name=_("chương trình")
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

    class Meta:
        verbose_name = _("số liệu dư nợ cuối ngày")
        verbose_name_plural = pgettext_lazy("plural", "số liệu dư nợ cuối ngày")
        constraints = [
            models.UniqueConstraint(fields=["as_of", "loan"], name="uniq_snapshot_per_day"),
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
