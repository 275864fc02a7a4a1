"""A loan's position rendered for its page, and the read-only inlines of its parts."""

from datetime import date

from django.contrib import admin
from django.db import models
from django.db.models import Exists, OuterRef, Subquery
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from core.admin import money_display
from core.money import format_dong

from ..admin_columns import (
    POSITION_STATUS,
    bucket_words,
)
from ..models import (
    Instalment,
    Loan,
    LoanTransaction,
    PositionSnapshot,
    ScheduleVersion,
)
from ..selectors import loans_for, position_of

# Every amount of a position, in the order of the snapshot table's columns (not the state the
# next night rolls forward from, which a position shown on the page does not carry).
POSITION_MONEY = [
    f.name
    for f in PositionSnapshot._meta.fields
    if isinstance(f, models.BigIntegerField) and not f.primary_key and not f.null
]


def position_rows(position: dict) -> list[tuple[str, str]]:
    """A position as (Vietnamese label, shown value) rows, amounts as `1.234.567 ₫`."""

    def label(key: str) -> str:
        return PositionSnapshot._meta.get_field(key).verbose_name

    rows = [(label(key), format_dong(position[key])) for key in POSITION_MONEY]
    bucket = position["bucket"]
    rows.append((label("days_past_due"), str(position["days_past_due"])))
    rows.append((label("bucket"), bucket_words(bucket)))
    rows.append((label("status"), POSITION_STATUS.get(position["status"], position["status"])))
    return rows


def render_position(loan: Loan, as_of: date) -> str:
    if loan.first_disbursed_on is None:
        return render_to_string("admin/loans/loan/position_table.html", {"as_of": as_of})
    rows = position_rows(position_of(loan, as_of=as_of))
    return render_to_string("admin/loans/loan/position_table.html", {"as_of": as_of, "rows": rows})


# --- inlines ---------------------------------------------------------------------------------


class ReadOnlyInline(admin.TabularInline):
    """A list on the parent's page: shown, never added to, changed or deleted."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LoanPartInline(ReadOnlyInline):
    """Part of the loan's own record: whoever may see the loan sees it."""

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("loans.view_loan") or request.user.has_perm(
            "loans.change_loan"
        )


class ScheduleInline(LoanPartInline):
    model = Instalment
    verbose_name_plural = _("lịch trả gốc hiện hành")
    fields = readonly_fields = ["seq", "due_date", "principal_display"]
    principal_display = money_display(Instalment, "principal")

    def get_queryset(self, request):
        latest = ScheduleVersion.objects.filter(loan=OuterRef("loan")).order_by("-number")
        return (
            super()
            .get_queryset(request)
            .filter(version=Subquery(latest.values("pk")[:1]))
            .order_by("seq")
        )


class JournalInline(LoanPartInline):
    model = LoanTransaction
    fk_name = "loan"
    fields = readonly_fields = [
        "id",
        "value_date",
        "kind",
        "amount_display",
        "receipt_number",
        "reversal",
        "note",
        "posted_by",
        "posted_at",
    ]
    amount_display = money_display(LoanTransaction, "amount")

    def get_queryset(self, request):
        reversed_q = LoanTransaction.objects.filter(reverses=OuterRef("pk"))
        return (
            super()
            .get_queryset(request)
            .select_related("posted_by")
            .annotate(is_reversed=Exists(reversed_q))
            .order_by("value_date", "id")
        )

    @admin.display(description=_("hủy"))
    def reversal(self, obj: LoanTransaction) -> str:
        if obj.reverses_id:
            return _("hủy bút toán #%(id)s") % {"id": obj.reverses_id}
        return _("đã bị hủy") if obj.is_reversed else ""


class HouseholdLoanInline(ReadOnlyInline):
    model = Loan
    show_change_link = True
    fields = readonly_fields = [
        "contract_number",
        "programme",
        "approved_on",
        "approved_amount_display",
        "outstanding_display",
        "status",
    ]
    approved_amount_display = money_display(Loan, "approved_amount")
    outstanding_display = money_display(Loan, "outstanding_principal")

    def get_queryset(self, request):
        return loans_for(request.user)
