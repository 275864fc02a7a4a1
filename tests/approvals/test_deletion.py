"""A household that ever had an application, a loan or savings is never deleted, only
deactivated; the delete button is shown only where the delete would be accepted."""

import pytest
from django.urls import reverse

from borrowers import services
from borrowers.models import Borrower
from core.errors import DomainError
from tests.factories import BorrowerFactory


def test_a_household_with_a_loan_is_not_deleted_but_deactivated(loan, cast):
    household = loan.borrower
    assert services.has_business(household)
    with pytest.raises(DomainError):
        services.delete_household(household, by=cast.alice)
    services.set_household_active(household, active=False, by=cast.alice)
    household.refresh_from_db()
    assert household.is_active is False
    assert household.history.first().history_user == cast.alice  # audited


def test_a_household_entered_by_mistake_may_be_deleted(household, cast):
    assert not services.has_business(household)
    services.delete_household(household, by=cast.alice)
    assert not Borrower.objects.filter(pk=household.pk).exists()


def test_the_admin_offers_delete_only_where_it_is_accepted(client, cast, loan):
    client.force_login(cast.alice)
    with_loan = loan.borrower
    fresh = BorrowerFactory(savings_group=with_loan.savings_group)
    change = "admin:borrowers_borrower_change"
    delete = "admin:borrowers_borrower_delete"
    page = client.get(reverse(change, args=[with_loan.pk])).content.decode()
    assert reverse(delete, args=[with_loan.pk]) not in page
    assert client.post(reverse(delete, args=[with_loan.pk]), {"post": "yes"}).status_code == 403
    assert Borrower.objects.filter(pk=with_loan.pk).exists()

    page = client.get(reverse(change, args=[fresh.pk])).content.decode()
    assert reverse(delete, args=[fresh.pk]) in page
    client.post(reverse(delete, args=[fresh.pk]), {"post": "yes"})
    assert not Borrower.objects.filter(pk=fresh.pk).exists()

    listing = client.get(reverse("admin:borrowers_borrower_changelist")).content.decode()
    assert "delete_selected" not in listing  # no bulk delete that would skip the check
    assert "deactivate" in listing


def test_the_admin_action_deactivates(client, cast, loan):
    client.force_login(cast.alice)
    household = loan.borrower
    client.post(
        reverse("admin:borrowers_borrower_changelist"),
        {"action": "deactivate", "_selected_action": [household.pk]},
    )
    household.refresh_from_db()
    assert household.is_active is False
