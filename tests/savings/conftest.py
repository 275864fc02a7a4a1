"""The API clients of tests/api, and the half-year of tests/savings/test_interest.py."""

from datetime import date
from decimal import Decimal

import pytest

from loans.savings import services
from programmes.models import SavingsRate
from tests.api.conftest import alice_api, bob_api, carol_api  # noqa: F401
from tests.factories import BorrowerFactory


@pytest.fixture
def accounts(cast, household):
    """Households A and B of test_interest.py: 4,970 and 100 đồng of interest on 30 Jun 2025."""
    SavingsRate.objects.create(rate=Decimal("1.00"), effective_from=date(2025, 4, 1))
    other = BorrowerFactory(savings_group=household.savings_group)
    services.deposit(household, 1_000_000, date(2024, 12, 15), cast.alice)
    services.deposit(household, 500_000, date(2025, 2, 10), cast.alice)
    services.withdraw(household, 300_000, date(2025, 5, 20), cast.alice)
    services.deposit(other, 3_650_000, date(2025, 6, 30), cast.alice)
    return household, other
