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
        register_portfolio_figures()

        # A savings rate changes through four eyes like the other rate rules.
        from programmes.models import SavingsRate
        from programmes.rule_changes import Rule, register

        from .api import check_rate_change

        register(
            Rule("savings-rates", SavingsRate, "programmes.add_savingsrate", check_rate_change)
        )
        # A reversal of a member's entry goes through four eyes too (core.four_eyes).
        from .reversals import register as register_reversals

        register_reversals()


def register_portfolio_figures() -> None:
    """The members' savings in the province portfolio report (loans.reports.household_figures)."""
    from django.utils.translation import gettext_noop

    from loans.reports.household_figures import PORTFOLIO_FIGURES, HouseholdFigures
    from loans.reports.result import Measure

    from .selectors import accounts_as_of, portfolio_aggregates

    if any(provider.rows is accounts_as_of for provider in PORTFOLIO_FIGURES):
        return
    PORTFOLIO_FIGURES.append(
        HouseholdFigures(
            measures=(
                Measure("savings_balance", gettext_noop("Số dư tiền gửi tổ viên")),
                Measure(
                    "savings_accounts", gettext_noop("Số tài khoản tiền gửi có số dư"), "count"
                ),
            ),
            rows=accounts_as_of,
            aggregates=portfolio_aggregates,
        )
    )
