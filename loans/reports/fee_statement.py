"""The month's fee statement (bảng kê phí ủy thác, hoa hồng): the commission per group leader
and the entrustment fee per association level (DOMAIN.md §5), as paid at the sessions."""

from django.db.models import Count, QuerySet, Sum

from borrowers.selectors import User
from loans.reconciliation.models import FeePayment, Reconciliation
from loans.reconciliation.selectors import Filters, fees_for

from .reconciliation import FEE_LEVELS, ratio_or_none


def fee_statement(recon: Reconciliation, user: User, filters: Filters) -> dict:
    """Leaders, associations (commune first, central last) and the totals of both."""
    fees = fees_for(recon, user, filters)
    leaders = leader_rows(fees)
    associations = association_rows(fees)
    return {
        "month": recon.period,
        "leaders": leaders,
        "associations": associations,
        "totals": {
            "leader_commission": sum(row["amount"] for row in leaders),
            "association_fee": sum(row["amount"] for row in associations),
        },
    }


def leader_rows(fees: QuerySet[FeePayment]) -> list[dict]:
    """One row per group: its leader's commission, the base and the rate applied."""
    leaders = (
        fees.filter(payee=FeePayment.Payee.GROUP_LEADER)
        .select_related("savings_group__transaction_point")
        .order_by("savings_group__code")
    )
    return [
        {
            "savings_group": fee.savings_group_id,
            "savings_group_code": fee.savings_group.code,
            "savings_group_name": fee.savings_group.name,
            "leader": fee.savings_group.leader,
            "transaction_point_name": fee.savings_group.transaction_point.name,
            "office": fee.office_id,
            "base_amount": fee.base_amount,
            "group_outstanding": fee.group_outstanding,
            "group_overdue": fee.group_overdue,
            "overdue_ratio": ratio_or_none(fee.group_overdue, fee.group_outstanding),
            "rate": f"{fee.rate.normalize():f}",
            "reduced": fee.reduced,
            "amount": fee.amount,
        }
        for fee in leaders
    ]


def association_rows(fees: QuerySet[FeePayment]) -> list[dict]:
    """One row per association and level: the groups it earns from, base and amount."""
    grouped = (
        fees.exclude(payee=FeePayment.Payee.GROUP_LEADER)
        .order_by()
        .values("payee", "association", "association__name")
        .annotate(
            groups=Count("savings_group"), base_amount=Sum("base_amount"), amount=Sum("amount")
        )
        .order_by("payee", "association__name")
    )
    rows = [
        {
            "association": row["association"],
            "association_name": row["association__name"],
            "association_level": row["payee"],
            "groups": row["groups"],
            "base_amount": int(row["base_amount"] or 0),
            "amount": int(row["amount"] or 0),
        }
        for row in grouped
    ]
    return sorted(rows, key=lambda row: FEE_LEVELS.index(row["association_level"]))
