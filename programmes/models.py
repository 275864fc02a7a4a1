"""Lending programmes as data: terms, caps, channels and effective-dated interest rates."""

from datetime import date
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class HouseholdCategory(models.TextChoices):
    POOR = "poor", _("Hộ nghèo")
    NEAR_POOR = "near_poor", _("Hộ cận nghèo")
    NEWLY_ESCAPED = "newly_escaped", _("Hộ mới thoát nghèo")
    OTHER = "other", _("Khác")


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
        verbose_name_plural = _("chương trình cho vay")
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
        verbose_name_plural = _("dòng vay")
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
        verbose_name_plural = _("lãi suất")
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
