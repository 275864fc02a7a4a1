"""The loans API (DESIGN.md "API"): loans, postings with idempotency keys, and positions."""

from .views import LoanViewSet

__all__ = ["LoanViewSet"]
