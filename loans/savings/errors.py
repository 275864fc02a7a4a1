"""The savings rules' error: worded for a branch officer, keyed by the input at fault."""

from core.errors import DomainError


class SavingsError(DomainError):
    """A broken savings rule (DOMAIN.md §7). `lines` maps the index of each bad line of a batch
    (post_many) to its message; a single posting has none."""

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str = "invalid",
        lines: dict[int, str] | None = None,
    ):
        super().__init__(message, field=field, code=code)
        self.lines = lines or {}
