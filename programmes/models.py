"""Lending programmes as data: terms, caps, channels and effective-dated interest rates."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from borrowers.models import HouseholdCategory


class Channel(models.TextChoices):
    ENTRUSTED = "entrusted", _("Ủy thác qua tổ TK&VV")
    DIRECT = "direct", _("Cho vay trực tiếp")


class DayCount(models.TextChoices):
    ACT365 = "act365", _("Thực tế/365")
    MONTH30 = "month30", _("Lãi tháng × ngày / 30")


class Programme(models.Model):
    """A lending programme (chương trình cho vay) set by law, e.g. Decree 28/2022/NĐ-CP lines."""

    code = models.CharField(_("mã"), max_length=20, unique=True)
    name = models.CharField(_("tên chương trình"), max_length=200)
    legal_basis = models.TextField(_("căn cứ pháp lý"), blank=True)
    borrower_categories = models.JSONField(
        _("đối tượng (loại hộ) được vay"),
        default=list,
        blank=True,
        help_text=_("Danh sách loại hộ được vay; để trống = mọi loại hộ."),
    )
    purposes_note = models.TextField(_("mục đích vay"), blank=True)
    max_amount = models.BigIntegerField(
        _("mức cho vay tối đa (đồng)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    max_term_months = models.PositiveIntegerField(_("thời hạn tối đa (tháng)"))
    grace_months = models.PositiveIntegerField(_("ân hạn gốc mặc định (tháng)"), default=0)
    max_grace_months = models.PositiveIntegerField(_("ân hạn gốc tối đa (tháng)"), default=0)
    channel = models.CharField(
        _("phương thức"), max_length=20, choices=Channel.choices, default=Channel.ENTRUSTED
    )
    collateral_required = models.BooleanField(_("phải có tài sản bảo đảm"), default=False)
    day_count = models.CharField(
        _("cách tính lãi"), max_length=10, choices=DayCount.choices, default=DayCount.ACT365
    )
    is_decree_28 = models.BooleanField(_("thuộc Nghị định 28/2022"), default=False)
    exclusive_group = models.CharField(
        _("nhóm loại trừ"),
        max_length=30,
        blank=True,
        help_text=_("Một hộ chỉ được vay một trong các dòng vay có cùng nhóm (ví dụ ND28-SX)."),
    )
    requires_approved_list = models.BooleanField(
        _("phải có danh sách được phê duyệt"), default=False
    )
    is_active = models.BooleanField(_("đang áp dụng"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("chương trình cho vay")
        verbose_name_plural = pgettext_lazy("plural", "chương trình cho vay")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_amount__isnull=True) | Q(max_amount__gt=0),
                name="programme_max_amount_positive",
            ),
            models.CheckConstraint(
                condition=Q(max_grace_months__lt=models.F("max_term_months")),
                name="programme_grace_below_term",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"

    def rate_on(self, on: date, category: str | None = None) -> "InterestRate | None":
        """The rate in force on `on` (a category-specific rate wins over the general one)."""
        rates = self.rates.filter(effective_from__lte=on).order_by("-effective_from")
        if category:
            specific = rates.filter(household_category=category).first()
            if specific is not None:
                return specific
        return rates.filter(household_category="").first()


class LoanPurpose(models.Model):
    """A loan line (dòng vay) within a programme, with its own cap where the law sets one."""

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="purposes", verbose_name=_("chương trình")
    )
    code = models.CharField(_("mã"), max_length=30)
    name = models.CharField(_("tên dòng vay"), max_length=200)
    max_amount = models.BigIntegerField(
        _("mức cho vay tối đa (đồng)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("dòng vay")
        verbose_name_plural = pgettext_lazy("plural", "dòng vay")
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="uniq_purpose_code"),
        ]

    def __str__(self) -> str:
        return f"{self.programme.code}/{self.code} – {self.name}"


class InterestRate(models.Model):
    """An annual contract rate (%/năm) in force from a date; the overdue rate is 130% of it."""

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="rates", verbose_name=_("chương trình")
    )
    household_category = models.CharField(
        _("áp dụng cho loại hộ"),
        max_length=20,
        choices=HouseholdCategory.choices,
        blank=True,
        help_text=_("Để trống = mức chung của chương trình."),
    )
    annual_rate = models.DecimalField(
        _("lãi suất (%/năm)"),
        max_digits=7,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("50"))],
    )
    effective_from = models.DateField(_("hiệu lực từ"))
    applies_to_outstanding = models.BooleanField(
        _("áp dụng cho dư nợ hiện có"),
        default=False,
        help_text=_(
            "Nếu chọn, mức mới áp dụng cho cả các khoản vay đang có dư nợ từ ngày hiệu lực."
        ),
    )
    note = models.TextField(_("ghi chú / căn cứ"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("lãi suất")
        verbose_name_plural = pgettext_lazy("plural", "lãi suất")
        ordering = ["programme", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "household_category", "effective_from"],
                name="uniq_rate_per_day",
            ),
            models.CheckConstraint(condition=Q(annual_rate__gte=0), name="rate_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.programme.code} {self.annual_rate}% từ {self.effective_from:%d/%m/%Y}"

    @property
    def rate_micro(self) -> int:
        """The rate in units of 1e-4 percent (6.6% -> 66000), as the position engine takes it."""
        return int(self.annual_rate * 10000)


class FeeRuleQuerySet(models.QuerySet):
    def in_force(self, on: date) -> "FeeRuleQuerySet":
        """Rules whose validity covers `on`, the latest-starting first."""
        return self.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on), valid_from__lte=on
        ).order_by("-valid_from", "-id")


class FeeRule(models.Model):
    """How the bank pays a group leader's commission (hoa hồng) or an association's entrustment
    fee (phí ủy thác) each month, per group (DOMAIN.md §5; the rules are a decision, not law).

    The amount is `base × rate%`, the rate multiplied by `quality_multiplier` when the group's
    overdue principal exceeds `overdue_ratio_threshold`% of its outstanding at month end; it is
    rounded half-up once per payee, group and month. An association fee is then split across
    the association's levels by the shares, largest remainder first, so the parts add up.
    The rule in force on the last day of a month applies to the whole month.
    """

    class Payee(models.TextChoices):
        GROUP_LEADER = "group_leader", _("Tổ trưởng tổ TK&VV (hoa hồng)")
        ASSOCIATION = "association", _("Hội đoàn thể nhận ủy thác (phí ủy thác)")

    class Base(models.TextChoices):
        INTEREST_COLLECTED = "interest_collected", _("Lãi thực thu trong tháng")
        OUTSTANDING = "outstanding", _("Dư nợ cuối tháng")

    # The association levels a fee is split across, in the order of the share fields.
    LEVELS = ("commune", "district", "province", "central")

    name = models.CharField(_("tên quy định"), max_length=200)
    payee = models.CharField(_("người nhận"), max_length=20, choices=Payee.choices)
    base = models.CharField(
        _("cơ sở tính"), max_length=20, choices=Base.choices, default=Base.INTEREST_COLLECTED
    )
    rate = models.DecimalField(
        _("tỷ lệ (% của cơ sở tính, mỗi tháng)"),
        max_digits=7,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    commune_share = models.DecimalField(
        _("phần cấp xã (%)"), max_digits=5, decimal_places=2, default=Decimal("0")
    )
    district_share = models.DecimalField(
        _("phần cấp huyện (%)"), max_digits=5, decimal_places=2, default=Decimal("0")
    )
    province_share = models.DecimalField(
        _("phần cấp tỉnh (%)"), max_digits=5, decimal_places=2, default=Decimal("0")
    )
    central_share = models.DecimalField(
        _("phần cấp trung ương (%)"), max_digits=5, decimal_places=2, default=Decimal("0")
    )
    overdue_ratio_threshold = models.DecimalField(
        _("ngưỡng tỷ lệ nợ quá hạn của tổ (%)"),
        max_digits=7,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("Để trống = không xét chất lượng. Vượt ngưỡng thì tỷ lệ nhân với hệ số."),
    )
    quality_multiplier = models.DecimalField(
        _("hệ số khi vượt ngưỡng"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("Ví dụ 0,5 = giảm một nửa khi nợ quá hạn của tổ vượt ngưỡng."),
    )
    valid_from = models.DateField(_("hiệu lực từ"))
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    is_example = models.BooleanField(
        _("số liệu mẫu"),
        default=False,
        help_text=_("Quy định mẫu đi kèm phần mềm (DOMAIN.md §5), không phải văn bản pháp quy."),
    )
    note = models.TextField(_("ghi chú / căn cứ"), blank=True)
    history = HistoricalRecords()

    objects = FeeRuleQuerySet.as_manager()

    class Meta:
        verbose_name = _("quy định phí ủy thác, hoa hồng")
        verbose_name_plural = pgettext_lazy("plural", "quy định phí ủy thác, hoa hồng")
        ordering = ["payee", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="fee_rule_valid_range",
            ),
            models.CheckConstraint(
                condition=Q(rate__gte=0) & Q(quality_multiplier__gte=0),
                name="fee_rule_rate_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(commune_share__gte=0)
                & Q(district_share__gte=0)
                & Q(province_share__gte=0)
                & Q(central_share__gte=0),
                name="fee_rule_shares_non_negative",
            ),
            # An association fee is split by its shares (clean() requires them to make 100%:
            # exact in Decimal, not in SQLite's floating point); a commission is not split.
            models.CheckConstraint(
                condition=(
                    Q(payee="association")
                    & ~Q(commune_share=0, district_share=0, province_share=0, central_share=0)
                )
                | (
                    Q(payee="group_leader")
                    & Q(commune_share=0, district_share=0, province_share=0, central_share=0)
                ),
                name="fee_rule_split_by_payee",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def shares(self) -> list[Decimal]:
        """The split across LEVELS, in percent."""
        return [getattr(self, f"{level}_share") for level in self.LEVELS]

    def clean(self) -> None:
        errors = {}
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            errors["valid_to"] = _("Ngày hết hiệu lực phải sau ngày bắt đầu.")
        total = sum(share or 0 for share in self.shares)
        if self.payee == self.Payee.ASSOCIATION and total != 100:
            errors["commune_share"] = _("Tổng các phần xã, huyện, tỉnh, trung ương phải là 100%.")
        if self.payee == self.Payee.GROUP_LEADER and total != 0:
            errors["commune_share"] = _("Hoa hồng tổ trưởng không chia theo cấp hội.")
        if not errors and self.payee and self.valid_from:
            errors.update(self._overlap_errors())
        if errors:
            raise ValidationError(errors)

    def _overlap_errors(self) -> dict:
        # One rule per payee at a time, so each payee's amount is rounded once per group.
        others = FeeRule.objects.filter(payee=self.payee).exclude(pk=self.pk)
        if self.valid_to:
            others = others.filter(valid_from__lte=self.valid_to)
        clash = others.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=self.valid_from)).first()
        if clash is None:
            return {}
        return {
            "valid_from": _(
                "Trùng thời gian hiệu lực với “%(other)s”; hãy đặt ngày hết hiệu lực cho quy "
                "định cũ trước."
            )
            % {"other": clash}
        }


class SavingsRate(models.Model):
    """The members' savings rate (%/năm) in force from a date (DOMAIN.md §7): the rate in force
    on a day is the one with the latest `effective_from` on or before it, for every balance."""

    rate = models.DecimalField(
        _("lãi suất tiền gửi (%/năm)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("50"))],
    )
    effective_from = models.DateField(_("hiệu lực từ"), unique=True)
    is_example = models.BooleanField(
        _("số liệu mẫu"),
        default=False,
        help_text=_("Mức mẫu đi kèm phần mềm, không phải văn bản pháp quy."),
    )
    note = models.TextField(_("ghi chú / căn cứ"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("lãi suất tiền gửi tổ viên")
        verbose_name_plural = pgettext_lazy("plural", "lãi suất tiền gửi tổ viên")
        ordering = ["effective_from"]
        constraints = [
            models.CheckConstraint(condition=Q(rate__gte=0), name="savings_rate_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.rate}%/năm từ {self.effective_from:%d/%m/%Y}"

    @property
    def basis_points(self) -> int:
        """The rate in hundredths of a percent (0.50% -> 50), exact."""
        return int(self.rate * 100)
