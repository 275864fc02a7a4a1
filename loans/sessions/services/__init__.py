"""The session day's services: open and close a session, post a group's sheet 13/TD, the
disbursement list and the fee payment; every posting value-dated on the session date."""

from .disbursements import fees_due, post_disbursements, record_fee_payment
from .errors import SESSION_STATE, SHEET_POSTED, SessionError, SheetRejected
from .sessions import close_session, lock_open, open_session, session_totals
from .sheet import Posted, post_sheet, sheet_totals

__all__ = [
    "SESSION_STATE",
    "SHEET_POSTED",
    "Posted",
    "SessionError",
    "SheetRejected",
    "close_session",
    "fees_due",
    "lock_open",
    "open_session",
    "post_disbursements",
    "post_sheet",
    "record_fee_payment",
    "session_totals",
    "sheet_totals",
]
