"""The report pages' place in the admin: a proxy of the snapshot, with no table of its own."""

from django.utils.translation import gettext_lazy as _

from loans.models import PositionSnapshot


class PortfolioReport(PositionSnapshot):
    """The province report pages of the admin (báo cáo), see loans/reports/admin/."""

    class Meta:
        proxy = True
        verbose_name = _("báo cáo")
        verbose_name_plural = _("báo cáo dư nợ, doanh số, tuổi nợ")
