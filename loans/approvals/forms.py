"""The admin's form to open a risk dossier: the dossier's own fields and its treatment's."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from core.forms import DateField, IntegerField
from loans.selectors import loans_for
from loans.services import WriteOffPart

from . import dossiers
from .models import RiskDossier
from .services import plain

T = RiskDossier.Treatment
# The treatment's body (the API's names) from the form's fields, and back for its errors.
BODY_FIELDS = {
    T.EXTENSION: {"due_date": "due_date", "new_due_date": "new_due_date", "on": "on"},
    T.FREEZE: {"start": "on", "end": "end", "decision_ref": "decision_ref"},
    T.WRITE_OFF: {"value_date": "on", "part": "part"},
}


class RiskDossierForm(forms.Form):
    contract_number = forms.CharField(label=_("số hợp đồng"), max_length=50)
    cause = forms.ChoiceField(label=_("nguyên nhân rủi ro"), choices=RiskDossier.Cause.choices)
    loss_percent = IntegerField(label=_("tỷ lệ thiệt hại (%)"), min_value=0, max_value=100)
    treatment = forms.ChoiceField(label=_("biện pháp xử lý"), choices=T.choices)
    decision_ref = forms.CharField(label=_("số quyết định"), max_length=100)
    on = DateField(
        label=_("ngày"),
        help_text=_("Khoanh nợ: ngày bắt đầu; xóa nợ: ngày xóa; gia hạn: ngày quyết định."),
    )
    end = DateField(label=_("khoanh nợ đến ngày (tối đa 3 năm)"), required=False)
    due_date = DateField(label=_("kỳ hạn được gia hạn"), required=False)
    new_due_date = DateField(label=_("hạn mới"), required=False)
    part = forms.ChoiceField(
        label=_("xóa nợ: phần xóa"),
        choices=WriteOffPart.choices,
        initial=WriteOffPart.ALL,
        required=False,
        help_text=_("Xóa nợ lãi, xóa nợ gốc, hoặc cả gốc và lãi."),
    )
    reason = forms.CharField(
        label=_("lý do"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.dossier: RiskDossier | None = None

    def clean_contract_number(self):
        number = self.cleaned_data["contract_number"].strip()
        loan = loans_for(self.user).filter(contract_number=number).first()
        if loan is None:
            raise forms.ValidationError(_("Không tìm thấy khoản vay."))
        return loan

    def body(self) -> dict:
        data, treatment = self.cleaned_data, self.cleaned_data["treatment"]
        body = {name: data.get(field) or None for name, field in BODY_FIELDS[treatment].items()}
        if treatment != T.FREEZE:
            body["reason"] = (data.get("reason") or "").strip() or data["decision_ref"]
        return {name: value for name, value in body.items() if value is not None}

    def submit(self, *, by) -> bool:
        """Open the dossier (its request waits for a second person); False with the errors."""
        data, treatment = self.cleaned_data, self.cleaned_data["treatment"]
        loan = data["contract_number"]
        body, errors = dossiers.treatment_body(loan, treatment, plain(self.body()))
        names = {**BODY_FIELDS[treatment], "reason": "reason"}
        for name, messages in errors.items():
            self.add_error(names.get(name), [str(m) for m in messages])
        if errors or body is None:
            return False
        fields = ["cause", "loss_percent", "treatment", "decision_ref"]
        try:
            self.dossier = dossiers.open_dossier(
                loan, **{f: data[f] for f in fields}, parameters=body, by=by
            )
        except DomainError as err:
            self.add_error(err.field if err.field in self.fields else None, err.message)
            return False
        return True
