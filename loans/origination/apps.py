from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OriginationConfig(AppConfig):
    name = "loans.origination"
    label = "origination"
    verbose_name = _("Hồ sơ đề nghị vay vốn")
