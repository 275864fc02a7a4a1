"""Job runs of the nightly and monthly batch work."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class JobRun(models.Model):
    """One run of a batch job for a period, with progress the admin and the API show."""

    class Kind(models.TextChoices):
        ARREARS = "arrears", _("Tính nợ quá hạn cuối ngày")
        RECONCILIATION = "reconciliation", _("Đối chiếu tháng")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Đang chờ")
        RUNNING = "running", _("Đang chạy")
        DONE = "done", _("Hoàn thành")
        FAILED = "failed", _("Lỗi")

    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    period = models.CharField(_("kỳ (ngày hoặc tháng)"), max_length=10)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    parts_total = models.PositiveIntegerField(_("số phần"), default=0)
    parts_done = models.PositiveIntegerField(_("số phần xong"), default=0)
    counts = models.JSONField(_("số liệu"), default=dict, blank=True)
    error = models.TextField(_("lỗi"), blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    started_at = models.DateTimeField(_("bắt đầu"), null=True, blank=True)
    finished_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
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
