"""The officers' loan admin: approval, the loan page (terms, schedule, journal, position) and the
posting forms, every one of them through `loans.services`; nothing financial is edited or deleted.
"""

from .inlines import ReadOnlyInline, position_rows, render_position
from .loan import LoanAdmin
from .records import HouseholdAdmin, JournalAdmin, LoanFreezeAdmin, PositionSnapshotAdmin

__all__ = [
    "HouseholdAdmin",
    "JournalAdmin",
    "LoanAdmin",
    "LoanFreezeAdmin",
    "PositionSnapshotAdmin",
    "ReadOnlyInline",
    "position_rows",
    "render_position",
]
