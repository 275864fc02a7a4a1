from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    name = "programmes"
    verbose_name = _("Chương trình cho vay")

    def ready(self) -> None:
        # Fee rules and programme rates change through the four-eyes hook (rule_changes).
        from .models import FeeRule, InterestRate
        from .rule_changes import Rule, register

        register(Rule("fee-rules", FeeRule, "programmes.change_feerule"))
        register(Rule("interest-rates", InterestRate, "programmes.change_interestrate"))
