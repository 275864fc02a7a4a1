"""Reading sessions: the ones a user may see, and a group's sheet pre-filled at a session."""

from django.db.models import QuerySet
from django.http import Http404

from borrowers.models import SavingsGroup
from borrowers.selectors import scope

from ..reports.collection_list import collection_list
from .models import Session
from .services import savings_bridge

SHEET_AMOUNTS = (
    "outstanding_principal",
    "interest_due",
    "interest_arrears",
    "principal_due",
    "savings_balance",
)


def sessions_for(user) -> QuerySet[Session]:
    return scope(
        Session.objects.select_related("transaction_point"),
        user,
        office_field="transaction_point__office",
    )


def get_session_for(user, pk) -> Session:
    try:
        return sessions_for(user).get(pk=pk)
    except (Session.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def sheet(session: Session, group: SavingsGroup) -> dict:
    """The 13/TD of a group at the session, pre-filled as of the session date: the positions
    of the whole group in one engine pass (reports.collection_list), the members' savings
    balances in one query."""
    listing = collection_list(group, session_date=session.session_date)
    balances = savings_bridge.balances(
        sorted({row["borrower_id"] for row in listing.rows}), session.session_date
    )
    lines = [
        {
            "number": row["number"],
            "borrower": row["borrower_id"],
            "borrower_name": row["borrower_name"],
            "village": row["village"],
            "loan": row["loan_id"],
            "contract_number": row["contract_number"],
            "programme": row["programme_code"],
            "outstanding_principal": row["outstanding_principal"],
            "interest_due": row["interest_due"],
            "interest_arrears": row["interest_arrears"],
            "principal_due": row["principal_due"],
            "savings_balance": balances.get(row["borrower_id"], 0),
        }
        for row in listing.rows
    ]
    # A member's savings balance is counted once however many loans she holds.
    totals = {name: sum(line[name] for line in lines) for name in SHEET_AMOUNTS[:4]}
    totals["savings_balance"] = sum(balances.values())
    return {
        "savings_group": group.pk,
        "session_date": session.session_date,
        "lines": lines,
        "totals": totals,
    }
