"""The errors of sessions and their sheets."""

from core.errors import DomainError

# Codes the API answers with 409 (config/api.py STATE_CODES).
SESSION_STATE = "session_state"
SHEET_POSTED = "sheet_posted"


class SessionError(DomainError):
    """A broken rule of a session: `session_state` (closed, already open, already posted) is
    a 409, anything else a 400 on `field`."""


class SheetRejected(DomainError):
    """A sheet with bad lines: every message keyed by its line (`lines[3].interest`); nothing
    of the sheet was posted."""

    def __init__(self, errors: dict[str, list[str]]):
        first = next(iter(errors.values()))[0]
        super().__init__(first, field=next(iter(errors)))
        self.errors = errors
