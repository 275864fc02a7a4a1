"""Reads of the stored reconciliation, scoped to the user's offices through `borrowers.selectors`
(the one place that decides who sees what)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from borrowers.models import Association, SavingsGroup, TransactionOffice
from borrowers.selectors import User, scope

from .models import Discrepancy, FeePayment, Reconciliation, ReconciliationLine

NOT_RECONCILED = gettext_noop("Chưa chạy đối chiếu tháng này (tháng %(m)s).")
# The association of each level on a line.
ASSOCIATION_FIELDS = {
    "commune": "association",
    "district": "district_association",
    "province": "province_association",
    "central": "central_association",
}


class NotReconciled(Exception):
    """The month has no finished reconciliation."""


@dataclass(frozen=True)
class Filters:
    """What a report is narrowed to; each object already checked against the user's scope."""

    office: TransactionOffice | None = None
    association: Association | None = None
    savings_group: SavingsGroup | None = None


def finished_reconciliation(month: date) -> Reconciliation:
    """The month's reconciliation once a run has finished; NotReconciled otherwise."""
    recon = Reconciliation.objects.filter(month=month).first()
    if recon is None or recon.finished_at is None:
        raise NotReconciled(_(NOT_RECONCILED) % {"m": f"{month:%m/%Y}"})
    return recon


def association_q(association: Association, prefix: str = "") -> Q:
    """Lines whose association at any level is `association`."""
    q = Q()
    for field in ASSOCIATION_FIELDS.values():
        q |= Q(**{f"{prefix}{field}": association})
    return q


def lines_for(recon: Reconciliation, user: User, filters: Filters) -> QuerySet[ReconciliationLine]:
    """The month's loan lines the user may see, narrowed by the filters."""
    lines = scope(ReconciliationLine.objects.filter(reconciliation=recon), user)
    if filters.office is not None:
        lines = lines.filter(office=filters.office)
    if filters.savings_group is not None:
        lines = lines.filter(savings_group=filters.savings_group)
    if filters.association is not None:
        lines = lines.filter(association_q(filters.association))
    return lines


def discrepancies_for(recon: Reconciliation, user: User, filters: Filters) -> QuerySet[Discrepancy]:
    """The month's discrepancies the user may see, narrowed by the filters, with their loans."""
    found = scope(Discrepancy.objects.filter(reconciliation=recon).select_related("loan"), user)
    if filters.office is not None:
        found = found.filter(office=filters.office)
    if filters.savings_group is not None:
        found = found.filter(loan__savings_group=filters.savings_group)
    if filters.association is not None:
        chain = Q(loan__savings_group__association=filters.association)
        for depth in range(1, 4):
            chain |= Q(
                **{f"loan__savings_group__association{'__parent' * depth}": filters.association}
            )
        found = found.filter(chain)
    return found.order_by("loan_id", "kind", "field")


def fees_for(recon: Reconciliation, user: User, filters: Filters) -> QuerySet[FeePayment]:
    """The month's fee rows (leaders' commissions, associations' fees) the user may see."""
    fees = scope(FeePayment.objects.filter(reconciliation=recon), user)
    if filters.office is not None:
        fees = fees.filter(office=filters.office)
    if filters.savings_group is not None:
        fees = fees.filter(savings_group=filters.savings_group)
    if filters.association is not None:
        groups = lines_for(recon, user, filters).values("savings_group")
        fees = fees.filter(savings_group__in=groups)
    return fees


# --- the latest run's status -----------------------------------------------------------------

# (status code, its label) of a job run, by the run's id. The runs are `tasks.JobRun`, and
# loans never imports tasks: the tasks app registers the reader when it is ready (tasks/apps.py).
RunStatusReader = Callable[[int], tuple[str, str] | None]
_run_status_readers: list[RunStatusReader] = []


def register_run_status_reader(reader: RunStatusReader) -> None:
    """Called once by the app that runs the reconciliation job (tasks)."""
    _run_status_readers[:] = [reader]


def run_status(recon: Reconciliation) -> tuple[str, str] | None:
    """(code, label) of the status of the run that last started on the month, if known."""
    if recon.run_id is None or not _run_status_readers:
        return None
    return _run_status_readers[0](recon.run_id)
