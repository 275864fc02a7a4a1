"""Opening and closing a session, the lock every posting of a session takes, and its totals."""

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from borrowers.models import TransactionPoint

from ...services import today
from ..models import Receipt, Session, SessionFeePayment, SessionStatus
from .errors import SESSION_STATE, SessionError

TOTAL_KEYS = (
    "interest",
    "principal",
    "principal_from_savings",
    "savings_deposit",
    "savings_withdrawal",
    "cash",
)


def open_session(point: TransactionPoint, session_date: date, *, by) -> Session:
    """Open the session of a point on a date: never a future date, once per point and date."""
    if session_date > today():
        raise SessionError(
            _("Không được mở phiên cho ngày sau ngày hôm nay."), field="session_date"
        )
    if Session.objects.filter(transaction_point=point, session_date=session_date).exists():
        raise _already_open(point, session_date)
    try:
        with transaction.atomic():
            return Session.objects.create(
                transaction_point=point, session_date=session_date, opened_by=by
            )
    except IntegrityError as exc:  # opened by someone else meanwhile
        raise _already_open(point, session_date) from exc


def _already_open(point, session_date) -> SessionError:
    return SessionError(
        _("Điểm %(point)s đã có phiên ngày %(d)s.")
        % {"point": point, "d": f"{session_date:%d/%m/%Y}"},
        code=SESSION_STATE,
    )


def lock_open(session: Session) -> Session:
    """The session row, locked to the end of the transaction, refusing a closed session: a
    session's postings are serialised, and none slips in after its close."""
    locked = (
        Session.objects.select_for_update().select_related("transaction_point").get(pk=session.pk)
    )
    if not locked.is_open:
        raise SessionError(
            _("Phiên đã đóng, không nhận thêm giao dịch; sửa sai bằng bút toán hủy vào ngày sau."),
            code=SESSION_STATE,
        )
    return locked


@transaction.atomic
def close_session(session: Session, *, by) -> Session:
    """Close the session at the end of the day; it takes no more postings."""
    locked = lock_open(session)
    locked.status = SessionStatus.CLOSED
    locked.closed_by = by
    locked.closed_at = timezone.now()
    locked.save(update_fields=["status", "closed_by", "closed_at"])
    return locked


def session_totals(session: Session) -> dict[str, int]:
    """The session's totals by kind: the sheets' collections, disbursements, fees paid, cash
    in and out, receipts issued."""
    totals = dict.fromkeys(TOTAL_KEYS, 0)
    sheets = list(session.sheets.values_list("totals", flat=True))
    for sheet in sheets:
        for key in TOTAL_KEYS:
            totals[key] += sheet.get(key, 0)
    disbursed = (
        session.disbursement_lists.aggregate(total=Sum("transactions__amount"))["total"] or 0
    )
    fee = SessionFeePayment.objects.filter(session=session).first()
    fees_paid = fee.leader_commission + fee.association_fee if fee else 0
    totals.update(
        sheets=len(sheets),
        disbursed=disbursed,
        fees_paid=fees_paid,
        cash_in=totals["interest"] + totals["principal"] + totals["savings_deposit"],
        cash_out=totals["savings_withdrawal"] + disbursed + fees_paid,
        receipts=Receipt.objects.filter(sheet__session=session).count(),
    )
    return totals
