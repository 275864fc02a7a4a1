from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "loans.approvals"
    label = "approvals"
    verbose_name = _("Duyệt hai người")

    def ready(self) -> None:
        # Changes of the fee and rate rules go through four eyes too (programmes.rule_changes).
        from .held import register as register_held
        from .rules import register

        register()
        # So does a member's savings reversal (core.four_eyes).
        register_held()
