"""The journal and the other financial records, read-only, and the household's loans."""

from django.contrib import admin

from borrowers.admin import BorrowerAdmin
from borrowers.admin.base import ScopedOfficeFilter
from borrowers.models import Borrower
from borrowers.selectors import scope
from core.admin import ReadOnlyMixin, ScopedAdmin, money_display
from core.admin_exports import ExportMixin

from ..admin_columns import (
    SnapshotBucketFilter,
    SnapshotStatusFilter,
    SnapshotWords,
)
from ..models import (
    LoanFreeze,
    LoanTransaction,
    PositionSnapshot,
)
from .inlines import HouseholdLoanInline

# --- the journal and the other financial records: read-only ---------------------------------


@admin.register(LoanTransaction)
class JournalAdmin(ExportMixin, ReadOnlyMixin, ScopedAdmin):
    export_fields = [
        "id",
        "value_date",
        "loan",
        "kind",
        "amount",
        "receipt_number",
        "office",
        "posted_by",
        "posted_at",
    ]
    list_display = [
        "id",
        "value_date",
        "loan",
        "kind",
        "amount_display",
        "receipt_number",
        "office",
        "posted_by",
        "posted_at",
    ]
    list_filter = ["kind", ("office", ScopedOfficeFilter), "value_date"]
    list_select_related = ["loan", "office", "posted_by"]
    search_fields = ["=loan__contract_number", "=receipt_number"]
    fields = [
        "loan",
        "kind",
        "value_date",
        "amount_display",
        "office",
        "transaction_point",
        "receipt_number",
        "reverses",
        "due_date",
        "note",
        "posted_by",
        "posted_at",
    ]
    ordering = ["-id"]
    amount_display = money_display(LoanTransaction, "amount")

    def get_queryset(self, request):
        return scope(LoanTransaction.objects.all(), request.user)


@admin.register(PositionSnapshot)
class PositionSnapshotAdmin(ExportMixin, SnapshotWords, ReadOnlyMixin, ScopedAdmin):
    export_fields = [
        "as_of",
        "loan",
        "office",
        "programme",
        "outstanding_principal",
        "overdue_principal",
        "days_past_due",
        "interest_arrears",
        "interest_accrued_not_due",
        "overdue_rate_interest",
        "bucket",
        "status",
    ]
    list_display = [
        "as_of",
        "loan",
        "office",
        "programme",
        "outstanding_display",
        "overdue_display",
        "days_past_due",
        "arrears_display",
        "bucket_display",
        "status_display",
    ]
    list_filter = [
        "as_of",
        SnapshotBucketFilter,
        SnapshotStatusFilter,
        ("office", ScopedOfficeFilter),
        "programme",
    ]
    list_select_related = ["loan", "office", "programme"]
    search_fields = ["=loan__contract_number"]
    outstanding_display = money_display(PositionSnapshot, "outstanding_principal")
    overdue_display = money_display(PositionSnapshot, "overdue_principal")
    arrears_display = money_display(PositionSnapshot, "interest_arrears")

    def get_queryset(self, request):
        return scope(PositionSnapshot.objects.all(), request.user)


@admin.register(LoanFreeze)
class LoanFreezeAdmin(ReadOnlyMixin, ScopedAdmin):
    list_display = ["loan", "start", "end", "decision_ref", "created_by", "created_at"]
    list_filter = [("loan__office", ScopedOfficeFilter)]
    list_select_related = ["loan", "created_by"]
    search_fields = ["=loan__contract_number", "decision_ref"]

    def get_queryset(self, request):
        return scope(LoanFreeze.objects.all(), request.user, office_field="loan__office")


# The household's page lists its loans; registered here so `borrowers` never imports `loans`.
admin.site.unregister(Borrower)


@admin.register(Borrower)
class HouseholdAdmin(BorrowerAdmin):
    inlines = [*BorrowerAdmin.inlines, HouseholdLoanInline]

    def get_inlines(self, request, obj):
        # A household being created has no loans yet.
        return self.inlines if obj is not None else BorrowerAdmin.inlines
