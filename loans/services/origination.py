"""Approving a loan (thông báo 04/TD) after the programme's eligibility rules (DOMAIN.md §2)."""

from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from borrowers.models import Borrower
from core.money import group_digits
from programmes.models import LoanPurpose, Programme

from ..models import Loan, LoanStatus
from .checks import positive, today
from .errors import LoanError


@transaction.atomic
def create_loan(
    *,
    borrower: Borrower,
    programme: Programme,
    amount: int,
    term_months: int,
    approved_on: date,
    by: User,
    grace_months: int | None = None,
    principal_frequency_months: int = 6,
    due_day: int | None = None,
    purpose: LoanPurpose | None = None,
    approved_list_ref: str = "",
    approved_list_date: date | None = None,
    contract_number: str | None = None,
) -> Loan:
    """Approve a loan (thông báo 04/TD) after the programme's eligibility rules (DOMAIN.md §2)."""
    Borrower.objects.select_for_update().get(pk=borrower.pk)  # serialise a household's approvals
    loan = _draft(
        borrower=borrower,
        programme=programme,
        amount=amount,
        term_months=term_months,
        grace_months=grace_months,
        principal_frequency_months=principal_frequency_months,
        due_day=due_day,
        purpose=purpose,
        approved_list_ref=approved_list_ref,
        approved_list_date=approved_list_date,
    )
    loan.contract_number = contract_number or _next_contract_number(borrower)
    loan.approved_on = approved_on
    loan.created_by = by
    _check_eligibility(loan)
    loan.due_day = due_day or loan.transaction_point.session_day
    loan.save(force_insert=True)
    return loan


def check_eligibility(
    *,
    borrower: Borrower,
    programme: Programme,
    amount: int,
    term_months: int,
    grace_months: int | None = None,
    principal_frequency_months: int = 6,
    due_day: int | None = None,
    purpose: LoanPurpose | None = None,
    approved_list_ref: str = "",
    approved_list_date: date | None = None,
) -> None:
    """Whether the household may be lent this now (DOMAIN.md §2): the programme open and for its
    category, terms, channel, the Decree 28 list, caps per household, one exclusive line.

    Raises LoanError for the first rule broken. The same rules `create_loan` applies at approval;
    an application (01/TD) is checked with them when it is submitted."""
    _check_eligibility(
        _draft(
            borrower=borrower,
            programme=programme,
            amount=amount,
            term_months=term_months,
            grace_months=grace_months,
            principal_frequency_months=principal_frequency_months,
            due_day=due_day,
            purpose=purpose,
            approved_list_ref=approved_list_ref,
            approved_list_date=approved_list_date,
        )
    )


def _draft(
    *, borrower: Borrower, programme: Programme, amount: int, grace_months: int | None, **terms: Any
) -> Loan:
    """The loan the terms describe, unsaved, held where its household is."""
    return Loan(
        borrower=borrower,
        programme=programme,
        **_placement(borrower),
        approved_amount=positive(amount, "amount"),
        grace_months=programme.grace_months if grace_months is None else grace_months,
        **terms,
    )


def _placement(borrower: Borrower) -> dict:
    """A loan is held at its household's group, transaction point and office."""
    return {
        "savings_group": borrower.savings_group,
        "transaction_point": borrower.transaction_point,
        "office_id": borrower.office_id,
    }


def _check_eligibility(loan: Loan) -> None:
    """Every rule, in this order, so the first broken one is the one reported."""
    _check_programme(loan)
    _check_terms(loan)
    _check_channel(loan)
    _check_caps(loan)
    _check_exclusive_group(loan)
    if loan.due_day is not None and not 1 <= loan.due_day <= 31:
        raise LoanError(_("Ngày trả nợ phải từ 1 đến 31."), field="due_day")


def _next_contract_number(borrower: Borrower) -> str:
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    return f"{borrower.office.code}-{borrower.pk}-{stamp}"


def _check_programme(loan: Loan) -> None:
    """The programme is open, the loan line is its own, and it serves the household's category."""
    programme, purpose, borrower = loan.programme, loan.purpose, loan.borrower
    if not programme.is_active:
        raise LoanError(_("Chương trình này không còn áp dụng."), field="programme")
    if purpose is not None and purpose.programme_id != programme.pk:
        raise LoanError(_("Dòng vay không thuộc chương trình đã chọn."), field="purpose")
    if loan.approved_on is not None and loan.approved_on > today():
        raise LoanError(_("Ngày phê duyệt không được sau ngày hôm nay."), field="approved_on")
    categories = programme.borrower_categories or []
    if categories and borrower.household_category not in categories:
        raise LoanError(
            _("Hộ thuộc loại “%(cat)s” không thuộc đối tượng của chương trình %(code)s.")
            % {"cat": borrower.get_household_category_display(), "code": programme.code},
            field="borrower",
        )


def _check_channel(loan: Loan) -> None:
    """An entrusted programme lends to group members only; Decree 28/2022 lines need the
    decision approving the list of households."""
    programme = loan.programme
    if programme.channel == "entrusted" and loan.borrower.savings_group_id is None:
        raise LoanError(
            _("Chương trình cho vay ủy thác: hộ vay phải là thành viên một tổ TK&VV."),
            field="borrower",
        )
    if programme.requires_approved_list and not loan.approved_list_ref.strip():
        raise LoanError(
            _("Phải ghi số quyết định phê duyệt danh sách hộ được vay (Nghị định 28/2022)."),
            field="approved_list_ref",
        )


def _check_terms(loan: Loan) -> None:
    """Term and grace within the programme's limits, principal every 1, 3, 6 or 12 months."""
    programme, term_months, grace_months = loan.programme, loan.term_months, loan.grace_months
    if not 1 <= term_months <= programme.max_term_months:
        raise LoanError(
            _("Thời hạn vay tối đa của chương trình là %(n)s tháng.")
            % {"n": programme.max_term_months},
            field="term_months",
        )
    if grace_months > programme.max_grace_months or grace_months >= term_months:
        raise LoanError(
            _("Thời gian ân hạn tối đa là %(n)s tháng và phải ngắn hơn thời hạn vay.")
            % {"n": programme.max_grace_months},
            field="grace_months",
        )
    if loan.principal_frequency_months not in (1, 3, 6, 12):
        raise LoanError(
            _("Kỳ hạn trả gốc phải là 1, 3, 6 hoặc 12 tháng."), field="principal_frequency_months"
        )


def _check_caps(loan: Loan) -> None:
    """The programme's and the loan line's cap, per household (DOMAIN.md §2)."""
    programme, purpose, amount = loan.programme, loan.purpose, loan.approved_amount
    caps = [c for c in (programme.max_amount, purpose.max_amount if purpose else None) if c]
    if not caps:
        return
    cap = min(caps)
    if amount > cap:
        raise LoanError(
            _("Số tiền vượt mức cho vay tối đa %(cap)s đồng của chương trình.")
            % {"cap": group_digits(cap)},
            field="amount",
        )
    # The cap is per household: the approved amounts of its open loans in the programme count.
    open_loans = Loan.objects.filter(borrower=loan.borrower, programme=programme).exclude(
        status__in=[LoanStatus.CLOSED, LoanStatus.WRITTEN_OFF]
    )
    held = sum(open_loans.values_list("approved_amount", flat=True))
    if held + amount > cap:
        raise LoanError(
            _(
                "Tổng mức vay của hộ trong chương trình (%(held)s đồng đang vay) vượt mức tối đa "
                "%(cap)s đồng."
            )
            % {"held": group_digits(held), "cap": group_digits(cap)},
            field="amount",
        )


def _check_exclusive_group(loan: Loan) -> None:
    """Decree 28/2022: a household takes only one of production land or job change."""
    programme = loan.programme
    if not programme.exclusive_group:
        return
    taken = Loan.objects.filter(
        borrower=loan.borrower, programme__exclusive_group=programme.exclusive_group
    ).exists()
    if taken:
        raise LoanError(
            _(
                "Hộ đã vay một dòng vay của nhóm %(group)s; mỗi hộ chỉ được vay một trong "
                "đất sản xuất hoặc chuyển đổi nghề (Nghị định 28/2022)."
            )
            % {"group": programme.exclusive_group},
            field="programme",
        )
