from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TakeOnConfig(AppConfig):
    name = "loans.takeon"
    label = "takeon"
    verbose_name = _("Chuyển đổi dữ liệu")
