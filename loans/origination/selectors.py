"""Reads of applications: office scoping (through `borrowers.selectors`), the size of a group,
and the applications the printed forms list (03/TD per group and meeting, 04/TD per point and
day of decision)."""

from datetime import date

from django.db.models import QuerySet
from django.http import Http404

from borrowers.models import Borrower, SavingsGroup, TransactionPoint
from borrowers.selectors import User, scope

from .models import ApplicationStatus, LoanApplication


def applications_for(user: User) -> QuerySet[LoanApplication]:
    """Every application the user may see (their offices; all for branch level)."""
    return scope(
        LoanApplication.objects.select_related(
            "borrower", "programme", "loan_line", "savings_group", "transaction_point", "office"
        ),
        user,
    )


def get_application_for(user: User, pk) -> LoanApplication:
    """One application the user may see, or 404 (another office's does not exist for them)."""
    try:
        return applications_for(user).get(pk=pk)
    except (LoanApplication.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Không tìm thấy đề nghị vay vốn.") from exc


def group_member_count(group_id: int | None) -> int:
    """The households that are members of the group (who may attend its meetings)."""
    if group_id is None:
        return 0
    return Borrower.objects.filter(savings_group_id=group_id).count()


def group_list_applications(
    group: SavingsGroup, *, meeting_date: date
) -> QuerySet[LoanApplication]:
    """The list 03/TD: the group's applications voted at the meeting of that day, in the order
    of the households' names; one withdrawn since is no longer proposed."""
    return (
        LoanApplication.objects.filter(savings_group=group, meeting_date=meeting_date)
        .exclude(status=ApplicationStatus.WITHDRAWN)
        .select_related("borrower", "programme", "loan_line")
        .order_by("borrower__full_name", "id")
    )


def decided_applications(point: TransactionPoint, *, decided_on: date) -> QuerySet[LoanApplication]:
    """The notice 04/TD: the applications of the point's households decided that day."""
    return (
        LoanApplication.objects.filter(
            transaction_point=point,
            decided_on=decided_on,
            status__in=[ApplicationStatus.APPROVED, ApplicationStatus.REJECTED],
        )
        .select_related("borrower", "programme", "loan_line", "savings_group", "loan")
        .order_by("savings_group__name", "borrower__full_name", "id")
    )
