"""A household's application for a loan (đề nghị vay vốn, 01/TD) and the steps it goes through:
the group's vote (biên bản họp tổ 10/TD), the commune's certification of the group's list
(03/TD), and the office director's decision (thông báo 04/TD). Each step is written by one
service of `loans.origination.services`, which records who did it and when."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from borrowers.models import Borrower, SavingsGroup, TransactionOffice, TransactionPoint
from loans.models import Loan
from programmes.models import Channel, LoanPurpose, Programme


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Đã nhận đề nghị")
    VOTED = "voted", _("Tổ đã bình xét")
    CERTIFIED = "certified", _("UBND xã đã xác nhận")
    APPROVED = "approved", _("Đã phê duyệt")
    REJECTED = "rejected", _("Không phê duyệt")
    WITHDRAWN = "withdrawn", _("Đã rút đề nghị")


def _recorder(label) -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=label,
    )


class LoanApplication(models.Model):
    """A household's application (01/TD) with the terms it asks for and each step's record."""

    # The steps in order (DOMAIN.md §3). A direct programme has no group vote: its application
    # goes to the commune's certification as submitted. Withdrawn: by the officer, before the
    # decision. The services refuse any other move.
    TRANSITIONS = {
        ApplicationStatus.SUBMITTED: {
            ApplicationStatus.VOTED,
            ApplicationStatus.CERTIFIED,
            ApplicationStatus.WITHDRAWN,
        },
        ApplicationStatus.VOTED: {ApplicationStatus.CERTIFIED, ApplicationStatus.WITHDRAWN},
        ApplicationStatus.CERTIFIED: {
            ApplicationStatus.APPROVED,
            ApplicationStatus.REJECTED,
            ApplicationStatus.WITHDRAWN,
        },
    }
    OPEN = (ApplicationStatus.SUBMITTED, ApplicationStatus.VOTED, ApplicationStatus.CERTIFIED)

    borrower = models.ForeignKey(
        Borrower, on_delete=models.PROTECT, related_name="applications", verbose_name=_("hộ vay")
    )
    programme = models.ForeignKey(
        Programme,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("chương trình"),
    )
    loan_line = models.ForeignKey(
        LoanPurpose,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("dòng vay"),
    )
    # Where the household was when it applied: the group that votes, the point and office.
    savings_group = models.ForeignKey(
        SavingsGroup,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("tổ TK&VV"),
    )
    transaction_point = models.ForeignKey(
        TransactionPoint,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("điểm giao dịch"),
    )
    office = models.ForeignKey(
        TransactionOffice,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("phòng giao dịch"),
    )
    amount = models.BigIntegerField(_("số tiền đề nghị vay (đồng)"))
    term_months = models.PositiveSmallIntegerField(
        _("thời hạn vay (tháng)"), validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    grace_months = models.PositiveSmallIntegerField(_("ân hạn gốc (tháng)"), default=0)
    principal_frequency_months = models.PositiveSmallIntegerField(
        _("kỳ hạn trả gốc (tháng)"), choices=Loan.FREQUENCY_CHOICES, default=6
    )
    due_day = models.PositiveSmallIntegerField(
        _("ngày trả nợ trong tháng"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text=_("Để trống = ngày giao dịch của điểm giao dịch xã."),
    )
    approved_list_ref = models.CharField(
        _("quyết định phê duyệt danh sách (NĐ 28)"), max_length=100, blank=True
    )
    approved_list_date = models.DateField(_("ngày quyết định danh sách"), null=True, blank=True)
    purpose = models.TextField(_("mục đích sử dụng vốn vay"))
    applied_on = models.DateField(_("ngày đề nghị"))
    status = models.CharField(
        _("trạng thái"),
        max_length=20,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.SUBMITTED,
    )
    submitted_at = models.DateTimeField(_("nhận lúc"), auto_now_add=True)
    submitted_by = _recorder(_("cán bộ nhận hồ sơ"))

    # The group's vote (biên bản họp tổ, 10/TD).
    meeting_date = models.DateField(_("ngày họp tổ"), null=True, blank=True)
    members_present = models.PositiveSmallIntegerField(
        _("số thành viên dự họp"), null=True, blank=True
    )
    votes_for = models.PositiveSmallIntegerField(_("số thành viên đồng ý"), null=True, blank=True)
    vote_recorded_at = models.DateTimeField(_("ghi biên bản lúc"), null=True, blank=True)
    vote_recorded_by = _recorder(_("cán bộ ghi biên bản"))

    # The commune's certification of the group's list (03/TD).
    certified_on = models.DateField(_("ngày UBND xã xác nhận"), null=True, blank=True)
    certification_ref = models.CharField(_("số xác nhận của UBND xã"), max_length=100, blank=True)
    certification_recorded_at = models.DateTimeField(_("ghi xác nhận lúc"), null=True, blank=True)
    certification_recorded_by = _recorder(_("cán bộ ghi xác nhận"))

    # The office director's decision (04/TD): the approved loan, or the reason for refusing.
    decided_on = models.DateField(_("ngày quyết định"), null=True, blank=True)
    decision_reason = models.TextField(_("lý do không phê duyệt"), blank=True)
    decided_at = models.DateTimeField(_("quyết định lúc"), null=True, blank=True)
    decided_by = _recorder(_("người quyết định"))
    loan = models.OneToOneField(
        Loan,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="application",
        verbose_name=_("khoản vay"),
    )

    # Withdrawn by the officer before the decision (the household no longer asks for it).
    withdrawal_reason = models.TextField(_("lý do rút đề nghị"), blank=True)
    withdrawn_at = models.DateTimeField(_("rút lúc"), null=True, blank=True)
    withdrawn_by = _recorder(_("cán bộ ghi rút đề nghị"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("đề nghị vay vốn")
        verbose_name_plural = pgettext_lazy("plural", "đề nghị vay vốn")
        ordering = ["-id"]
        # Nothing deletes an application: a mistaken one is withdrawn.
        default_permissions = ("add", "change", "view")
        permissions = [("decide_loanapplication", _("Quyết định phê duyệt đề nghị vay vốn"))]
        indexes = [
            models.Index(fields=["office", "status"], name="application_office_status"),
            models.Index(fields=["savings_group", "meeting_date"], name="application_group_list"),
            models.Index(fields=["transaction_point", "decided_on"], name="application_notice"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="application_amount_positive"),
            models.CheckConstraint(
                condition=Q(grace_months__lt=F("term_months")), name="application_grace_below_term"
            ),
            models.CheckConstraint(
                condition=Q(principal_frequency_months__in=[1, 3, 6, 12]),
                name="application_frequency_allowed",
            ),
            models.CheckConstraint(
                condition=Q(due_day__isnull=True) | (Q(due_day__gte=1) & Q(due_day__lte=31)),
                name="application_due_day_range",
            ),
            models.CheckConstraint(
                condition=Q(votes_for__isnull=True) | Q(votes_for__lte=F("members_present")),
                name="application_votes_within_present",
            ),
            models.CheckConstraint(
                condition=Q(status="approved", loan__isnull=False)
                | (~Q(status="approved") & Q(loan__isnull=True)),
                name="application_loan_iff_approved",
            ),
        ]

    def __str__(self) -> str:
        return _("Đề nghị #%(id)s – %(household)s") % {
            "id": self.pk,
            "household": self.borrower.full_name,
        }

    @property
    def needs_vote(self) -> bool:
        """An entrusted programme lends on the group's vote; a direct one does not."""
        return self.programme.channel == Channel.ENTRUSTED
