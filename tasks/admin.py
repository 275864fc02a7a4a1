"""Job runs with their progress: written by the jobs, only looked at here."""

from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from config.admin_site import ReadOnlyMixin

from .models import JobRun


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "kind",
        "period",
        "status",
        "progress_display",
        "counts_display",
        "started_at",
        "finished_at",
        "duration",
        "created_by",
    ]
    list_filter = ["kind", "status"]
    search_fields = ["=period"]
    list_select_related = ["created_by"]
    fields = [
        "kind",
        "period",
        "status",
        "progress_display",
        "parts_done",
        "parts_total",
        "counts_display",
        "error",
        "created_at",
        "started_at",
        "finished_at",
        "duration",
        "created_by",
    ]
    readonly_fields = fields

    @admin.display(description=_("tiến độ"))
    def progress_display(self, obj: JobRun) -> str:
        return f"{obj.progress}%"

    @admin.display(description=JobRun._meta.get_field("counts").verbose_name)
    def counts_display(self, obj: JobRun) -> str:
        if not obj.counts:
            return "–"
        return format_html_join(", ", "{}: {}", sorted(obj.counts.items()))

    @admin.display(description=_("thời gian chạy"))
    def duration(self, obj: JobRun) -> str:
        if not (obj.started_at and obj.finished_at):
            return "–"
        seconds = int((obj.finished_at - obj.started_at).total_seconds())
        return f"{seconds // 60} phút {seconds % 60} giây" if seconds >= 60 else f"{seconds} giây"
