from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReconciliationConfig(AppConfig):
    name = "loans.reconciliation"
    label = "reconciliation"
    verbose_name = _("Đối chiếu tháng")
