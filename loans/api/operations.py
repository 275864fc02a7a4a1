"""The loan operations of the API, one table: each name (the URL after /loans/{id}/) has its
input serializer, the service call and the response it renders.

The rules and their messages live in the services (`loans.services`), which the admin's forms
call too, so the two refuse the same requests with the same words. The four-eyes approvals
(`loans.approvals`) run a stored request through this same table when a checker approves it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import business_date, money

from .. import services
from ..models import Loan, LoanFreeze, ScheduleVersion
from ..selectors import schedule_in_force
from .serializers import (
    DisbursementSerializer,
    InstalmentSerializer,
    LoanBalancesSerializer,
    PostingResultSerializer,
    RepaymentSerializer,
    ReversalSerializer,
    value_date,
)

MAX_ROWS = 600  # one instalment a month for the longest term

# --- inputs ----------------------------------------------------------------------------------


class WriteOffSerializer(serializers.Serializer):
    """Write off (xóa nợ) the outstanding principal and the interest owed through `value_date`,
    or only one of them (`part`); the loan is written off once nothing remains owed."""

    value_date = value_date(help_text="The write-off date (YYYY-MM-DD); not after today.")
    reason = serializers.CharField(max_length=500, help_text="Căn cứ xóa nợ: the decision.")
    part = serializers.ChoiceField(
        choices=services.WriteOffPart.choices,
        default=services.WriteOffPart.ALL,
        help_text="all (default): principal and interest; interest: the interest owed through "
        "value_date, the loan stays open; principal: the outstanding principal, the interest "
        "owed stays (the loan is written off when none is).",
        error_messages={"invalid_choice": _("Phần xóa nợ phải là all, interest hoặc principal.")},
    )


class FreezeSerializer(serializers.Serializer):
    """Freeze the debt (khoanh nợ) for up to 3 years: no interest accrues while frozen."""

    start = value_date(help_text="First frozen day (YYYY-MM-DD).")
    end = serializers.DateField(
        required=False, allow_null=True, help_text="Last frozen day; at most 3 years after start."
    )
    decision_ref = serializers.CharField(max_length=100, help_text="Quyết định khoanh nợ.")


class UnfreezeSerializer(serializers.Serializer):
    """End the open freeze: `on` is the last frozen day; interest accrues again from the next."""

    on = value_date(help_text="Last frozen day (YYYY-MM-DD); not after today.")


class ExtensionSerializer(serializers.Serializer):
    """Extend an instalment's due date (gia hạn nợ) from the decision date `on`."""

    due_date = serializers.DateField(help_text="Due date of the instalment extended.")
    new_due_date = serializers.DateField(help_text="Its new due date, after the old one.")
    on = serializers.DateField(validators=[business_date], help_text="Decision date.")
    reason = serializers.CharField(max_length=500)


class InstalmentInputSerializer(serializers.Serializer):
    due_date = serializers.DateField()
    principal = money(help_text="Principal of the instalment (đồng).")


@extend_schema_field(InstalmentInputSerializer(many=True))
class InstalmentRowsField(serializers.Field):
    """The new schedule's rows; a bad row is one flat message naming it (errors stay per field)."""

    def to_internal_value(self, data) -> list[dict]:
        if not isinstance(data, list) or not data or len(data) > MAX_ROWS:
            raise serializers.ValidationError(
                _("Nhập danh sách từ 1 đến %(n)d kỳ trả gốc.") % {"n": MAX_ROWS}
            )
        checked = []
        for number, row in enumerate(data, start=1):
            item = InstalmentInputSerializer(data=row)
            if not isinstance(row, dict) or not item.is_valid():
                if not isinstance(row, dict):
                    raise serializers.ValidationError(_("Kỳ %(n)d không hợp lệ.") % {"n": number})
                name, messages = next(iter(item.errors.items()))
                raise serializers.ValidationError(
                    _("Kỳ %(n)d, %(field)s: %(message)s")
                    % {"n": number, "field": name, "message": messages[0]}
                )
            checked.append(item.validated_data)
        return checked

    def to_representation(self, value):
        return value


class ScheduleAdjustmentSerializer(serializers.Serializer):
    """Adjust the schedule (điều chỉnh kỳ hạn): instalments moved within the term, same total."""

    rows = InstalmentRowsField()
    on = serializers.DateField(validators=[business_date], help_text="Decision date.")
    reason = serializers.CharField(max_length=500)


# --- outputs ---------------------------------------------------------------------------------


class FreezeResultSerializer(serializers.Serializer):
    """The freeze record and the loan's status after it."""

    freeze = serializers.SerializerMethodField()
    loan = LoanBalancesSerializer()

    def get_freeze(self, data) -> dict:
        record: LoanFreeze = data["freeze"]
        return {
            "id": record.pk,
            "start": record.start.isoformat(),
            "end": record.end.isoformat() if record.end else None,
            "decision_ref": record.decision_ref,
        }


class ScheduleResultSerializer(serializers.Serializer):
    """The new schedule version and the schedule in force today."""

    version = serializers.IntegerField(source="version.number")
    effective_from = serializers.DateField(source="version.effective_from")
    schedule = InstalmentSerializer(many=True)
    loan = LoanBalancesSerializer()


# --- the table -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    """One loan operation: its input, its service call and the response it renders."""

    name: str
    title: str
    input: type[serializers.Serializer]
    perform: Callable  # (loan, validated data, *, key, by) -> the service's result
    output: type[serializers.Serializer] = PostingResultSerializer
    error_fields: dict[str, str] = field(default_factory=dict)  # service field -> request field
    journal: bool = True  # appends journal entries (and honours an Idempotency-Key)

    def input_for(self, loan: Loan, data) -> serializers.Serializer:
        extra = {"loan": loan} if self.input is ReversalSerializer else {}
        return self.input(data=data, **extra)

    def body(self, loan: Loan, result) -> dict:
        """The response body: the entries (or record) the operation made and the loan after it."""
        loan.refresh_from_db()
        if self.output is FreezeResultSerializer:
            return dict(self.output({"freeze": result, "loan": loan}).data)
        if self.output is ScheduleResultSerializer:
            rows = schedule_in_force(loan, timezone.localdate())
            data = {"version": result, "schedule": rows, "loan": loan}
            return dict(self.output(data).data)
        entries = result if isinstance(result, list) else [result]
        return dict(self.output({"transactions": entries, "loan": loan}).data)


def _disburse(loan: Loan, data: dict, *, key, by):
    return services.disburse(
        loan,
        amount=data["amount"],
        on=data["value_date"],
        receipt_number=data["receipt_number"],
        key=key,
        by=by,
    )


def _repay(loan: Loan, data: dict, *, key, by):
    return services.record_repayment(
        loan,
        on=data["value_date"],
        principal=data.get("principal"),
        interest=data.get("interest"),
        amount=data.get("amount"),
        receipt_number=data["receipt_number"],
        key=key,
        by=by,
    )


def _reverse(loan: Loan, data: dict, *, key, by):
    return services.reverse(data["transaction"], reason=data["reason"].strip(), key=key, by=by)


def _write_off(loan: Loan, data: dict, *, key, by):
    return services.write_off(
        loan,
        on=data["value_date"],
        reason=data["reason"].strip(),
        part=data.get("part", services.WriteOffPart.ALL),
        key=key,
        by=by,
    )


def _freeze(loan: Loan, data: dict, *, key, by) -> LoanFreeze:
    return services.freeze(
        loan, start=data["start"], end=data.get("end"), decision_ref=data["decision_ref"], by=by
    )


def _unfreeze(loan: Loan, data: dict, *, key, by) -> LoanFreeze:
    return services.unfreeze(loan, on=data["on"], by=by)


def _extend(loan: Loan, data: dict, *, key, by) -> ScheduleVersion:
    return services.extend_due_date(
        loan,
        due_date=data["due_date"],
        new_due_date=data["new_due_date"],
        on=data["on"],
        reason=data["reason"],
        by=by,
    )


def _adjust(loan: Loan, data: dict, *, key, by) -> ScheduleVersion:
    rows = [(row["due_date"], row["principal"]) for row in data["rows"]]
    return services.adjust_schedule(loan, rows=rows, on=data["on"], reason=data["reason"], by=by)


_DATE = {"on": "value_date"}
OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in [
        Operation(
            "disbursements", _("Giải ngân"), DisbursementSerializer, _disburse, error_fields=_DATE
        ),
        Operation("repayments", _("Thu nợ"), RepaymentSerializer, _repay, error_fields=_DATE),
        Operation("reversals", _("Hủy bút toán"), ReversalSerializer, _reverse, error_fields=_DATE),
        Operation("write-offs", _("Xóa nợ"), WriteOffSerializer, _write_off, error_fields=_DATE),
        Operation(
            "freezes",
            _("Khoanh nợ"),
            FreezeSerializer,
            _freeze,
            output=FreezeResultSerializer,
            error_fields={"value_date": "start"},
            journal=False,
        ),
        Operation(
            "unfreezes",
            _("Kết thúc khoanh nợ"),
            UnfreezeSerializer,
            _unfreeze,
            output=FreezeResultSerializer,
            journal=False,
        ),
        Operation(
            "extensions",
            _("Gia hạn nợ"),
            ExtensionSerializer,
            _extend,
            output=ScheduleResultSerializer,
            journal=False,
        ),
        Operation(
            "schedule-adjustments",
            _("Điều chỉnh kỳ hạn"),
            ScheduleAdjustmentSerializer,
            _adjust,
            output=ScheduleResultSerializer,
            journal=False,
        ),
    ]
}
