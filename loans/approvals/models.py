"""Four-eyes requests (maker-checker): an operation stored with its parameters, run only when a
second, entitled person approves it; every request, decision and outcome is kept."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from borrowers.models import TransactionOffice
from loans.models import Loan


class ApprovalRequest(models.Model):
    """A request (yêu cầu duyệt) for an operation that needs a second person."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ duyệt")
        APPROVED = "approved", _("Đã duyệt")
        REJECTED = "rejected", _("Từ chối")
        FAILED = "failed", _("Không thực hiện được")

    operation = models.CharField(_("nghiệp vụ"), max_length=30)
    # A change of a fee or rate rule (programmes.rule_changes) has no loan and no office: it is
    # the branch's, decided at branch level.
    loan = models.ForeignKey(
        Loan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="approval_requests",
        verbose_name=_("khoản vay"),
    )
    parameters = models.JSONField(_("tham số"), default=dict)
    office = models.ForeignKey(
        TransactionOffice,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("phòng giao dịch"),
    )
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    maker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người lập"),
    )
    created_at = models.DateTimeField(_("ngày lập"), auto_now_add=True)
    checker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người duyệt"),
    )
    decided_at = models.DateTimeField(_("ngày duyệt"), null=True, blank=True)
    reason = models.TextField(_("lý do"), blank=True)
    outcome = models.JSONField(_("kết quả"), null=True, blank=True)
    decision_key = models.CharField(max_length=100, blank=True, verbose_name=_("khóa quyết định"))

    class Meta:
        verbose_name = _("yêu cầu duyệt")
        verbose_name_plural = pgettext_lazy("plural", "yêu cầu duyệt")
        ordering = ["-id"]
        indexes = [models.Index(fields=["office", "status"])]
        permissions = [
            ("decide_approvalrequest", _("Duyệt hoặc từ chối yêu cầu của người khác")),
            ("bypass_four_eyes", _("Tự thực hiện nghiệp vụ cần hai người")),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.operation} {self.loan_id} ({self.get_status_display()})"


class RiskDossier(models.Model):
    """A dossier for a debt at risk (hồ sơ xử lý nợ bị rủi ro, Decision 50/2010/QĐ-TTg as amended
    by 08/2021/QĐ-TTg): the cause, the loss, the treatment proposed; executed as a four-eyes
    request, so it runs only when a second person approves."""

    class Cause(models.TextChoices):
        NATURAL_DISASTER = "natural_disaster", _("Thiên tai")
        EPIDEMIC = "epidemic", _("Dịch bệnh, dịch bệnh trên cây trồng, vật nuôi")
        FIRE = "fire", _("Hỏa hoạn")
        DEATH_OR_MISSING = "death_or_missing", _("Người vay chết, mất tích")
        INCAPACITY = "incapacity", _("Người vay mất năng lực hành vi dân sự")
        SERIOUS_ILLNESS = "serious_illness", _("Người vay mắc bệnh hiểm nghèo")
        ORGANISATION_DISSOLVED = "organisation_dissolved", _("Tổ chức kinh tế giải thể, phá sản")

    class Treatment(models.TextChoices):
        EXTENSION = "extensions", _("Gia hạn nợ")
        FREEZE = "freezes", _("Khoanh nợ (tối đa 3 năm)")
        WRITE_OFF = "write-offs", _("Xóa nợ (lãi, gốc hoặc cả hai)")

    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, related_name="risk_dossiers", verbose_name=_("khoản vay")
    )
    cause = models.CharField(_("nguyên nhân rủi ro"), max_length=30, choices=Cause.choices)
    loss_percent = models.PositiveSmallIntegerField(_("tỷ lệ thiệt hại (%)"))
    treatment = models.CharField(_("biện pháp xử lý"), max_length=30, choices=Treatment.choices)
    decision_ref = models.CharField(_("số quyết định"), max_length=100)
    approval = models.OneToOneField(
        ApprovalRequest,
        on_delete=models.PROTECT,
        related_name="dossier",
        verbose_name=_("yêu cầu duyệt"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người lập"),
    )
    created_at = models.DateTimeField(_("ngày lập"), auto_now_add=True)

    class Meta:
        verbose_name = _("hồ sơ xử lý nợ rủi ro")
        verbose_name_plural = pgettext_lazy("plural", "hồ sơ xử lý nợ rủi ro")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(loss_percent__lte=100), name="dossier_loss_at_most_100"
            )
        ]

    def __str__(self) -> str:
        return f"{self.loan} – {self.get_cause_display()}"
