from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SavingsConfig(AppConfig):
    name = "loans.savings"
    label = "savings"
    verbose_name = _("Tiền gửi tiết kiệm tổ viên")
