"""The session's disbursement list, and the payment of the last reconciled month's commissions
and fees to the point's groups."""

from collections import defaultdict

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.money import format_dong

from ... import services as loan_services
from ...approvals.roles import disbursement_threshold
from ...approvals.services import needs_approval
from ...models import Loan
from ...reconciliation.models import FeePayment, Reconciliation
from ..models import DisbursementEntry, DisbursementList, Session, SessionFeePayment
from .errors import SESSION_STATE, SessionError, SheetRejected
from .sessions import lock_open
from .sheet import fingerprint


def post_disbursements(session: Session, lines: list[dict], *, by, key=None):
    """Disburse the session's list [{loan (id), amount}], value-dated on the session date: all
    or nothing; a replay under `key` returns (the list, its stored answer)."""
    with transaction.atomic():
        session = lock_open(session)
        print_ = fingerprint({"lines": lines})
        if key is not None:
            existing = DisbursementList.objects.filter(idempotency_key=key).first()
            if existing is not None:
                if existing.session_id != session.pk or existing.fingerprint != print_:
                    raise loan_services.IdempotencyConflict(
                        _("Khóa chống trùng này đã được dùng cho một yêu cầu khác.")
                    )
                return existing, [], existing.response_body
        listing = DisbursementList.objects.create(
            session=session, idempotency_key=key, fingerprint=print_, posted_by=by
        )
        entries = _disburse_all(session, lines, by=by)
        DisbursementEntry.objects.bulk_create(
            DisbursementEntry(list=listing, transaction=entry) for entry in entries
        )
        return listing, entries, None


def _disburse_all(session: Session, lines: list[dict], *, by) -> list:
    """Each line through services.disburse in a savepoint; any error rolls all back."""
    _refuse_lines_needing_approval(lines, by=by)
    found = Loan.objects.filter(
        pk__in={line["loan"] for line in lines}, transaction_point=session.transaction_point
    ).in_bulk()
    errors, entries = defaultdict(list), []
    for index, line in enumerate(lines):
        loan = found.get(line["loan"])
        if loan is None:
            errors[f"lines[{index}].loan"].append(_("Khoản vay không thuộc điểm giao dịch này."))
            continue
        try:
            with transaction.atomic():
                entries.append(
                    loan_services.disburse(
                        loan, amount=line["amount"], on=session.session_date, by=by
                    )
                )
        except DomainError as exc:
            name = "amount" if exc.field == "amount" else "loan"
            errors[f"lines[{index}].{name}"].append(exc.message)
    if errors:
        raise SheetRejected(dict(errors))
    return entries


def _refuse_lines_needing_approval(lines: list[dict], *, by) -> None:
    """Four eyes: a line above the disbursement threshold refuses the whole list, naming each
    such line; the officer requests it on its loan (202, a second person approves) and posts
    the list without it, so no cash leaves the point before the approval."""
    errors = {
        f"lines[{index}].amount": [
            _(
                "Giải ngân %(amount)s vượt ngưỡng %(limit)s: cần người thứ hai duyệt. Hãy gửi đề "
                "nghị giải ngân ở khoản vay này và bỏ dòng này khỏi danh sách."
            )
            % {
                "amount": format_dong(line["amount"]),
                "limit": format_dong(disbursement_threshold()),
            }
        ]
        for index, line in enumerate(lines)
        if needs_approval(by, operation="disbursements", data={"amount": line["amount"]})
    }
    if errors:
        raise SheetRejected(errors)


def fees_due(session: Session) -> dict:
    """The last month reconciled before the session and what it earned the point's groups:
    leader commissions and the commune associations' fees."""
    month = (
        Reconciliation.objects.filter(
            finished_at__isnull=False, month__lt=session.session_date.replace(day=1)
        )
        .order_by("-month")
        .first()
    )
    if month is None:
        return {"reconciliation": None, "leader_commission": 0, "association_fee": 0}
    fees = FeePayment.objects.filter(
        reconciliation=month, savings_group__transaction_point=session.transaction_point
    )
    leader = fees.filter(payee=FeePayment.Payee.GROUP_LEADER).aggregate(t=Sum("amount"))["t"]
    commune = fees.filter(payee=FeePayment.Payee.COMMUNE).aggregate(t=Sum("amount"))["t"]
    return {
        "reconciliation": month,
        "leader_commission": leader or 0,
        "association_fee": commune or 0,
    }


def record_fee_payment(session: Session, *, by) -> SessionFeePayment:
    """Record, once, that the session paid the last reconciled month's commissions and fees."""
    with transaction.atomic():
        session = lock_open(session)
        due = fees_due(session)
        if due["reconciliation"] is None:
            raise SessionError(_("Chưa có tháng nào được đối chiếu trước ngày của phiên."))
        paid = SessionFeePayment.objects.filter(
            transaction_point=session.transaction_point, reconciliation=due["reconciliation"]
        ).exists()
        if paid or SessionFeePayment.objects.filter(session=session).exists():
            raise SessionError(
                _("Hoa hồng và phí ủy thác tháng này đã được chi trả."), code=SESSION_STATE
            )
        return SessionFeePayment.objects.create(
            session=session,
            transaction_point=session.transaction_point,
            recorded_by=by,
            **due,
        )
