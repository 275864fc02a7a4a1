"""The domain's one error type: a broken business rule, said so a branch officer understands.

Every app's error (LoanError, HouseholdError, ...) subclasses DomainError, so the API's exception
handler and the admin's forms treat them all alike: `field` names the input at fault (None for the
request as a whole) and `code` is machine-readable (a state code makes the API answer 409).
"""

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError

T = TypeVar("T")


class DomainError(Exception):
    """A broken business rule, with a message a branch officer understands."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code

    def as_validation_error(self) -> ValidationError:
        """Django's ValidationError with the same message, keyed by the field when there is one,
        for a form's `clean()` or a serializer's `validate()` (both report it per field)."""
        error = ValidationError(self.message, code=self.code)
        return ValidationError({self.field: error}) if self.field else error


def validated(check: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a domain check inside a form's `clean_<field>` or a serializer's `validate_<field>`:
    its DomainError becomes a ValidationError on that field, with the same message."""
    try:
        return check(*args, **kwargs)
    except DomainError as exc:
        raise ValidationError(exc.message, code=exc.code) from exc
