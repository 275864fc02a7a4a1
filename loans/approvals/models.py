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
    loan = models.ForeignKey(
        Loan,
        on_delete=models.PROTECT,
        related_name="approval_requests",
        verbose_name=_("khoản vay"),
    )
    parameters = models.JSONField(_("tham số"), default=dict)
    office = models.ForeignKey(
        TransactionOffice,
        on_delete=models.PROTECT,
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
    decision_key = models.CharField(max_length=100, blank=True)

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
