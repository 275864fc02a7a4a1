from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    """The officer's desk: the dashboard that opens the admin (above `tasks`: it reads the
    loans, the job runs and, once installed, the sessions and the approvals)."""

    name = "desk"
    label = "desk"
    verbose_name = _("Bàn làm việc")
