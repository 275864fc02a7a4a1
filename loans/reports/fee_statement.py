"""The month's fee statement (bảng kê phí ủy thác, hoa hồng): the commission per group leader
and the entrustment fee per association level (DOMAIN.md §5), as paid at the sessions."""

from django.db.models import Count, QuerySet, Sum

from borrowers.models import Association
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
    """One row per association and level: the groups it earns from, base and amount; levels
    from commune to central, each in the order of the associations' names (as the database
    collates them, ties by id). The sums are grouped by id only and the names read after: a
    whole branch is 4,000 associations over 68,000 fee rows at a million loans, and carrying
    the names through the GROUP BY sorted them on disk."""
    association_fees = fees.exclude(payee=FeePayment.Payee.GROUP_LEADER).order_by()
    grouped = list(
        association_fees.values_list("payee", "association").annotate(
            groups=Count("savings_group"), base_amount=Sum("base_amount"), amount=Sum("amount")
        )
    )
    names = Association.objects.filter(pk__in=association_fees.values("association"))
    names = names.order_by("name", "pk")
    rank, name_of = {}, {}
    for position, (pk, name) in enumerate(names.values_list("pk", "name")):
        rank[pk], name_of[pk] = position, name
    grouped.sort(key=lambda row: (FEE_LEVELS.index(row[0]), rank.get(row[1], len(rank))))
    return [
        {
            "association": association,
            "association_name": name_of.get(association),
            "association_level": payee,
            "groups": groups,
            "base_amount": int(base_amount or 0),
            "amount": int(amount or 0),
        }
        for payee, association, groups, base_amount, amount in grouped
    ]
