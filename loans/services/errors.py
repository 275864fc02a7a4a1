"""The errors the services raise: a broken business rule, worded for a branch officer."""


class LoanError(Exception):
    """A broken business rule, with a message a branch officer understands.

    `field` names the input the message is about (None: the request as a whole); `code` is
    "loan_state" when the loan's state refuses the operation (the API answers 409), else
    "invalid" (400)."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class IdempotencyConflict(LoanError):
    """The same idempotency key was sent with a different request."""
