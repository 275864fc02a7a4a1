"""The errors the services raise: a broken business rule, worded for a branch officer."""

from core.errors import DomainError


class LoanError(DomainError):
    """A broken business rule of a loan, with a message a branch officer understands.

    `field` names the input the message is about (None: the request as a whole); `code` is
    "loan_state" when the loan's state refuses the operation (the API answers 409), else
    "invalid" (400)."""


class IdempotencyConflict(LoanError):
    """The same idempotency key was sent with a different request."""

    def __init__(
        self, message: str, *, field: str | None = None, code: str = "idempotency_conflict"
    ):
        super().__init__(message, field=field, code=code)
