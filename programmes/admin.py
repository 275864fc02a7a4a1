"""Programmes, their loan lines and effective-dated rates: the branch edits, officers look."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from borrowers.admin.base import BranchManagedAdmin, is_branch_level
from core.admin import money_display, rate_display

from .models import FeeRule, InterestRate, LoanPurpose, Programme
from .rule_admin import FourEyesRuleAdmin, hold_inline_rates


class BranchEditedInline(admin.TabularInline):
    """An inline only branch-level staff may change."""

    extra = 0

    def has_add_permission(self, request, obj=None):
        return is_branch_level(request.user) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return is_branch_level(request.user) and super().has_change_permission(request, obj)


class InterestRateInline(BranchEditedInline):
    model = InterestRate
    fields = [
        "household_category",
        "annual_rate",
        "effective_from",
        "applies_to_outstanding",
        "note",
    ]

    def has_delete_permission(self, request, obj=None):
        # Loans took these rates at their first disbursement; a new rate gets a new row.
        return False


class LoanPurposeInline(BranchEditedInline):
    model = LoanPurpose
    fields = ["code", "name", "max_amount"]

    def has_delete_permission(self, request, obj=None):
        # A purpose that loans use is protected; the inline shows that as a form error.
        return is_branch_level(request.user) and super().has_delete_permission(request, obj)


@admin.register(Programme)
class ProgrammeAdmin(BranchManagedAdmin):
    list_display = [
        "code",
        "name",
        "max_amount_display",
        "max_term_months",
        "channel",
        "is_decree_28",
        "is_active",
    ]
    list_filter = ["channel", "is_decree_28", "is_active"]
    search_fields = ["code", "name"]
    inlines = [InterestRateInline, LoanPurposeInline]
    fieldsets = [
        (None, {"fields": ["code", "name", "legal_basis", "is_active"]}),
        (
            "Điều kiện vay",
            {
                "fields": [
                    "borrower_categories",
                    "purposes_note",
                    "max_amount",
                    "max_term_months",
                    "grace_months",
                    "max_grace_months",
                    "channel",
                    "collateral_required",
                    "day_count",
                ]
            },
        ),
        (
            "Nghị định 28/2022",
            {"fields": ["is_decree_28", "exclusive_group", "requires_approved_list"]},
        ),
    ]

    def has_delete_permission(self, request, obj=None):
        # A programme is retired by clearing "is_active", never deleted.
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_formset(self, request, form, formset, change):
        # New or changed rates wait for a second person (four eyes on rate rules).
        if formset.model is InterestRate and hold_inline_rates(request, form.instance, formset):
            return
        super().save_formset(request, form, formset, change)

    max_amount_display = money_display(Programme, "max_amount")


@admin.register(FeeRule)
class FeeRuleAdmin(FourEyesRuleAdmin, BranchManagedAdmin):
    """Fee and commission rules (DOMAIN.md §5): the branch edits them, officers look.

    A rule is never deleted, since past months were paid by it: it is closed with "valid to"
    and a new one is added from the next day. A change waits for a second person (four eyes).
    """

    rule_operation = "fee-rules"

    list_display = [
        "name",
        "payee",
        "base",
        "rate_display",
        "split_display",
        "quality_display",
        "valid_from",
        "valid_to",
        "is_example",
    ]
    rate_display = rate_display(FeeRule, "rate")
    list_filter = ["payee", "base", "is_example"]
    search_fields = ["name", "note"]
    fieldsets = [
        (None, {"fields": ["name", "payee", "base", "rate", "is_example", "note"]}),
        (
            "Chia phí ủy thác theo cấp hội (tổng 100%; hoa hồng tổ trưởng để 0)",
            {"fields": ["commune_share", "district_share", "province_share", "central_share"]},
        ),
        ("Điều kiện chất lượng", {"fields": ["overdue_ratio_threshold", "quality_multiplier"]}),
        ("Hiệu lực", {"fields": ["valid_from", "valid_to"]}),
    ]

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description=_("chia xã/huyện/tỉnh/TW (%)"))
    def split_display(self, obj: FeeRule) -> str:
        if obj.payee != FeeRule.Payee.ASSOCIATION:
            return "–"
        return " / ".join(f"{share.normalize():f}" for share in obj.shares)

    @admin.display(description=_("điều kiện chất lượng"))
    def quality_display(self, obj: FeeRule) -> str:
        if obj.overdue_ratio_threshold is None:
            return "–"
        return (
            f"quá hạn > {obj.overdue_ratio_threshold.normalize():f}% "
            f"→ × {obj.quality_multiplier.normalize():f}"
        )
