"""The officers' forms for a loan's life: approval and postings, each submitted through one
service; a broken rule (`LoanError`) lands on the form's field and nothing is saved."""

import uuid
from datetime import date

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect
from django.db.models import Model
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from borrowers.selectors import borrowers_for
from core.forms import DATE_INPUT_FORMATS, DateInput, IntegerField, MoneyField
from core.money import format_dong
from programmes.models import LoanPurpose, Programme

from . import services
from .models import Loan, LoanStatus, LoanTransaction


def _label(model: type[Model], field: str) -> str:
    return capfirst(model._meta.get_field(field).verbose_name)


def date_field(label, *, required: bool = True, **kwargs) -> forms.DateField:
    """A date entered and shown as dd/mm/yyyy (ISO accepted too)."""
    return forms.DateField(
        label=capfirst(label),
        required=required,
        input_formats=DATE_INPUT_FORMATS,
        widget=DateInput(),
        **kwargs,
    )


def add_loan_error(form: forms.Form, err: services.LoanError, aliases: dict[str, str]) -> None:
    """Put a service's error on the form field it names (or on the form as a whole)."""
    field = aliases.get(err.field or "", err.field)
    if field not in form.fields or field == "key":
        field = None
    form.add_error(field, err.message)


class ServiceForm(forms.Form):
    """A form whose `submit` calls one service; on a LoanError the form shows it, nothing saved."""

    error_fields: dict[str, str] = {}  # the service's field name -> this form's field name

    def submit(self, *, by) -> bool:
        try:
            self.result = self.post(by=by)
        except services.LoanError as err:
            add_loan_error(self, err, self.error_fields)
            return False
        return True

    def post(self, *, by):
        raise NotImplementedError


class LoanApprovalForm(ServiceForm):
    """Approve a loan (thông báo 04/TD) through `services.create_loan`."""

    borrower = forms.ModelChoiceField(queryset=None, label=_label(Loan, "borrower"))
    programme = forms.ModelChoiceField(
        queryset=Programme.objects.filter(is_active=True), label=_label(Loan, "programme")
    )
    purpose = forms.ModelChoiceField(
        queryset=LoanPurpose.objects.select_related("programme"),
        required=False,
        label=_label(Loan, "purpose"),
    )
    amount = MoneyField(label=_label(Loan, "approved_amount"))
    term_months = IntegerField(label=_label(Loan, "term_months"), min_value=1)
    grace_months = IntegerField(
        label=_label(Loan, "grace_months"),
        min_value=0,
        required=False,
        help_text=_("Để trống = ân hạn mặc định của chương trình."),
    )
    principal_frequency_months = forms.TypedChoiceField(
        label=_label(Loan, "principal_frequency_months"),
        choices=Loan.FREQUENCY_CHOICES,
        coerce=int,
        initial=6,
    )
    due_day = IntegerField(
        label=_label(Loan, "due_day"),
        min_value=1,
        max_value=31,
        required=False,
        help_text=_("Để trống = ngày giao dịch của điểm giao dịch xã."),
    )
    approved_on = date_field(_label(Loan, "approved_on"), initial=timezone.localdate)
    approved_list_ref = forms.CharField(
        label=_label(Loan, "approved_list_ref"), max_length=100, required=False
    )
    approved_list_date = date_field(_label(Loan, "approved_list_date"), required=False)
    contract_number = forms.CharField(
        label=_label(Loan, "contract_number"),
        max_length=30,
        required=False,
        help_text=_("Để trống để hệ thống tự cấp số."),
    )
    error_fields = {"frequency": "principal_frequency_months"}

    def __init__(self, *args, user, admin_site=None, **kwargs):
        super().__init__(*args, **kwargs)
        borrower = self.fields["borrower"]
        borrower.queryset = borrowers_for(user)
        if admin_site is not None:
            # A branch has ~90,000 households: search them instead of one huge dropdown.
            borrower.widget = AutocompleteSelect(Loan._meta.get_field("borrower"), admin_site)
            borrower.widget.choices = borrower.choices
            borrower.widget.is_required = borrower.required

    def clean_contract_number(self) -> str:
        number = self.cleaned_data["contract_number"].strip()
        # Contract numbers are unique across the branch, so this one check is not scoped.
        if number and Loan.objects.filter(contract_number=number).exists():
            raise forms.ValidationError(_("Số khế ước này đã được dùng."))
        return number

    def post(self, *, by) -> Loan:
        data = dict(self.cleaned_data)
        return services.create_loan(
            borrower=data.pop("borrower"),
            programme=data.pop("programme"),
            amount=data.pop("amount"),
            term_months=data.pop("term_months"),
            approved_on=data.pop("approved_on"),
            contract_number=data.pop("contract_number") or None,
            by=by,
            **data,
        )


class PostingForm(ServiceForm):
    """A posting on one loan; a hidden key makes a double submit post once (replayed)."""

    title = ""
    offered_in: tuple[str, ...] = (LoanStatus.ACTIVE,)  # the statuses the loan page offers it in
    key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, loan: Loan, **kwargs):
        super().__init__(*args, **kwargs)
        self.loan = loan
        self.fields["key"].initial = f"admin-{uuid.uuid4().hex}"

    @property
    def idempotency_key(self) -> str | None:
        return self.cleaned_data.get("key") or None

    def success_message(self) -> str:
        return _("Đã ghi: %(title)s.") % {"title": self.title}


class DisbursementForm(PostingForm):
    title = _("Giải ngân")
    offered_in = (LoanStatus.APPROVED, LoanStatus.ACTIVE)
    amount = MoneyField(label=_("Số tiền giải ngân (đồng)"))
    value_date = date_field(_label(LoanTransaction, "value_date"), initial=timezone.localdate)
    receipt_number = forms.CharField(
        label=_label(LoanTransaction, "receipt_number"), max_length=50, required=False
    )

    def __init__(self, *args, loan: Loan, **kwargs):
        super().__init__(*args, loan=loan, **kwargs)
        self.fields["amount"].initial = loan.approved_amount - loan.disbursed_total

    def post(self, *, by):
        data = self.cleaned_data
        return services.disburse(
            self.loan,
            amount=data["amount"],
            on=data["value_date"],
            by=by,
            receipt_number=data["receipt_number"],
            key=self.idempotency_key,
        )

    def success_message(self) -> str:
        return _("Đã giải ngân %(amount)s ngày %(on)s.") % {
            "amount": format_dong(self.cleaned_data["amount"]),
            "on": f"{self.cleaned_data['value_date']:%d/%m/%Y}",
        }


class RepaymentForm(PostingForm):
    title = _("Thu nợ")
    value_date = date_field(_label(LoanTransaction, "value_date"), initial=timezone.localdate)
    principal = MoneyField(label=_("Số gốc thu (đồng)"), required=False, min_value=0)
    interest = MoneyField(label=_("Số lãi thu (đồng)"), required=False, min_value=0)
    amount = MoneyField(
        label=_("Hoặc tổng số tiền thu (đồng)"),
        required=False,
        help_text=_("Chỉ nhập tổng khi biên lai không tách gốc, lãi: trả lãi trước, rồi gốc."),
    )
    receipt_number = forms.CharField(
        label=_label(LoanTransaction, "receipt_number"), max_length=50, required=False
    )

    def clean(self):
        # "A total or the parts, not both" is the service's rule: its error lands on `amount`.
        data = super().clean()
        split = data.get("principal") is not None or data.get("interest") is not None
        if data.get("amount") is None and not split and not self.errors:
            raise forms.ValidationError(_("Nhập số gốc và/hoặc số lãi thu, hoặc tổng số tiền."))
        return data

    def post(self, *, by):
        data = self.cleaned_data
        return services.record_repayment(
            self.loan,
            on=data["value_date"],
            by=by,
            principal=data["principal"],
            interest=data["interest"],
            amount=data["amount"],
            receipt_number=data["receipt_number"],
            key=self.idempotency_key,
        )

    def success_message(self) -> str:
        entries = self.result if isinstance(self.result, list) else [self.result]
        parts = [f"{e.get_kind_display().lower()} {format_dong(e.amount)}" for e in entries]
        return _("Đã thu nợ: %(parts)s.") % {"parts": ", ".join(parts)}


class EntryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: LoanTransaction) -> str:
        receipt = f" – {obj.receipt_number}" if obj.receipt_number else ""
        return (
            f"#{obj.pk} {obj.get_kind_display()} {format_dong(obj.amount)} "
            f"ngày {obj.value_date:%d/%m/%Y}{receipt}"
        )


class ReversalForm(PostingForm):
    title = _("Hủy bút toán")
    offered_in = (LoanStatus.ACTIVE, LoanStatus.FROZEN, LoanStatus.CLOSED, LoanStatus.WRITTEN_OFF)
    transaction = EntryChoiceField(queryset=None, label=_("Bút toán cần hủy"))
    reason = forms.CharField(label=_("Lý do hủy"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, loan: Loan, **kwargs):
        super().__init__(*args, loan=loan, **kwargs)
        self.fields["transaction"].queryset = loan.transactions.filter(
            kind__in=[str(kind) for kind in services.REVERSIBLE], reversed_by__isnull=True
        ).order_by("-value_date", "-id")

    def post(self, *, by):
        data = self.cleaned_data
        return services.reverse(
            data["transaction"], reason=data["reason"], by=by, key=self.idempotency_key
        )

    def success_message(self) -> str:
        return _("Đã hủy bút toán #%(id)s.") % {"id": self.cleaned_data["transaction"].pk}


class ExtensionForm(PostingForm):
    title = _("Gia hạn nợ")
    due_date = forms.TypedChoiceField(
        label=_("Kỳ trả gốc gia hạn"), coerce=date.fromisoformat, choices=[]
    )
    new_due_date = date_field(_("Ngày đến hạn mới"))
    on = date_field(_("Ngày quyết định gia hạn"), initial=timezone.localdate)
    reason = forms.CharField(label=_("Lý do gia hạn"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, loan: Loan, **kwargs):
        super().__init__(*args, loan=loan, **kwargs)
        latest = loan.schedule_versions.order_by("-number").first()
        rows = latest.instalments.order_by("seq") if latest else []
        self.fields["due_date"].choices = [
            (
                row.due_date.isoformat(),
                f"Kỳ {row.seq}: {row.due_date:%d/%m/%Y} – {format_dong(row.principal)}",
            )
            for row in rows
        ]

    def post(self, *, by):
        data = self.cleaned_data
        return services.extend_due_date(
            self.loan,
            due_date=data["due_date"],
            new_due_date=data["new_due_date"],
            on=data["on"],
            by=by,
            reason=data["reason"],
        )


class FreezeForm(PostingForm):
    title = _("Khoanh nợ")
    start = date_field(_("Khoanh nợ từ ngày"), initial=timezone.localdate)
    end = date_field(_("Đến ngày"), required=False, help_text=_("Tối đa 3 năm."))
    decision_ref = forms.CharField(label=_("Quyết định khoanh nợ"), max_length=100)
    error_fields = {"value_date": "start"}

    def post(self, *, by):
        data = self.cleaned_data
        return services.freeze(
            self.loan,
            start=data["start"],
            end=data["end"],
            decision_ref=data["decision_ref"],
            by=by,
        )


class UnfreezeForm(PostingForm):
    title = _("Kết thúc khoanh nợ")
    offered_in = (LoanStatus.FROZEN,)
    on = date_field(_("Ngày cuối cùng khoanh nợ"), initial=timezone.localdate)

    def post(self, *, by):
        return services.unfreeze(self.loan, on=self.cleaned_data["on"], by=by)


class WriteOffForm(PostingForm):
    title = _("Xóa nợ")
    offered_in = (LoanStatus.ACTIVE, LoanStatus.FROZEN)
    value_date = date_field(_("Ngày xóa nợ"), initial=timezone.localdate)
    reason = forms.CharField(label=_("Căn cứ xóa nợ"), widget=forms.Textarea(attrs={"rows": 3}))
    part = forms.ChoiceField(
        label=_("Phần xóa nợ"),
        choices=services.WriteOffPart.choices,
        initial=services.WriteOffPart.ALL,
        required=False,
        help_text=_("Chỉ lãi: khoản vay vẫn tiếp tục; chỉ gốc: lãi còn nợ vẫn phải thu."),
        error_messages={"invalid_choice": _("Chọn phần xóa nợ: gốc và lãi, chỉ lãi hoặc chỉ gốc.")},
    )

    def clean_part(self):
        return self.cleaned_data.get("part") or services.WriteOffPart.ALL

    def post(self, *, by):
        data = self.cleaned_data
        return services.write_off(
            self.loan,
            on=data["value_date"],
            by=by,
            reason=data["reason"],
            part=data["part"],
            key=self.idempotency_key,
        )


# The loan page's posting views, by the last part of their URL.
POSTING_FORMS: dict[str, type[PostingForm]] = {
    "disburse": DisbursementForm,
    "repay": RepaymentForm,
    "reverse": ReversalForm,
    "extend": ExtensionForm,
    "freeze": FreezeForm,
    "unfreeze": UnfreezeForm,
    "write_off": WriteOffForm,
}


class PositionAsOfForm(forms.Form):
    as_of = date_field(_("Dư nợ đến hết ngày"), required=False)
