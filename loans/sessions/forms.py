"""The admin's session forms: open a session (point and date), and a group's sheet 13/TD as
one grid of inputs submitted once to services.post_sheet."""

import calendar
from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from borrowers.selectors import transaction_points_for

from ..forms import MoneyField, date_field
from ..services import today
from . import services

LOAN_COLUMNS = ("interest", "principal", "principal_from_savings")
SAVINGS_COLUMNS = ("deposit", "withdrawal")


def last_session_day(point, on: date) -> date:
    """The point's latest session day on or before `on` (its day clamped to the month's end)."""
    day = min(point.session_day, calendar.monthrange(on.year, on.month)[1])
    if day <= on.day:
        return on.replace(day=day)
    year, month = (on.year, on.month - 1) if on.month > 1 else (on.year - 1, 12)
    return date(year, month, min(point.session_day, calendar.monthrange(year, month)[1]))


class OpenSessionForm(forms.Form):
    transaction_point = forms.ModelChoiceField(queryset=None, label=_("Điểm giao dịch"))
    session_date = date_field(
        _("ngày giao dịch"),
        required=False,
        help_text=_("Để trống: ngày giao dịch gần nhất của điểm."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["transaction_point"].queryset = transaction_points_for(user)

    def clean(self):
        data = super().clean()
        point = data.get("transaction_point")
        if point is not None and not data.get("session_date"):
            data["session_date"] = last_session_day(point, today())
        return data

    def submit(self, *, by):
        try:
            self.result = services.open_session(
                self.cleaned_data["transaction_point"], self.cleaned_data["session_date"], by=by
            )
        except services.SessionError as exc:
            self.add_error("session_date" if exc.field else None, exc.message)
            return False
        return True


class UploadForm(forms.Form):
    workbook = forms.FileField(label=_("Tệp 13/TD đã điền (.xlsx)"))


class SheetForm(forms.Form):
    """The grid: per line interest, principal, principal from savings; per member (on her
    first line) deposit and withdrawal; the cash the leader hands over."""

    cash_counted = MoneyField(label=_("Tiền mặt tổ trưởng nộp"), min_value=0)
    supplement = forms.BooleanField(label=_("Bảng kê bổ sung (tổ viên nộp muộn)"), required=False)

    def __init__(self, *args, sheet: dict, prefill: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = sheet["lines"]
        self.members: list[int] = []
        for index, line in enumerate(self.lines):
            for column in LOAN_COLUMNS:
                self.fields[f"l{index}-{column}"] = self._amount()
            if prefill:  # what is owed; the officer corrects what the member did not pay
                self.initial.setdefault(f"l{index}-interest", line["interest_due"] or None)
                self.initial.setdefault(f"l{index}-principal", line["principal_due"] or None)
            if line["borrower"] not in self.members:
                line["member_index"] = len(self.members)
                self.members.append(line["borrower"])
                for column in SAVINGS_COLUMNS:
                    self.fields[f"s{line['member_index']}-{column}"] = self._amount()
            line["member"] = self.members.index(line["borrower"])

    @staticmethod
    def _amount():
        return MoneyField(
            min_value=0,
            required=False,
            widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 10}),
        )

    def rows(self):
        """The lines with their bound inputs, for the template."""
        for index, line in enumerate(self.lines):
            inputs = [self[f"l{index}-{c}"] for c in LOAN_COLUMNS]
            member = line.get("member_index")
            savings = (
                [self[f"s{member}-{c}"] for c in SAVINGS_COLUMNS] if member is not None else []
            )
            yield line, inputs, savings

    def payload(self, group) -> dict:
        data = self.cleaned_data
        return {
            "savings_group": group,
            "cash_counted": data["cash_counted"],
            "supplement": data["supplement"],
            "lines": [
                {"loan": line["loan"], **{c: data[f"l{i}-{c}"] or 0 for c in LOAN_COLUMNS}}
                for i, line in enumerate(self.lines)
            ],
            "savings": [
                {"borrower": b, **{c: data[f"s{j}-{c}"] or 0 for c in SAVINGS_COLUMNS}}
                for j, b in enumerate(self.members)
            ],
        }

    def submit(self, session, group, *, by) -> bool:
        try:
            self.result = services.post_sheet(session, self.payload(group), by=by)
        except services.SheetRejected as exc:
            for key, messages in exc.errors.items():
                self._row_error(key, messages)
            return False
        except services.SessionError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)
            return False
        return True

    def _row_error(self, key: str, messages: list[str]) -> None:
        """`lines[3].interest` -> the input l3-interest; `savings[1].deposit` -> s1-deposit."""
        head, _dot, column = key.partition(".")
        kind, _bracket, index = head.rstrip("]").partition("[")
        name = f"{'l' if kind == 'lines' else 's'}{index}-{column}"
        for message in messages:
            if name in self.fields:
                self.add_error(name, message)
            else:
                self.add_error(None, _("Dòng %(n)s: %(m)s") % {"n": int(index) + 1, "m": message})
