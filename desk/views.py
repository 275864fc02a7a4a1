"""The dashboard as the admin's index page (config/admin_site.py asks for its context)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from core.money import format_percent
from loans.reports.builders import report_session
from loans.reports.charts import bar_chart

from . import figures
from .panels import panels_for


def dashboard_context(request) -> dict:
    """The panels the user sees as of today's business date, with the overdue trend's chart."""
    if not figures.sees_anything(request.user):
        return {"dashboard_panels": []}
    today = timezone.localdate()
    with report_session():  # one read transaction; on PostgreSQL without JIT, as the reports
        panels = panels_for(request, today=today)
    for panel in panels:
        if "trend" in panel:
            panel["chart"] = trend_chart(panel["trend"])
    return {"dashboard_panels": panels, "dashboard_today": today}


def trend_chart(trend) -> str:
    bars = [(f"{day:%m/%Y}", value) for day, value in trend]
    return bar_chart(
        _("Tỷ lệ nợ quá hạn cuối tháng"), bars, shown=format_percent, colour="red", width=560
    )
