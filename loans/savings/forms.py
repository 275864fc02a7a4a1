"""The admin's savings forms: a deposit or withdrawal for one household, the reversal of an
entry, and the rate."""

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loans.forms import MoneyField, date_field
from programmes.models import SavingsRate

from . import reversals, selectors, services
from .errors import SavingsError
from .models import SavingsKind


class SavingsPostingForm(forms.Form):
    """A deposit (at least 5,000 đồng) or a withdrawal (never below 0) for one household,
    through the services; a broken rule comes back on its field and nothing is posted."""

    kind = forms.ChoiceField(
        label=_("Loại"),
        choices=[
            (SavingsKind.DEPOSIT, SavingsKind.DEPOSIT.label),
            (SavingsKind.WITHDRAWAL, SavingsKind.WITHDRAWAL.label),
        ],
    )
    amount = MoneyField(label=_("Số tiền (đồng)"))
    value_date = date_field(_("ngày giá trị"), initial=timezone.localdate)
    receipt_number = forms.CharField(
        label=_("Số biên lai / chứng từ"), max_length=50, required=False
    )
    note = forms.CharField(label=_("Ghi chú"), required=False, widget=forms.Textarea({"rows": 2}))
    key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, borrower, **kwargs):
        super().__init__(*args, **kwargs)
        self.borrower = borrower
        self.fields["key"].initial = f"admin-{uuid.uuid4().hex}"

    def submit(self, *, by) -> bool:
        data = self.cleaned_data
        post = services.deposit if data["kind"] == SavingsKind.DEPOSIT else services.withdraw
        try:
            self.result = post(
                self.borrower,
                data["amount"],
                data["value_date"],
                by,
                idempotency_key=data.get("key") or None,
                receipt_number=data["receipt_number"],
                note=data["note"],
            )
        except SavingsError as err:
            field = err.field if err.field in self.fields and err.field != "key" else None
            self.add_error(field, err.message)
            return False
        return True


class SavingsReversalForm(forms.Form):
    """The reversal of one savings entry, dated on or after it, with the reason, through the
    services (services.reverse_savings); a broken rule comes back on its field. A user who may
    not reverse alone stores a request for a second person instead (`held`: its id)."""

    value_date = date_field(_("ngày hủy"), initial=timezone.localdate)
    reason = forms.CharField(label=_("Lý do hủy"), widget=forms.Textarea({"rows": 2}))

    def __init__(self, *args, entry, **kwargs):
        super().__init__(*args, **kwargs)
        self.entry = entry

    def submit(self, *, by) -> bool:
        data = self.cleaned_data
        try:
            self.result, self.held = reversals.reverse_or_hold(
                self.entry, value_date=data["value_date"], reason=data["reason"], by=by
            )
        except SavingsError as err:
            self.add_error(err.field if err.field in self.fields else None, err.message)
            return False
        return True


class SavingsRateForm(forms.ModelForm):
    """A rate takes effect after the last credited half-year (its interest is settled)."""

    class Meta:
        model = SavingsRate
        fields = ["rate", "effective_from", "note"]

    def clean_effective_from(self):
        value = self.cleaned_data["effective_from"]
        settled = selectors.last_credited_period_end()
        changed = self.instance.pk and self.instance.effective_from <= (settled or value)
        if settled is not None and (value <= settled or changed):
            raise forms.ValidationError(
                _("Lãi đã được nhập đến %(d)s: lãi suất phải có hiệu lực sau ngày đó.")
                % {"d": f"{settled:%d/%m/%Y}"}
            )
        return value
