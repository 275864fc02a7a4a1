"""Job runs of the nightly and monthly batch work, and their office partitions."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from borrowers.models import TransactionOffice


class JobRun(models.Model):
    """One run of a batch job for a period, with progress the admin and the API show.

    A run covers the whole branch (every office that has work) or only some offices (an
    officer's run for their own office); each office is one partition (JobPartition)."""

    class Kind(models.TextChoices):
        ARREARS = "arrears", _("Tính nợ quá hạn cuối ngày")
        RECONCILIATION = "reconciliation", _("Đối chiếu tháng")
        SAVINGS_INTEREST = "savings_interest", _("Nhập lãi tiền gửi tổ viên (nửa năm)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Đang chờ")
        RUNNING = "running", _("Đang chạy")
        STALLED = "stalled", _("Bị treo")
        DONE = "done", _("Hoàn thành")
        FAILED = "failed", _("Lỗi")

    class Scope(models.TextChoices):
        BRANCH = "branch", _("Toàn chi nhánh")
        OFFICES = "offices", _("Phòng giao dịch")

    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    period = models.CharField(_("kỳ (ngày hoặc tháng)"), max_length=10)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    scope = models.CharField(
        _("phạm vi"), max_length=10, choices=Scope.choices, default=Scope.BRANCH
    )
    offices = models.ManyToManyField(
        TransactionOffice,
        verbose_name=_("phòng giao dịch trong phạm vi"),
        blank=True,
        related_name="+",
        help_text=_("Chỉ với lần chạy cho một số phòng giao dịch."),
    )
    parts_total = models.PositiveIntegerField(_("số phần"), default=0)
    parts_done = models.PositiveIntegerField(_("số phần xong"), default=0)
    counts = models.JSONField(_("số liệu"), default=dict, blank=True)
    error = models.TextField(_("lỗi"), blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    started_at = models.DateTimeField(_("bắt đầu"), null=True, blank=True)
    finished_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)
    # When a partition last started or finished: a run that goes on without this moving for
    # settings.JOB_STALLED_AFTER is stalled (tasks/jobs/runs.py).
    progressed_at = models.DateTimeField(
        _("tiến triển lần cuối"), null=True, blank=True, default=timezone.now
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("người chạy"),
    )

    class Meta:
        verbose_name = _("lần chạy tác vụ")
        verbose_name_plural = pgettext_lazy("plural", "lần chạy tác vụ")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(parts_done__lte=models.F("parts_total")),
                name="jobrun_parts_done_within_total",
            ),
        ]
        indexes = [models.Index(fields=["status", "progressed_at"], name="jobrun_unfinished")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period} ({self.get_status_display()})"

    @property
    def progress(self) -> int:
        """Percent of partitions done (0–100)."""
        if self.status == self.Status.DONE:
            return 100
        if not self.parts_total:
            return 0
        return self.parts_done * 100 // self.parts_total

    @property
    def is_branch_wide(self) -> bool:
        return self.scope == self.Scope.BRANCH


class JobPartition(models.Model):
    """One office's part of a run: whether it is done, how often it was tried, its counts."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Đang chờ")
        RUNNING = "running", _("Đang chạy")
        DONE = "done", _("Hoàn thành")
        FAILED = "failed", _("Lỗi")

    run = models.ForeignKey(
        JobRun, on_delete=models.CASCADE, related_name="partitions", verbose_name=_("lần chạy")
    )
    office = models.ForeignKey(
        TransactionOffice,
        verbose_name=_("phòng giao dịch"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("số lần chạy"), default=0)
    counts = models.JSONField(_("số liệu"), default=dict, blank=True)
    error = models.TextField(_("lỗi"), blank=True)
    started_at = models.DateTimeField(_("bắt đầu"), null=True, blank=True)
    finished_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("phần của lần chạy")
        verbose_name_plural = pgettext_lazy("plural", "phần của lần chạy")
        constraints = [
            models.UniqueConstraint(fields=["run", "office"], name="uniq_partition_per_office"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.office_id} ({self.get_status_display()})"
