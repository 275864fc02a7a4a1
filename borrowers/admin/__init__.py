"""The branch's organisation and its households in the admin, each list scoped to the user's
offices. `base` holds the office-aware base classes other apps' admins build on."""

from .households import BorrowerAdmin, BorrowerAdminForm
from .organisation import SavingsGroupAdmin

__all__ = ["BorrowerAdmin", "BorrowerAdminForm", "SavingsGroupAdmin"]
