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
    """One row per group: its leader's commission, the base and the rate applied (read as
    values: a whole branch is 17,000 groups at a million loans)."""
    leaders = (
        fees.filter(payee=FeePayment.Payee.GROUP_LEADER)
        .order_by("savings_group__code")
        .values_list(
            "savings_group_id",
            "savings_group__code",
            "savings_group__name",
            "savings_group__leader",
            "savings_group__transaction_point__name",
            "office_id",
            "base_amount",
            "group_outstanding",
            "group_overdue",
            "rate",
            "reduced",
            "amount",
        )
    )
    return [
        {
            "savings_group": group,
            "savings_group_code": code,
            "savings_group_name": name,
            "leader": leader,
            "transaction_point_name": point_name,
            "office": office,
            "base_amount": base_amount,
            "group_outstanding": outstanding,
            "group_overdue": overdue,
            "overdue_ratio": ratio_or_none(overdue, outstanding),
            "rate": f"{rate.normalize():f}",
            "reduced": reduced,
            "amount": amount,
        }
        for (
            group,
            code,
            name,
            leader,
            point_name,
            office,
            base_amount,
            outstanding,
            overdue,
            rate,
            reduced,
            amount,
        ) in leaders
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
