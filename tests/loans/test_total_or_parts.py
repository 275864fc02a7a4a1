""" "A total or principal and interest, not both" (DOMAIN.md §4 "Repayments") is one rule, in
`record_repayment`: the admin form and the API show the service's own message, on `amount`."""

from datetime import date

import pytest
from django.urls import reverse

from loans import services
from loans.models import LoanTransaction
from tests.api.conftest import API, token_client

from ..conftest import approved_loan

SAYS = "Nhập tổng số tiền hoặc tách gốc và lãi, không nhập cả hai."


@pytest.fixture
def loan(cast, household):
    """30,000,000 đồng to a poor household, disbursed 10 Jan 2025."""
    loan = approved_loan(household, "HN", amount=30_000_000, term=36, by=cast.alice, due_day=10)
    services.disburse(loan, amount=30_000_000, on=date(2025, 1, 10), by=cast.alice)
    return loan


def test_the_service_refuses_a_total_with_its_parts(cast, loan):
    with pytest.raises(services.LoanError) as refused:
        services.record_repayment(
            loan, amount=200_000, interest=100_000, on=date(2025, 2, 10), by=cast.alice
        )
    assert (refused.value.field, refused.value.message) == ("amount", SAYS)


def test_the_admin_and_the_api_give_the_services_message_for_a_total_with_its_parts(
    client, cast, loan
):
    client.force_login(cast.alice)
    form = client.post(
        reverse("admin:loans_loan_repay", args=[loan.pk]),
        {"value_date": "10/02/2025", "amount": "200.000", "interest": "100.000"},
    )
    api = token_client(cast.alice).post(
        f"{API}/loans/{loan.pk}/repayments/",
        {"value_date": "2025-02-10", "amount": 200_000, "interest": 100_000},
        format="json",
    )

    assert form.status_code == 200
    assert form.context["form"].errors == {"amount": [SAYS]}
    assert api.status_code == 400
    assert api.json() == {"amount": [SAYS]}
    assert LoanTransaction.objects.filter(loan=loan).count() == 1  # the disbursement only
