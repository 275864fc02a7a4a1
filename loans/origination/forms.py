"""The officers' forms for an application: the application 01/TD and each step, every one
submitted through one service (a broken rule lands on its field and nothing is saved); and the
choice of a printed form (03/TD, 04/TD). Households and groups are picked by code, village and
point."""

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from borrowers.labels import picker_label
from borrowers.models import SavingsGroup
from borrowers.selectors import borrowers_for, savings_groups_for, transaction_points_for
from core.errors import DomainError
from core.forms import IntegerField, MoneyField
from loans.forms import date_field
from loans.models import Loan
from programmes.models import LoanPurpose, Programme

from . import services
from .models import ApplicationStatus, LoanApplication


def _label(name: str) -> str:
    return capfirst(LoanApplication._meta.get_field(name).verbose_name)


class PickerField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return picker_label(obj)


class LabelledAutocomplete(AutocompleteSelect):
    """The admin's search-as-you-type picker, answered by the applications' own view so that
    each choice shows its code, village and point (`LoanApplicationAdmin.picker_view`)."""

    def get_url(self) -> str:
        return reverse(f"{self.admin_site.name}:origination_loanapplication_picker")


def use_picker(field: forms.ModelChoiceField, name: str, admin_site) -> None:
    """Search the field's choices instead of listing them (~90,000 households a branch)."""
    field.widget = LabelledAutocomplete(LoanApplication._meta.get_field(name), admin_site)
    field.widget.choices = field.choices
    field.widget.is_required = field.required


class StepForm(forms.Form):
    """A form whose `submit` calls one service; on a DomainError the form shows it."""

    step = ""
    title = ""
    submit_label = _("Ghi")

    def __init__(self, *args, application: LoanApplication | None = None, **kwargs):
        kwargs.setdefault("prefix", self.step or None)
        super().__init__(*args, **kwargs)
        self.application = application

    def submit(self, *, by) -> bool:
        try:
            self.result = self.post(by=by)
        except DomainError as err:
            self.add_error(err.field if err.field in self.fields else None, err.message)
            return False
        return True

    def post(self, *, by):
        raise NotImplementedError

    def success_message(self) -> str:
        return _("Đã ghi: %(title)s.") % {"title": self.title}


class ApplicationForm(StepForm):
    """Giấy đề nghị vay vốn (01/TD), received through `services.submit_application`."""

    title = _("Nhận đề nghị vay vốn (01/TD)")
    submit_label = _("Nhận đề nghị")
    borrower = PickerField(queryset=None, label=_label("borrower"))
    programme = forms.ModelChoiceField(
        queryset=Programme.objects.filter(is_active=True), label=_label("programme")
    )
    loan_line = forms.ModelChoiceField(
        queryset=LoanPurpose.objects.select_related("programme"),
        required=False,
        label=_label("loan_line"),
    )
    amount = MoneyField(label=_label("amount"))
    term_months = IntegerField(label=_label("term_months"), min_value=1, max_value=600)
    grace_months = IntegerField(
        label=_label("grace_months"),
        min_value=0,
        required=False,
        help_text=_("Để trống = ân hạn mặc định của chương trình."),
    )
    principal_frequency_months = forms.TypedChoiceField(
        label=_label("principal_frequency_months"),
        choices=Loan.FREQUENCY_CHOICES,
        coerce=int,
        initial=6,
    )
    due_day = IntegerField(
        label=_label("due_day"),
        min_value=1,
        max_value=31,
        required=False,
        help_text=_("Để trống = ngày giao dịch của điểm giao dịch xã."),
    )
    approved_list_ref = forms.CharField(
        label=_label("approved_list_ref"), max_length=100, required=False
    )
    approved_list_date = date_field(_label("approved_list_date"), required=False)
    purpose = forms.CharField(
        label=_label("purpose"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    applied_on = date_field(_label("applied_on"), initial=timezone.localdate)

    def __init__(self, *args, user, admin_site=None, **kwargs):
        super().__init__(*args, **kwargs)
        borrower = self.fields["borrower"]
        borrower.queryset = borrowers_for(user).select_related("transaction_point")
        if admin_site is not None:
            use_picker(borrower, "borrower", admin_site)

    def post(self, *, by) -> LoanApplication:
        return services.submit_application(by=by, **self.cleaned_data)

    def success_message(self) -> str:
        return _("Đã nhận đề nghị vay vốn của hộ %(household)s.") % {
            "household": self.result.borrower.full_name
        }


class VoteForm(StepForm):
    step = "vote"
    title = _("Biên bản họp tổ bình xét (10/TD)")
    meeting_date = date_field(_label("meeting_date"), initial=timezone.localdate)
    members_present = IntegerField(label=_label("members_present"), min_value=1)
    votes_for = IntegerField(label=_label("votes_for"), min_value=0)

    def post(self, *, by):
        return services.record_vote(self.application, by=by, **self.cleaned_data)


class CertifyForm(StepForm):
    step = "certify"
    title = _("Xác nhận của UBND xã (danh sách 03/TD)")
    certified_on = date_field(_label("certified_on"), initial=timezone.localdate)
    reference = forms.CharField(label=_label("certification_ref"), max_length=100)

    def post(self, *, by):
        return services.certify(self.application, by=by, **self.cleaned_data)


class DecisionForm(StepForm):
    step = "decide"
    title = _("Quyết định của giám đốc phòng giao dịch (04/TD)")
    submit_label = _("Quyết định")
    decision = forms.ChoiceField(
        label=_("Quyết định"),
        choices=[("approve", _("Phê duyệt cho vay")), ("reject", _("Không phê duyệt"))],
        widget=forms.RadioSelect,
    )
    decided_on = date_field(_label("decided_on"), initial=timezone.localdate)
    reason = forms.CharField(
        label=_label("decision_reason"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def post(self, *, by):
        data = self.cleaned_data
        if data["decision"] == "approve":
            return services.approve_application(
                self.application, by=by, decided_on=data["decided_on"]
            )
        return services.reject_application(
            self.application, reason=data["reason"], by=by, decided_on=data["decided_on"]
        )

    def success_message(self) -> str:
        if self.result.status == ApplicationStatus.APPROVED:
            return _("Đã phê duyệt: khoản vay %(loan)s.") % {"loan": self.result.loan}
        return _("Đã ghi quyết định không phê duyệt.")


class WithdrawForm(StepForm):
    step = "withdraw"
    title = _("Rút đề nghị vay vốn")
    submit_label = _("Rút đề nghị")
    reason = forms.CharField(
        label=_label("withdrawal_reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def post(self, *, by):
        return services.withdraw_application(self.application, by=by, **self.cleaned_data)


class CertifyListForm(StepForm):
    """The commune's certification of a group's whole list 03/TD (one meeting) at once."""

    step = "certify_list"
    title = _("Ghi xác nhận của UBND xã cho cả danh sách")
    certified_on = date_field(_label("certified_on"), initial=timezone.localdate)
    reference = forms.CharField(label=_label("certification_ref"), max_length=100)

    def __init__(self, *args, group: SavingsGroup, meeting_date, **kwargs):
        super().__init__(*args, **kwargs)
        self.group, self.meeting_date = group, meeting_date

    def post(self, *, by):
        return services.certify_group_list(
            self.group, meeting_date=self.meeting_date, by=by, **self.cleaned_data
        )

    def success_message(self) -> str:
        return _("Đã ghi xác nhận của UBND xã cho %(n)s đề nghị.") % {"n": len(self.result)}


STEP_FORMS: dict[str, type[StepForm]] = {
    form.step: form for form in (VoteForm, CertifyForm, DecisionForm, WithdrawForm)
}


# --- the printed forms -----------------------------------------------------------------------


class GroupListForm(forms.Form):
    """Which list 03/TD: a group and the day of its meeting."""

    savings_group = PickerField(queryset=None, label=_label("savings_group"))
    meeting_date = date_field(_label("meeting_date"))

    def __init__(self, *args, user, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        group = self.fields["savings_group"]
        group.queryset = savings_groups_for(user).select_related("transaction_point")
        use_picker(group, "savings_group", admin_site)


class NoticeForm(forms.Form):
    """Which notice 04/TD: a commune transaction point and the day of the decision."""

    transaction_point = PickerField(queryset=None, label=_label("transaction_point"))
    decided_on = date_field(_label("decided_on"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        points = transaction_points_for(user).order_by("code")
        self.fields["transaction_point"].queryset = points
