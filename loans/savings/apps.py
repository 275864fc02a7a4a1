from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SavingsConfig(AppConfig):
    name = "loans.savings"
    label = "savings"
    verbose_name = _("Tiền gửi tiết kiệm tổ viên")

    def ready(self) -> None:
        # The 13/TD shows each member's savings balance (the reports may not import savings).
        from loans.reports.collection_list import MEMBER_FIGURES

        from .selectors import balances_as_of

        MEMBER_FIGURES["savings_balance"] = balances_as_of

        # A savings rate changes through four eyes like the other rate rules.
        from programmes.models import SavingsRate
        from programmes.rule_changes import Rule, register

        from .api import check_rate_change

        register(
            Rule("savings-rates", SavingsRate, "programmes.add_savingsrate", check_rate_change)
        )
