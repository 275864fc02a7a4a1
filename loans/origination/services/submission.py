"""The application 01/TD (giấy đề nghị vay vốn kiêm phương án sử dụng vốn vay)."""

from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from borrowers.models import Borrower
from loans import services as loan_services
from programmes.models import LoanPurpose, Programme

from ..models import LoanApplication
from .common import ApplicationError, check_dated, check_household, given, loan_terms, save

# loans.services calls the loan line `purpose`; an application's `purpose` is what the money is
# for (01/TD), so the line's errors are reported on `loan_line`.
ELIGIBILITY_FIELDS = {"purpose": "loan_line"}


@transaction.atomic
def submit_application(
    *,
    borrower: Borrower,
    programme: Programme,
    amount: int,
    term_months: int,
    purpose: str,
    applied_on: date,
    by: AbstractBaseUser,
    loan_line: LoanPurpose | None = None,
    grace_months: int | None = None,
    principal_frequency_months: int = 6,
    due_day: int | None = None,
    approved_list_ref: str = "",
    approved_list_date: date | None = None,
) -> LoanApplication:
    """Receive a household's application (giấy đề nghị vay vốn 01/TD). The household is active
    (for an entrusted programme: in an active group), has no other open application in the
    programme, and the programme's caps, eligibility and Decree 28 list hold now, not only at
    approval (`loans.services.check_eligibility`)."""
    borrower = Borrower.objects.select_for_update().get(pk=borrower.pk)  # one at a time
    application = LoanApplication(
        borrower=borrower,
        programme=programme,
        loan_line=loan_line,
        **_placement(borrower),
        amount=amount,
        term_months=term_months,
        principal_frequency_months=principal_frequency_months,
        due_day=due_day,
        approved_list_date=approved_list_date,
        applied_on=applied_on,
        **_stated(programme, grace_months, approved_list_ref, purpose),
        submitted_by=by,
    )
    _check_submission(application)
    save(application, by=by)
    return application


def _stated(
    programme: Programme, grace_months: int | None, approved_list_ref: str, purpose: str
) -> dict[str, Any]:
    """The terms the household stated, tidied: the programme's grace if none, the purpose
    required."""
    return {
        "grace_months": programme.grace_months if grace_months is None else grace_months,
        "approved_list_ref": (approved_list_ref or "").strip(),
        "purpose": given(purpose, field="purpose", message=_("Phải ghi mục đích sử dụng vốn vay.")),
    }


def _check_submission(application: LoanApplication) -> None:
    """The rules in this order, so the first broken one is the one reported."""
    check_dated(application.applied_on, field="applied_on")
    check_household(application, code="invalid")
    _check_eligible(application)
    _check_no_open_application(application)


def _placement(borrower: Borrower) -> dict:
    """Where the household is when it applies: the group that votes, its point and office."""
    return {
        "savings_group_id": borrower.savings_group_id,
        "transaction_point_id": borrower.transaction_point_id,
        "office_id": borrower.office_id,
    }


def _check_eligible(application: LoanApplication) -> None:
    try:
        loan_services.check_eligibility(**loan_terms(application))
    except loan_services.LoanError as err:
        field = ELIGIBILITY_FIELDS.get(err.field or "", err.field)
        raise ApplicationError(err.message, field=field) from err


def _check_no_open_application(application: LoanApplication) -> None:
    """One open application per household and programme: a second is a double entry."""
    other = LoanApplication.objects.filter(
        borrower=application.borrower,
        programme=application.programme,
        status__in=LoanApplication.OPEN,
    ).first()
    if other is not None:
        raise ApplicationError(
            _("Hộ đã có đề nghị vay vốn #%(id)s của chương trình này đang chờ xử lý.")
            % {"id": other.pk},
            field="programme",
        )
