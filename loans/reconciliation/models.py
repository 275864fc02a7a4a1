"""The stored results of the monthly reconciliation (DOMAIN.md §6), written by the job in
`tasks`; a re-run of a month replaces its lines, fees and discrepancies office by office."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Reconciliation(models.Model):
    """One month's reconciliation (đối chiếu tháng); a re-run replaces its lines and fees."""

    month = models.DateField(_("tháng"), unique=True, help_text=_("Ngày đầu tháng."))
    # The job run (tasks.JobRun) that last started on the month: a plain id, since loans never
    # imports tasks. Only that run writes the month's totals when it finishes.
    run_id = models.BigIntegerField(_("lần chạy gần nhất"), null=True, blank=True)
    finished_at = models.DateTimeField(_("hoàn thành lúc"), null=True, blank=True)
    totals = models.JSONField(_("tổng số liệu"), default=dict, blank=True)
    loan_count = models.PositiveIntegerField(_("số khoản vay"), default=0)
    discrepancy_count = models.PositiveIntegerField(_("số chênh lệch"), default=0)

    class Meta:
        verbose_name = _("đối chiếu tháng")
        verbose_name_plural = pgettext_lazy("plural", "đối chiếu tháng")
        ordering = ["-month"]

    def __str__(self) -> str:
        return _("Đối chiếu tháng %(m)s") % {"m": f"{self.month:%m/%Y}"}

    @property
    def period(self) -> str:
        return f"{self.month:%Y-%m}"


AMOUNT_FIELDS = (
    "opening_outstanding",
    "disbursed",
    "principal_repaid",
    "written_off",
    "closing_outstanding",
    "interest_due",
    "interest_collected",
    "interest_arrears",
    "overdue_principal",
    "leader_commission",
    "fee_commune",
    "fee_district",
    "fee_province",
    "fee_central",
)


class ReconciliationLine(models.Model):
    """One loan's month: the principal roll-forward, interest, overdue, and its share of the
    group's commission and fees. Groups, associations, points, offices and programmes are sums
    of these lines; the keys are kept as they were when the month was reconciled.

    Derived rows, written only by the job from the loans it reads, as the nightly snapshot
    (loans/models/snapshots.py): the keys are copies of the loan's own references, which the
    database enforces on the loan, so here only the month is a database constraint (the ORM
    still applies on_delete). Each constraint more is a per-row check at commit: ten of them
    cost 6.1 s per 185,000 lines, against 2.7 s for writing them (measured at 200,000 loans).
    Keys read only beside the month have no index of their own either (the office and the
    group: the composite indexes below; the point and the programme: the level totals); the
    loan and the associations keep theirs (a loan's lines; an association's fee statement)."""

    reconciliation = models.ForeignKey(
        Reconciliation,
        on_delete=models.CASCADE,
        related_name="lines",
        verbose_name=_("đối chiếu tháng"),
        db_index=False,  # uniq_reconciliation_line starts with it
    )
    loan = models.ForeignKey(
        "loans.Loan",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("khoản vay"),
        db_constraint=False,
    )
    office = models.ForeignKey(
        "borrowers.TransactionOffice",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("phòng giao dịch"),
        db_constraint=False,
        db_index=False,
    )
    transaction_point = models.ForeignKey(
        "borrowers.TransactionPoint",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("điểm giao dịch"),
        db_constraint=False,
        db_index=False,
    )
    savings_group = models.ForeignKey(
        "borrowers.SavingsGroup",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("tổ TK&VV"),
        db_constraint=False,
        db_index=False,
    )
    programme = models.ForeignKey(
        "programmes.Programme",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("chương trình"),
        db_constraint=False,
        db_index=False,
    )
    # The managing (commune) association and its parents at each level, if any.
    association = models.ForeignKey(
        "borrowers.Association",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("hội đoàn thể"),
        db_constraint=False,
    )
    district_association = models.ForeignKey(
        "borrowers.Association",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("hội cấp huyện"),
        db_constraint=False,
    )
    province_association = models.ForeignKey(
        "borrowers.Association",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("hội cấp tỉnh"),
        db_constraint=False,
    )
    central_association = models.ForeignKey(
        "borrowers.Association",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("hội cấp trung ương"),
        db_constraint=False,
    )
    opening_outstanding = models.BigIntegerField(_("dư nợ đầu kỳ"))
    disbursed = models.BigIntegerField(_("giải ngân trong tháng"))
    principal_repaid = models.BigIntegerField(_("thu nợ gốc trong tháng"))
    written_off = models.BigIntegerField(_("xóa nợ gốc trong tháng"))
    closing_outstanding = models.BigIntegerField(_("dư nợ cuối kỳ"))
    interest_due = models.BigIntegerField(_("lãi phải thu trong tháng"))
    interest_collected = models.BigIntegerField(_("lãi thực thu trong tháng"))
    interest_arrears = models.BigIntegerField(_("lãi tồn đọng cuối tháng"))
    overdue_principal = models.BigIntegerField(_("nợ quá hạn cuối tháng"))
    leader_commission = models.BigIntegerField(_("hoa hồng tổ trưởng"), default=0)
    fee_commune = models.BigIntegerField(_("phí ủy thác cấp xã"), default=0)
    fee_district = models.BigIntegerField(_("phí ủy thác cấp huyện"), default=0)
    fee_province = models.BigIntegerField(_("phí ủy thác cấp tỉnh"), default=0)
    fee_central = models.BigIntegerField(_("phí ủy thác cấp trung ương"), default=0)

    class Meta:
        verbose_name = _("dòng đối chiếu")
        verbose_name_plural = pgettext_lazy("plural", "dòng đối chiếu")
        constraints = [
            models.UniqueConstraint(
                fields=["reconciliation", "loan"], name="uniq_reconciliation_line"
            ),
        ]
        indexes = [
            models.Index(fields=["reconciliation", "office"], name="recon_line_office"),
            models.Index(fields=["reconciliation", "savings_group"], name="recon_line_group"),
        ]

    def __str__(self) -> str:
        return f"{self.reconciliation} / {self.loan_id}"


class FeePayment(models.Model):
    """What one payee earns from one group in a month: the leader's commission, or one
    association level's part of the entrustment fee (DOMAIN.md §5)."""

    class Payee(models.TextChoices):
        GROUP_LEADER = "group_leader", _("Tổ trưởng")
        COMMUNE = "commune", _("Hội cấp xã")
        DISTRICT = "district", _("Hội cấp huyện")
        PROVINCE = "province", _("Hội cấp tỉnh")
        CENTRAL = "central", _("Hội cấp trung ương")

    reconciliation = models.ForeignKey(
        Reconciliation,
        on_delete=models.CASCADE,
        related_name="fees",
        verbose_name=_("đối chiếu tháng"),
    )
    office = models.ForeignKey(
        "borrowers.TransactionOffice",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("phòng giao dịch"),
    )
    savings_group = models.ForeignKey(
        "borrowers.SavingsGroup",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("tổ TK&VV"),
    )
    payee = models.CharField(_("người nhận"), max_length=20, choices=Payee.choices)
    association = models.ForeignKey(
        "borrowers.Association",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("hội nhận"),
    )
    rule = models.ForeignKey(
        "programmes.FeeRule", on_delete=models.PROTECT, related_name="+", verbose_name=_("quy định")
    )
    base_amount = models.BigIntegerField(_("cơ sở tính (đồng)"))
    group_outstanding = models.BigIntegerField(_("dư nợ của tổ cuối tháng"))
    group_overdue = models.BigIntegerField(_("nợ quá hạn của tổ cuối tháng"))
    rate = models.DecimalField(_("tỷ lệ áp dụng (%)"), max_digits=12, decimal_places=8)
    reduced = models.BooleanField(_("giảm do nợ quá hạn vượt ngưỡng"), default=False)
    total = models.BigIntegerField(_("tổng phí của tổ (đồng)"))
    amount = models.BigIntegerField(_("số tiền (đồng)"))

    class Meta:
        verbose_name = _("phí ủy thác, hoa hồng")
        verbose_name_plural = pgettext_lazy("plural", "phí ủy thác, hoa hồng")
        constraints = [
            models.UniqueConstraint(
                fields=["reconciliation", "savings_group", "payee"], name="uniq_fee_per_payee"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_payee_display()} {self.savings_group_id}: {self.amount}"


class Discrepancy(models.Model):
    """A figure that does not reconcile, with the loan behind it; a clean month has none."""

    class Kind(models.TextChoices):
        CACHE = "cache", _("Số dư lưu trên khoản vay khác sổ nhật ký")
        ROLL_FORWARD = "roll_forward", _("Dư nợ đầu kỳ + phát sinh ≠ dư nợ cuối kỳ")

    reconciliation = models.ForeignKey(
        Reconciliation,
        on_delete=models.CASCADE,
        related_name="discrepancies",
        verbose_name=_("đối chiếu tháng"),
    )
    loan = models.ForeignKey(
        "loans.Loan", on_delete=models.CASCADE, related_name="+", verbose_name=_("khoản vay")
    )
    office = models.ForeignKey(
        "borrowers.TransactionOffice",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("phòng giao dịch"),
    )
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    field = models.CharField(_("chỉ tiêu"), max_length=40)
    expected = models.BigIntegerField(_("theo sổ nhật ký"))
    actual = models.BigIntegerField(_("số đối chiếu"))

    class Meta:
        verbose_name = _("chênh lệch đối chiếu")
        verbose_name_plural = pgettext_lazy("plural", "chênh lệch đối chiếu")
        ordering = ["reconciliation", "loan", "kind", "field"]
        constraints = [
            models.UniqueConstraint(
                fields=["reconciliation", "loan", "kind", "field"], name="uniq_discrepancy"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.field}: {self.actual} ≠ {self.expected}"

    @property
    def difference(self) -> int:
        return self.actual - self.expected


class ReconciliationTotal(models.Model):
    """The sums of an office's lines of the month for one level of the reconciliation report
    (`level`: office, transaction_point, savings_group, programme, or association_<level> with
    `association` the association of that level), written by the job with the lines, in the same
    transaction; the report reads these instead of summing every line. Every figure adds up
    across offices (no distinct counts)."""

    reconciliation = models.ForeignKey(
        Reconciliation, on_delete=models.CASCADE, related_name="+", verbose_name=_("đối chiếu")
    )
    level = models.CharField(_("cấp"), max_length=24)
    office = models.ForeignKey(
        "borrowers.TransactionOffice",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("phòng giao dịch"),
    )
    transaction_point = models.ForeignKey(
        "borrowers.TransactionPoint",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("điểm giao dịch"),
    )
    savings_group = models.ForeignKey(
        "borrowers.SavingsGroup",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("tổ TK&VV"),
    )
    programme = models.ForeignKey(
        "programmes.Programme",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("chương trình"),
    )
    association = models.ForeignKey(
        "borrowers.Association",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("hội đoàn thể"),
    )
    loans = models.PositiveIntegerField(_("số khoản vay"))

    class Meta:
        verbose_name = _("tổng đối chiếu theo cấp")
        verbose_name_plural = pgettext_lazy("plural", "tổng đối chiếu theo cấp")
        indexes = [
            models.Index(fields=["reconciliation", "level", "office"], name="recon_total_level")
        ]

    def __str__(self) -> str:
        return f"{self.reconciliation} / {self.level} / {self.office_id}"


for _name in AMOUNT_FIELDS:  # the lines' amounts, summed
    _field = ReconciliationLine._meta.get_field(_name)
    assert isinstance(_field, models.BigIntegerField)
    _field.clone().contribute_to_class(ReconciliationTotal, _name)
