"""Input and output serializers of the loans API.

Inputs carry the business limits that belong in the schema (amount bounds, dates not in the
future); the rules that need the loan or the programme stay in `loans.services`.
"""

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from borrowers.models import Borrower
from borrowers.selectors import borrowers_for
from core.api import (
    CodeRelatedField,
    IntegerField,
    ModelSerializer,
    ScopedPrimaryKeyRelatedField,
    business_date,
    money,
)
from programmes.models import LoanPurpose, Programme

from ..models import Instalment, Loan, LoanTransaction
from ..selectors import position_of, schedule_in_force

MAX_TERM_MONTHS = 600
FREQUENCY_CHOICES = [(months, str(label)) for months, label in Loan.FREQUENCY_CHOICES]
POSITION_STATUSES = ["not_disbursed", "current", "overdue", "frozen", "closed", "written_off"]


def value_date(**kwargs) -> serializers.DateField:
    kwargs.setdefault(
        "help_text", "The day the money moved (YYYY-MM-DD); from 2000-01-01 to today."
    )
    return serializers.DateField(validators=[business_date], **kwargs)


# --- outputs ---------------------------------------------------------------------------------


class InstalmentSerializer(ModelSerializer):
    """A principal instalment (kỳ trả gốc) of the schedule in force."""

    class Meta:
        model = Instalment
        fields = ["seq", "due_date", "principal"]


class LoanSerializer(ModelSerializer):
    """A loan and its balances; every field is server-owned once the loan is approved."""

    programme = serializers.SlugRelatedField(slug_field="code", read_only=True)
    purpose = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    amount = serializers.IntegerField(
        source="approved_amount", read_only=True, help_text="Approved amount (đồng)."
    )
    contract_rate = serializers.DecimalField(
        max_digits=7,
        decimal_places=4,
        read_only=True,
        allow_null=True,
        help_text="Annual rate fixed at the first disbursement; null until then.",
    )

    class Meta:
        model = Loan
        fields = [
            "id",
            "contract_number",
            "borrower",
            "programme",
            "purpose",
            "savings_group",
            "transaction_point",
            "office",
            "amount",
            "term_months",
            "grace_months",
            "principal_frequency_months",
            "due_day",
            "approved_on",
            "approved_list_ref",
            "approved_list_date",
            "contract_rate",
            "first_disbursed_on",
            "status",
            "disbursed_total",
            "principal_repaid_total",
            "written_off_total",
            "outstanding_principal",
            "interest_paid_total",
            "interest_written_off_total",
            "created_at",
            "created_by",
        ]
        read_only_fields = fields


class LoanWithScheduleSerializer(LoanSerializer):
    """A loan with the principal schedule in force today (empty before disbursement)."""

    schedule = serializers.SerializerMethodField()

    class Meta(LoanSerializer.Meta):
        fields = [*LoanSerializer.Meta.fields, "schedule"]
        read_only_fields = fields

    @extend_schema_field(InstalmentSerializer(many=True))
    def get_schedule(self, loan: Loan) -> list:
        rows = schedule_in_force(loan, timezone.localdate())
        return InstalmentSerializer(rows, many=True).data


class PositionSerializer(serializers.Serializer):
    """A loan's position at the end of `as_of` (DOMAIN.md §4), from the nightly job's engine."""

    loan = serializers.IntegerField()
    as_of = serializers.DateField()
    disbursed = serializers.IntegerField()
    principal_repaid = serializers.IntegerField()
    written_off = serializers.IntegerField()
    outstanding_principal = serializers.IntegerField()
    principal_due = serializers.IntegerField(help_text="Instalments due on or before as_of.")
    overdue_principal = serializers.IntegerField()
    days_past_due = serializers.IntegerField()
    interest_due = serializers.IntegerField()
    interest_paid = serializers.IntegerField()
    interest_written_off = serializers.IntegerField()
    interest_arrears = serializers.IntegerField(help_text="Lãi tồn đọng: due and unpaid.")
    interest_accrued_not_due = serializers.IntegerField()
    overdue_rate_interest = serializers.IntegerField()
    bucket = serializers.CharField(help_text="Ageing bucket: current, 1-30, 31-90, ..., >360.")
    status = serializers.ChoiceField(choices=POSITION_STATUSES)


class LoanDetailSerializer(LoanWithScheduleSerializer):
    """A loan with its schedule in force and its position as of today."""

    position = serializers.SerializerMethodField()

    class Meta(LoanWithScheduleSerializer.Meta):
        fields = [*LoanWithScheduleSerializer.Meta.fields, "position"]
        read_only_fields = fields

    @extend_schema_field(PositionSerializer)
    def get_position(self, loan: Loan) -> dict:
        return render_position(loan, as_of=timezone.localdate())


def render_position(loan: Loan, *, as_of: date) -> dict:
    row = position_of(loan, as_of=as_of)
    return PositionSerializer({**row, "loan": loan.pk, "as_of": as_of}).data


class TransactionSerializer(ModelSerializer):
    """A journal entry (bút toán); a reversal names the entry it reverses."""

    class Meta:
        model = LoanTransaction
        fields = ["id", "kind", "value_date", "amount", "reverses", "receipt_number"]
        read_only_fields = fields


class LoanBalancesSerializer(ModelSerializer):
    """The loan's status and cached balances after a posting."""

    class Meta:
        model = Loan
        fields = [
            "id",
            "status",
            "outstanding_principal",
            "disbursed_total",
            "principal_repaid_total",
            "written_off_total",
            "interest_paid_total",
        ]
        read_only_fields = fields


class PostingResultSerializer(serializers.Serializer):
    """The journal entries a posting appended and the loan's balances after it."""

    transactions = TransactionSerializer(many=True)
    loan = LoanBalancesSerializer()


# --- inputs ----------------------------------------------------------------------------------


class LoanCreateSerializer(serializers.Serializer):
    """An approved loan (thông báo 04/TD); eligibility and caps are checked by the service."""

    borrower = ScopedPrimaryKeyRelatedField(
        selector=borrowers_for,
        queryset=Borrower.objects.none(),
        help_text="The household, in the user's offices.",
    )
    programme = CodeRelatedField(
        slug_field="code", queryset=Programme.objects.all(), help_text="Programme code."
    )
    purpose = serializers.CharField(
        max_length=30,
        required=False,
        allow_blank=True,
        help_text="Loan line code (dòng vay). In POST /api/v1/applications/ the line is "
        "`loan_line`, and `purpose` is what the money is for.",
    )
    amount = money(help_text="Approved amount in đồng, at most the programme's cap.")
    term_months = IntegerField(min_value=1, max_value=MAX_TERM_MONTHS)
    grace_months = IntegerField(
        min_value=0,
        max_value=MAX_TERM_MONTHS - 1,
        required=False,
        help_text="Months without principal; the programme's default if left out.",
    )
    principal_frequency_months = serializers.ChoiceField(
        choices=FREQUENCY_CHOICES, required=False, default=6
    )
    due_day = IntegerField(
        min_value=1,
        max_value=31,
        required=False,
        help_text="Day of the month payments fall due; the point's session day if left out.",
    )
    approved_on = serializers.DateField(
        validators=[business_date], help_text="Approval date (YYYY-MM-DD); not after today."
    )
    approved_list_ref = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="Decision approving the list of eligible households (Decree 28).",
    )
    approved_list_date = serializers.DateField(
        required=False, allow_null=True, validators=[business_date]
    )

    def validate(self, data: dict) -> dict:
        code = data.pop("purpose", "")
        if code:
            purpose = LoanPurpose.objects.filter(programme=data["programme"], code=code).first()
            if purpose is None:
                raise serializers.ValidationError(
                    {"purpose": _("Dòng vay không thuộc chương trình đã chọn.")}
                )
            data["purpose"] = purpose
        return data


class DisbursementSerializer(serializers.Serializer):
    """A tranche disbursed (giải ngân) at a session."""

    amount = money()
    value_date = value_date()
    receipt_number = serializers.CharField(
        max_length=50, required=False, allow_blank=True, default=""
    )


class RepaymentSerializer(serializers.Serializer):
    """A repayment as on the receipt: principal and interest, or only the total `amount`."""

    value_date = value_date()
    principal = money(min_value=0, required=False, help_text="Principal paid (đồng).")
    interest = money(min_value=0, required=False, help_text="Interest paid (đồng).")
    amount = money(
        required=False,
        help_text="Total paid, instead of principal and interest: interest due first, then "
        "principal oldest instalment first.",
    )
    receipt_number = serializers.CharField(
        max_length=50, required=False, allow_blank=True, default=""
    )

    def validate(self, data: dict) -> dict:
        # "A total or the parts, not both" is the service's rule (its LoanError is a 400 on
        # `amount`); only "nothing at all" is refused here.
        if "amount" not in data and not (data.get("principal") or data.get("interest")):
            raise serializers.ValidationError(_("Phải nhập số gốc, số lãi hoặc tổng số tiền trả."))
        return data


class ReversalSerializer(serializers.Serializer):
    """The reversal (hủy bút toán) of a mistaken entry of this loan, with the reason."""

    transaction = serializers.PrimaryKeyRelatedField(
        queryset=LoanTransaction.objects.none(), help_text="Id of the entry to reverse."
    )
    reason = serializers.CharField(max_length=500)

    def __init__(self, *args, loan: Loan | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if loan is not None:
            self.fields["transaction"].queryset = LoanTransaction.objects.filter(loan=loan)


class PositionQuerySerializer(serializers.Serializer):
    as_of = serializers.DateField(
        required=False,
        validators=[business_date],
        help_text="End of this day (YYYY-MM-DD); today if left out; from 2000-01-01 to today.",
    )
