"""Every step of an application is one service: each runs in a transaction, locks the
application's row, checks its rule, records who did it and when (and the audit history), and
raises ApplicationError with a message a branch officer understands.

- submit_application (01/TD): the household may be lent this now (caps, eligibility, Decree 28)
- record_vote (10/TD): a majority of the members present, no more present than the group has
- certify, certify_group_list (03/TD, one application or the whole list): after the vote (a
  direct programme: after the submission), before the decision
- approve_application, reject_application (04/TD): after the certification; approval checks
  every rule again and creates the loan through `loans.services.create_loan`
- withdraw_application: the officer withdraws it, before the decision
"""

from .common import DECIDE_PERMISSION, STATE, ApplicationError
from .decision import approve_application, reject_application
from .steps import certify, certify_group_list, record_vote, withdraw_application
from .submission import submit_application

__all__ = [
    "DECIDE_PERMISSION",
    "STATE",
    "ApplicationError",
    "approve_application",
    "certify",
    "certify_group_list",
    "record_vote",
    "reject_application",
    "submit_application",
    "withdraw_application",
]
