"""The savings in the admin: the household page, the deposit/withdrawal form (errors on the
form, nothing posted), the read-only journal, the rates edited at branch level only."""

from datetime import date

import pytest
from django.urls import reverse

from loans.savings import services
from loans.savings.models import SavingsAccount, SavingsTransaction
from programmes.models import SavingsRate

D = date(2025, 3, 10)


@pytest.fixture
def alice(client, cast):
    client.force_login(cast.alice)
    return client


def post_url(borrower) -> str:
    return reverse("admin:savings_post", args=[borrower.pk])


def test_the_household_page_shows_its_savings(alice, cast, household):
    services.deposit(household, 1_234_000, D, cast.alice)
    page = alice.get(reverse("admin:borrowers_borrower_change", args=[household.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "1.234.000" in html
    assert post_url(household) in html


def test_a_deposit_through_the_form(alice, cast, household):
    form = {"kind": "deposit", "amount": "50.000", "value_date": "10/03/2025", "key": "a-1"}
    response = alice.post(post_url(household), form)
    assert response.status_code == 302
    assert SavingsAccount.objects.get(borrower=household).balance == 50_000
    alice.post(post_url(household), form)  # a double submit, same key: posted once
    assert SavingsTransaction.objects.count() == 1


def test_a_small_deposit_or_an_overdraft_shows_on_the_form(alice, cast, household):
    small = {"kind": "deposit", "amount": "4.000", "value_date": "10/03/2025"}
    response = alice.post(post_url(household), small)
    assert response.status_code == 200
    assert "5.000" in response.content.decode()
    overdraft = {"kind": "withdrawal", "amount": "1.000", "value_date": "10/03/2025"}
    response = alice.post(post_url(household), overdraft)
    assert response.status_code == 200
    assert "errornote" in response.content.decode()
    assert not SavingsTransaction.objects.exists()


def test_another_offices_household_is_not_found(client, cast, household):
    client.force_login(cast.bob)
    assert client.get(post_url(household)).status_code == 404


def test_the_journal_is_read_only_in_the_admin(alice, cast, household):
    entry = services.deposit(household, 10_000, D, cast.alice)
    change = reverse("admin:savings_savingstransaction_change", args=[entry.pk])
    assert alice.get(change).status_code == 200
    assert alice.post(change, {"amount": 1}).status_code == 403
    delete = reverse("admin:savings_savingstransaction_delete", args=[entry.pk])
    assert alice.post(delete, {"post": "yes"}).status_code == 403
    assert alice.get(reverse("admin:savings_savingstransaction_add")).status_code == 403
    assert SavingsTransaction.objects.get().amount == 10_000


def test_the_branch_edits_the_rates(client, cast):
    add = reverse("admin:programmes_savingsrate_add")
    client.force_login(cast.alice)
    assert client.get(add).status_code == 403
    client.force_login(cast.carol)
    response = client.post(add, {"rate": "0.60", "effective_from": "01/01/2026", "note": ""})
    assert response.status_code == 302
    assert SavingsRate.objects.get(effective_from=date(2026, 1, 1)).basis_points == 60


def reverse_url(entry) -> str:
    return reverse("admin:savings_reverse", args=[entry.pk])


def test_a_reversal_from_the_journal_with_its_reason(alice, cast, household):
    deposit = services.deposit(household, 300_000, D, cast.alice)
    listing = alice.get(reverse("admin:savings_savingstransaction_changelist"))
    assert reverse_url(deposit) in listing.content.decode()
    # No reason: refused on the form, nothing posted.
    response = alice.post(reverse_url(deposit), {"value_date": "12/03/2025", "reason": ""})
    assert response.status_code == 200
    assert SavingsTransaction.objects.count() == 1
    response = alice.post(
        reverse_url(deposit), {"value_date": "12/03/2025", "reason": "Ghi nhầm hộ"}
    )
    assert response.status_code == 302
    reversal = SavingsTransaction.objects.get(reverses=deposit)
    # 300,000 deposited, then reversed on 12 Mar: the balance is back to 0.
    assert (reversal.delta, reversal.value_date, reversal.note) == (
        -300_000,
        date(2025, 3, 12),
        "Ghi nhầm hộ",
    )
    assert SavingsAccount.objects.get(borrower=household).balance == 0
    # A second reversal of the same entry is refused on the form.
    again = alice.post(reverse_url(deposit), {"value_date": "12/03/2025", "reason": "Lần hai"})
    assert again.status_code == 200
    assert SavingsTransaction.objects.filter(reverses=deposit).count() == 1


def test_a_reversal_that_would_overdraw_is_refused(alice, cast, household):
    # 300,000 in, 200,000 out: reversing the deposit would leave −200,000.
    deposit = services.deposit(household, 300_000, D, cast.alice)
    services.withdraw(household, 200_000, D, cast.alice)
    response = alice.post(reverse_url(deposit), {"value_date": "12/03/2025", "reason": "Sai"})
    assert response.status_code == 200
    assert "100.000" in response.content.decode()  # at most 100,000 may leave
    assert not SavingsTransaction.objects.filter(reverses=deposit).exists()


def test_another_office_cannot_reverse(client, cast, household):
    deposit = services.deposit(household, 300_000, D, cast.alice)
    client.force_login(cast.bob)
    response = client.post(reverse_url(deposit), {"value_date": "12/03/2025", "reason": "x"})
    assert response.status_code == 404
    assert not SavingsTransaction.objects.filter(reverses=deposit).exists()
