from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SessionsConfig(AppConfig):
    name = "loans.sessions"
    label = "point_sessions"  # "sessions" is django.contrib.sessions
    verbose_name = _("Phiên giao dịch xã")
