"""The branch's organisation (offices, transaction points, associations, groups) and borrowers."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from core.text import fold

from .reference_data import ETHNICITIES

# The citizen-ID rule: 12 ASCII digits. `borrowers.services` applies it with this message; the
# validator and the check constraint keep the table to it whatever writes the row.
# [0-9], not \d (which takes other scripts' digits); \Z, not $ (which allows a final newline).
NATIONAL_ID_PATTERN = r"^[0-9]{12}\Z"
NATIONAL_ID_MESSAGE = _("Số CCCD phải gồm đúng 12 chữ số.")
national_id_validator = RegexValidator(
    NATIONAL_ID_PATTERN, NATIONAL_ID_MESSAGE, code="invalid_national_id"
)
ETHNICITY_CHOICES = [(name, name) for _code, name in ETHNICITIES]


class HouseholdCategory(models.TextChoices):
    """A household's category on the commune's approved list (programmes name those they serve)."""

    POOR = "poor", _("Hộ nghèo")
    NEAR_POOR = "near_poor", _("Hộ cận nghèo")
    NEWLY_ESCAPED = "newly_escaped", _("Hộ mới thoát nghèo")
    OTHER = "other", _("Khác")


class Branch(models.Model):
    """A province branch (Chi nhánh tỉnh)."""

    code = models.CharField(_("mã"), max_length=10, unique=True)
    name = models.CharField(_("tên"), max_length=200)

    class Meta:
        verbose_name = _("chi nhánh")
        verbose_name_plural = pgettext_lazy("plural", "chi nhánh")

    def __str__(self) -> str:
        return self.name


class TransactionOffice(models.Model):
    """A district transaction office (Phòng giao dịch, PGD), or the branch's own team."""

    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="offices", verbose_name=_("chi nhánh")
    )
    code = models.CharField(_("mã"), max_length=10, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    former_district = models.CharField(_("huyện cũ"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("phòng giao dịch")
        verbose_name_plural = pgettext_lazy("plural", "phòng giao dịch")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class AdministrativeUnit(models.Model):
    """A province, district or commune, effective-dated: merged units keep a successor."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Tỉnh")
        DISTRICT = "district", _("Huyện")
        COMMUNE = "commune", _("Xã/phường/thị trấn")

    code = models.CharField(_("mã"), max_length=20, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    level = models.CharField(_("cấp"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("đơn vị cấp trên"),
    )
    valid_from = models.DateField(_("hiệu lực từ"))
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
        verbose_name=_("đơn vị kế thừa"),
    )

    class Meta:
        verbose_name = _("đơn vị hành chính")
        verbose_name_plural = pgettext_lazy("plural", "đơn vị hành chính")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="admin_unit_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def current(self) -> "AdministrativeUnit":
        """Follow successors to the unit in force today (chains are short: one merger)."""
        unit = self
        while unit.successor_id is not None:
            unit = unit.successor
        return unit


class TransactionPoint(models.Model):
    """A commune transaction point (Điểm giao dịch xã) meeting on a fixed day of the month."""

    office = models.ForeignKey(
        TransactionOffice,
        on_delete=models.PROTECT,
        related_name="points",
        verbose_name=_("phòng giao dịch"),
    )
    code = models.CharField(_("mã"), max_length=20, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    commune = models.ForeignKey(
        AdministrativeUnit,
        on_delete=models.PROTECT,
        related_name="transaction_points",
        verbose_name=_("xã (địa bàn cũ)"),
        null=True,
        blank=True,
    )
    session_day = models.PositiveSmallIntegerField(
        _("ngày giao dịch trong tháng"), validators=[MinValueValidator(1), MaxValueValidator(31)]
    )

    class Meta:
        verbose_name = _("điểm giao dịch xã")
        verbose_name_plural = pgettext_lazy("plural", "điểm giao dịch xã")
        ordering = ["office", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(session_day__gte=1) & Q(session_day__lte=31), name="session_day_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Association(models.Model):
    """An entrusting association (hội đoàn thể nhận ủy thác) at one level."""

    class Kind(models.TextChoices):
        FARMERS = "farmers", _("Hội Nông dân")
        WOMEN = "women", _("Hội Liên hiệp Phụ nữ")
        VETERANS = "veterans", _("Hội Cựu chiến binh")
        YOUTH = "youth", _("Đoàn Thanh niên")

    class Level(models.TextChoices):
        CENTRAL = "central", _("Trung ương")
        PROVINCE = "province", _("Tỉnh")
        DISTRICT = "district", _("Huyện")
        COMMUNE = "commune", _("Xã")

    kind = models.CharField(_("hội"), max_length=10, choices=Kind.choices)
    level = models.CharField(_("cấp"), max_length=10, choices=Level.choices)
    name = models.CharField(_("tên"), max_length=200)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("cấp trên"),
    )
    office = models.ForeignKey(
        TransactionOffice,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="associations",
        verbose_name=_("phòng giao dịch"),
    )
    transaction_point = models.ForeignKey(
        TransactionPoint,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="associations",
        verbose_name=_("điểm giao dịch"),
    )

    class Meta:
        verbose_name = _("hội đoàn thể")
        verbose_name_plural = pgettext_lazy("plural", "hội đoàn thể")
        ordering = ["kind", "level", "name"]

    def __str__(self) -> str:
        return self.name


class SavingsGroup(models.Model):
    """A savings-and-loan group (Tổ TK&VV) of one village, managed by a commune association."""

    code = models.CharField(_("mã tổ"), max_length=30, unique=True)
    name = models.CharField(_("tên tổ"), max_length=200)
    association = models.ForeignKey(
        Association,
        on_delete=models.PROTECT,
        related_name="groups",
        verbose_name=_("hội quản lý"),
        limit_choices_to={"level": "commune"},
    )
    transaction_point = models.ForeignKey(
        TransactionPoint,
        on_delete=models.PROTECT,
        related_name="groups",
        verbose_name=_("điểm giao dịch"),
    )
    village = models.CharField(_("thôn/bản"), max_length=100)
    leader = models.CharField(_("tổ trưởng"), max_length=100)
    leader_phone = models.CharField(_("điện thoại tổ trưởng"), max_length=20, blank=True)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tổ tiết kiệm và vay vốn")
        verbose_name_plural = pgettext_lazy("plural", "tổ tiết kiệm và vay vốn")
        ordering = ["transaction_point", "name"]

    def __str__(self) -> str:
        # By code too: one village often has several groups of the same name.
        return f"{self.code} – {self.name}"

    @property
    def office_id(self) -> int:
        return self.transaction_point.office_id


class Borrower(models.Model):
    """A borrowing household (hộ vay), represented by one adult member."""

    class Gender(models.TextChoices):
        MALE = "male", _("Nam")
        FEMALE = "female", _("Nữ")

    full_name = models.CharField(_("họ và tên người đại diện"), max_length=100)
    # The name without diacritics, for search ("Bui Hai Tuyet" finds "Bùi Hải Tuyết"); kept by
    # save() and by every bulk writer (core.text.fold).
    full_name_folded = models.CharField(
        _("họ tên không dấu"), max_length=100, blank=True, default="", db_default="", db_index=True
    )
    national_id = models.CharField(
        _("số CCCD"), max_length=12, unique=True, validators=[national_id_validator]
    )
    date_of_birth = models.DateField(_("ngày sinh"))
    gender = models.CharField(_("giới tính"), max_length=6, choices=Gender.choices)
    ethnicity = models.CharField(_("dân tộc"), max_length=30, choices=ETHNICITY_CHOICES)
    household_category = models.CharField(
        _("loại hộ"), max_length=20, choices=HouseholdCategory.choices
    )
    category_list_ref = models.CharField(
        _("quyết định phê duyệt danh sách hộ"), max_length=100, blank=True
    )
    category_list_year = models.PositiveSmallIntegerField(_("năm danh sách"), null=True, blank=True)
    village = models.CharField(_("thôn/bản"), max_length=100)
    commune = models.ForeignKey(
        AdministrativeUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="borrowers",
        verbose_name=_("xã/phường"),
    )
    savings_group = models.ForeignKey(
        SavingsGroup,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name=_("tổ TK&VV"),
    )
    transaction_point = models.ForeignKey(
        TransactionPoint,
        on_delete=models.PROTECT,
        related_name="borrowers",
        verbose_name=_("điểm giao dịch"),
    )
    # Denormalised from the transaction point so every scoped query is one indexed filter.
    office = models.ForeignKey(
        TransactionOffice,
        on_delete=models.PROTECT,
        related_name="borrowers",
        verbose_name=_("phòng giao dịch"),
    )
    phone = models.CharField(_("điện thoại"), max_length=20, blank=True)
    # A household that ever did business is never deleted, only deactivated (issue 14).
    is_active = models.BooleanField(
        _("đang giao dịch"),
        default=True,
        help_text=_("Bỏ chọn khi hộ ngừng giao dịch với ngân hàng; hộ đã có hồ sơ không xóa được."),
    )
    created_at = models.DateTimeField(_("ngày tạo"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("hộ vay")
        verbose_name_plural = pgettext_lazy("plural", "hộ vay")
        ordering = ["full_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(national_id__regex=NATIONAL_ID_PATTERN),
                name="borrower_national_id_12_digits",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.national_id})"

    def save(self, *args, **kwargs):
        self.full_name_folded = fold(self.full_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "full_name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "full_name_folded"}
        super().save(*args, **kwargs)


class StaffProfile(models.Model):
    """Ties a staff login to its transaction office; no office means branch level (sees all)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_profile",
        verbose_name=_("tài khoản"),
    )
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, verbose_name=_("chi nhánh"))
    office = models.ForeignKey(
        TransactionOffice,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        verbose_name=_("phòng giao dịch"),
        help_text=_("Để trống cho cán bộ cấp chi nhánh (xem được mọi phòng giao dịch)."),
    )

    class Meta:
        verbose_name = _("hồ sơ cán bộ")
        verbose_name_plural = pgettext_lazy("plural", "hồ sơ cán bộ")

    def __str__(self) -> str:
        return f"{self.user} – {self.office or self.branch}"
