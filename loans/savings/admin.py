"""The savings in the admin: the rates (branch level edits), the accounts and the journal
(read-only), a deposit or withdrawal form per household, and the savings on the household page."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from borrowers.admin.base import ScopedOfficeFilter
from borrowers.models import Borrower
from borrowers.selectors import borrowers_for, office_ids_for, scope
from core.admin import NoDeleteMixin, ReadOnlyMixin, ScopedAdmin, money_display, rate_display
from core.money import format_dong
from loans.admin import ReadOnlyInline
from programmes.models import SavingsRate
from programmes.rule_admin import FourEyesRuleAdmin

from .forms import SavingsPostingForm, SavingsRateForm, SavingsReversalForm
from .models import SavingsAccount, SavingsKind, SavingsTransaction


@admin.register(SavingsRate)
class SavingsRateAdmin(FourEyesRuleAdmin, NoDeleteMixin, admin.ModelAdmin):
    form = SavingsRateForm
    rule_operation = "savings-rates"  # a change waits for a second person (four eyes)
    list_display = ["effective_from", "rate_display", "is_example", "note"]
    readonly_fields = ["is_example"]
    ordering = ["-effective_from"]
    rate_display = rate_display(SavingsRate, "rate")

    def _branch_level(self, request) -> bool:
        return office_ids_for(request.user) is None

    def has_add_permission(self, request):
        return self._branch_level(request) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return self._branch_level(request) and super().has_change_permission(request, obj)


@admin.register(SavingsAccount)
class SavingsAccountAdmin(ReadOnlyMixin, ScopedAdmin):
    list_display = ["borrower", "group", "balance_display", "post_link"]
    list_select_related = ["borrower__savings_group"]
    list_filter = [("borrower__office", ScopedOfficeFilter)]
    search_fields = ["borrower__full_name", "=borrower__national_id"]
    fields = ["borrower", "balance_display", "opened_at"]
    balance_display = money_display(SavingsAccount, "balance")

    def get_queryset(self, request):
        accounts = SavingsAccount.objects.select_related("borrower__savings_group")
        return scope(accounts, request.user, office_field="borrower__office")

    @admin.display(description=_("tổ TK&VV"))
    def group(self, obj) -> str:
        return str(obj.borrower.savings_group)

    @admin.display(description=_("gửi / rút"))
    def post_link(self, obj) -> str:
        url = reverse("admin:savings_post", args=[obj.borrower_id])
        return format_html('<a href="{}">{}</a>', url, _("Gửi / rút tiền"))

    def get_urls(self):
        view = self.admin_site.admin_view(self.post_view)
        return [path("post/<int:borrower_id>/", view, name="savings_post"), *super().get_urls()]

    def post_view(self, request, borrower_id: int):
        """A deposit or withdrawal for one household of the user's offices."""
        borrower = get_object_or_404(borrowers_for(request.user), pk=borrower_id)
        if not request.user.has_perm("savings.add_savingstransaction"):
            raise PermissionDenied
        bound = request.method == "POST"
        form = SavingsPostingForm(request.POST if bound else None, borrower=borrower)
        if bound and form.is_valid() and form.submit(by=request.user):
            entry = form.result
            messages.success(request, _("Đã ghi: %(entry)s.") % {"entry": entry})
            return redirect("admin:borrowers_borrower_change", borrower.pk)
        account = SavingsAccount.objects.filter(borrower=borrower).first()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Gửi / rút tiền gửi: %(b)s") % {"b": borrower},
            "borrower": borrower,
            "balance": format_dong(account.balance if account else 0),
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/savings/post_form.html", context)


@admin.register(SavingsTransaction)
class SavingsJournalAdmin(ReadOnlyMixin, ScopedAdmin):
    list_display = [
        "id",
        "value_date",
        "account",
        "kind",
        "amount_display",
        "receipt_number",
        "posted_by",
        "posted_at",
        "reverse_link",
    ]
    list_filter = ["kind", ("account__borrower__office", ScopedOfficeFilter), "value_date"]
    list_select_related = ["account__borrower", "posted_by", "reversed_by"]
    search_fields = ["=receipt_number", "account__borrower__full_name"]
    fields = [
        "account",
        "kind",
        "value_date",
        "amount_display",
        "delta",
        "reverses",
        "loan",
        "receipt_number",
        "note",
        "posted_by",
        "posted_at",
    ]
    ordering = ["-id"]
    amount_display = money_display(SavingsTransaction, "amount")

    def get_queryset(self, request):
        journal = SavingsTransaction.objects.all()
        return scope(journal, request.user, office_field="account__borrower__office")

    @admin.display(description=_("hủy bút toán"))
    def reverse_link(self, obj) -> str:
        if obj.kind == SavingsKind.REVERSAL or hasattr(obj, "reversed_by"):
            return "—"
        url = reverse("admin:savings_reverse", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Hủy bút toán"))

    def get_urls(self):
        view = self.admin_site.admin_view(self.reverse_view)
        return [path("<int:pk>/reverse/", view, name="savings_reverse"), *super().get_urls()]

    def reverse_view(self, request, pk: int):
        """The reversal of one entry of the user's offices, with its reason, posted through the
        services, or held for a second person when the user may not reverse alone."""
        entry = get_object_or_404(self.get_queryset(request), pk=pk)
        if not request.user.has_perm("savings.add_savingstransaction"):
            raise PermissionDenied
        bound = request.method == "POST"
        form = SavingsReversalForm(request.POST if bound else None, entry=entry)
        if bound and form.is_valid() and form.submit(by=request.user):
            if form.held is not None:  # four eyes: nothing moves until a checker approves
                messages.success(
                    request,
                    _("Đã gửi yêu cầu #%(id)s: hủy bút toán chờ người thứ hai duyệt.")
                    % {"id": form.held},
                )
                # The request's page (the approvals app's, by its URL name: no import).
                return redirect("admin:approvals_approvalrequest_change", form.held)
            messages.success(request, _("Đã ghi: %(entry)s.") % {"entry": form.result})
            return redirect("admin:savings_savingstransaction_change", form.result.pk)
        borrower = entry.account.borrower
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Hủy bút toán tiền gửi: %(e)s") % {"e": entry},
            "borrower": borrower,
            "balance": format_dong(entry.account.balance),
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/savings/post_form.html", context)


class HouseholdSavingsInline(ReadOnlyInline):
    """The household's savings account on its page, with its balance and the posting form."""

    model = SavingsAccount
    verbose_name = verbose_name_plural = _("tiền gửi tiết kiệm tổ viên")
    fields = readonly_fields = ["balance_display", "entries", "post_link"]
    balance_display = money_display(SavingsAccount, "balance")

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("savings.view_savingsaccount")

    @admin.display(description=_("sổ tiền gửi"))
    def entries(self, obj) -> str:
        url = reverse("admin:savings_savingstransaction_changelist")
        return format_html(
            '<a href="{}?account__id__exact={}">{}</a>', url, obj.pk, _("Xem các bút toán")
        )

    @admin.display(description=_("gửi / rút"))
    def post_link(self, obj) -> str:
        url = reverse("admin:savings_post", args=[obj.borrower_id])
        return format_html('<a href="{}">{}</a>', url, _("Gửi / rút tiền"))


# The household's page (registered by loans.admin, so borrowers never imports loans) shows
# its savings too; the class is extended, not re-registered, so other apps' inlines stay.
_household_admin = type(admin.site._registry[Borrower])
_household_admin.inlines = [*_household_admin.inlines, HouseholdSavingsInline]
