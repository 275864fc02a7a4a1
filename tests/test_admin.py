"""The officers' admin: office scoping, no delete of anything financial, postings through the
services with their errors on the form, Vietnamese amounts and dd/mm/yyyy dates."""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from borrowers.models import Borrower
from loans import services
from loans.forms import MoneyField
from loans.models import Loan, LoanTransaction

from .conftest import approved_loan, programme
from .factories import BorrowerFactory, PointFactory, SavingsGroupFactory


def loan_url(name: str, loan: Loan) -> str:
    return reverse(f"admin:loans_loan_{name}", args=[loan.pk])


@pytest.fixture
def bac_son_household(cast):
    point = PointFactory(office=cast.bac_son, session_day=10)
    group = SavingsGroupFactory(transaction_point=point)
    return BorrowerFactory(savings_group=group, full_name="Hà Thị Bắc Sơn")


@pytest.fixture
def loan(household, cast):
    """Alice's 50,000,000 đồng poor-household loan, 36 months, principal every 6 months."""
    return approved_loan(
        household, "HN", amount=50_000_000, term=36, by=cast.alice, approved_on=date(2024, 1, 2)
    )


@pytest.fixture
def bob_loan(bac_son_household, cast):
    return approved_loan(
        bac_son_household,
        "HN",
        amount=40_000_000,
        term=36,
        by=cast.bob,
        approved_on=date(2024, 1, 2),
    )


@pytest.fixture
def disbursed(loan, cast):
    services.disburse(loan, amount=50_000_000, on=date(2024, 3, 15), by=cast.alice)
    loan.refresh_from_db()
    return loan


@pytest.fixture
def alice(client, cast):
    client.force_login(cast.alice)
    return client


# --- scoping ---------------------------------------------------------------------------------


def test_an_officer_sees_only_her_offices_borrowers_and_loans(alice, household, loan, bob_loan):
    borrowers = alice.get(reverse("admin:borrowers_borrower_changelist"))
    assert borrowers.status_code == 200
    assert household.full_name in borrowers.text
    assert "Hà Thị Bắc Sơn" not in borrowers.text

    loans = alice.get(reverse("admin:loans_loan_changelist"))
    assert loans.status_code == 200
    assert loan.contract_number in loans.text
    assert bob_loan.contract_number not in loans.text


def test_another_offices_borrower_and_loan_do_not_exist_for_an_officer(
    alice, bac_son_household, bob_loan
):
    urls = [
        reverse("admin:borrowers_borrower_change", args=[bac_son_household.pk]),
        reverse("admin:loans_loan_change", args=[bob_loan.pk]),
        reverse("admin:loans_loan_history", args=[bob_loan.pk]),
        *(loan_url(op, bob_loan) for op in ["disburse", "repay", "reverse", "position"]),
    ]
    for url in urls:
        assert alice.get(url).status_code == 404, url


def test_it_refuses_a_change_to_another_offices_borrower(alice, bac_son_household):
    url = reverse("admin:borrowers_borrower_change", args=[bac_son_household.pk])
    response = alice.post(url, {"full_name": "Đổi tên", "national_id": "012345678901"})
    assert response.status_code == 404
    bac_son_household.refresh_from_db()
    assert bac_son_household.full_name == "Hà Thị Bắc Sơn"


def test_it_refuses_a_posting_on_another_offices_loan(alice, bob_loan):
    response = alice.post(
        loan_url("disburse", bob_loan), {"amount": "1.000.000", "value_date": "15/03/2024"}
    )
    assert response.status_code == 404
    assert not LoanTransaction.objects.filter(loan=bob_loan).exists()


def test_branch_level_staff_see_every_office(client, cast, household, loan, bob_loan):
    client.force_login(cast.carol)
    borrowers = client.get(reverse("admin:borrowers_borrower_changelist")).text
    assert household.full_name in borrowers and "Hà Thị Bắc Sơn" in borrowers
    loans = client.get(reverse("admin:loans_loan_changelist")).text
    assert loan.contract_number in loans and bob_loan.contract_number in loans
    assert client.get(reverse("admin:loans_loan_change", args=[bob_loan.pk])).status_code == 200


def test_an_officer_cannot_put_a_household_in_another_offices_group(alice, bac_son_household):
    before = Borrower.objects.count()
    response = alice.post(
        reverse("admin:borrowers_borrower_add"),
        {
            **borrower_form(),
            "savings_group": bac_son_household.savings_group_id,
        },
    )
    assert response.status_code == 200
    assert "savings_group" in response.context["adminform"].form.errors
    assert Borrower.objects.count() == before


# --- nothing financial is deleted ------------------------------------------------------------


def test_nothing_financial_can_be_deleted_even_by_a_superuser(client, django_user_model, disbursed):
    root = django_user_model.objects.create_superuser("root", "root@example.com", "pw-123456")
    client.force_login(root)
    entry = LoanTransaction.objects.get(loan=disbursed)

    assert client.get(loan_url("delete", disbursed)).status_code == 403
    assert client.post(loan_url("delete", disbursed), {"post": "yes"}).status_code == 403
    entry_delete = reverse("admin:loans_loantransaction_delete", args=[entry.pk])
    assert client.post(entry_delete, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:loans_loantransaction_add")).status_code == 403
    entry_change = reverse("admin:loans_loantransaction_change", args=[entry.pk])
    assert client.post(entry_change, {"amount": "1"}).status_code == 403
    changelist = client.get(reverse("admin:loans_loan_changelist"))
    assert "delete_selected" not in changelist.text
    assert Loan.objects.filter(pk=disbursed.pk).exists()
    assert LoanTransaction.objects.get(pk=entry.pk).amount == 50_000_000


def test_loan_terms_cannot_be_changed_through_the_admin(alice, loan):
    response = alice.post(loan_url("change", loan), {"approved_amount": "90000000"})
    assert response.status_code == 403
    loan.refresh_from_db()
    assert loan.approved_amount == 50_000_000


# --- postings through the services -----------------------------------------------------------


def test_a_disbursement_entered_in_the_admin_posts_one_journal_entry(alice, loan):
    response = alice.post(
        loan_url("disburse", loan),
        {"amount": "20.000.000", "value_date": "15/03/2024", "receipt_number": "GN-01"},
    )
    assert response.status_code == 302
    assert response.url == loan_url("change", loan)
    entry = LoanTransaction.objects.get(loan=loan)
    assert (entry.kind, entry.amount, entry.value_date) == (
        "disbursement",
        20_000_000,
        date(2024, 3, 15),
    )
    assert entry.receipt_number == "GN-01"
    loan.refresh_from_db()
    assert loan.outstanding_principal == 20_000_000
    assert loan.status == "active"


def test_a_double_submitted_disbursement_posts_once(alice, loan):
    form = {"amount": "20.000.000", "value_date": "15/03/2024", "key": "admin-double-click"}
    assert alice.post(loan_url("disburse", loan), form).status_code == 302
    assert alice.post(loan_url("disburse", loan), form).status_code == 302
    assert LoanTransaction.objects.filter(loan=loan).count() == 1


def test_a_corrected_form_posts_with_the_key_of_its_refused_attempt(alice, loan):
    # The refused attempt rolled back its idempotency record, so the retry is not a "replay".
    form = {"amount": "60.000.000", "value_date": "15/03/2024", "key": "admin-retry"}
    assert alice.post(loan_url("disburse", loan), form).status_code == 200
    form["amount"] = "50.000.000"
    assert alice.post(loan_url("disburse", loan), form).status_code == 302
    assert LoanTransaction.objects.get(loan=loan).amount == 50_000_000


def test_postings_need_the_change_loan_permission(client, cast, loan):
    cast.alice.user_permissions.remove(Permission.objects.get(codename="change_loan"))
    client.force_login(cast.alice)
    assert client.get(loan_url("change", loan)).status_code == 200
    response = client.post(
        loan_url("disburse", loan), {"amount": "1.000.000", "value_date": "15/03/2024"}
    )
    assert response.status_code == 403
    assert not LoanTransaction.objects.filter(loan=loan).exists()


def test_a_disbursement_above_the_approved_amount_is_shown_on_the_form(alice, loan):
    before = LoanTransaction.objects.count()
    response = alice.post(
        loan_url("disburse", loan), {"amount": "60.000.000", "value_date": "15/03/2024"}
    )
    assert response.status_code == 200
    # approved 50,000,000 − disbursed 0 = 50,000,000 đồng still to disburse
    assert "Số tiền giải ngân vượt số còn được giải ngân (50.000.000 đồng)." in response.text
    assert response.context["form"].errors["amount"]
    assert LoanTransaction.objects.count() == before
    loan.refresh_from_db()
    assert loan.outstanding_principal == 0 and loan.status == "approved"


def test_a_repayment_entered_in_the_admin_posts_principal_and_interest(alice, disbursed):
    response = alice.post(
        loan_url("repay", disbursed),
        {
            "value_date": "21/04/2024",
            "principal": "1.000.000",
            "interest": "100.000",
            "receipt_number": "BL-7",
        },
    )
    assert response.status_code == 302
    kinds = LoanTransaction.objects.filter(loan=disbursed, receipt_number="BL-7")
    assert sorted(kinds.values_list("kind", "amount")) == [
        ("interest_payment", 100_000),
        ("principal_repayment", 1_000_000),
    ]
    disbursed.refresh_from_db()
    assert disbursed.outstanding_principal == 49_000_000


def test_a_repayment_value_dated_in_the_future_is_refused_on_the_form(alice, disbursed):
    before = LoanTransaction.objects.count()
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = alice.post(
        loan_url("repay", disbursed),
        {"value_date": f"{tomorrow:%d/%m/%Y}", "principal": "1.000.000"},
    )
    assert response.status_code == 200
    assert "Ngày giá trị không được sau ngày hôm nay." in response.text
    assert response.context["form"].errors["value_date"]
    assert LoanTransaction.objects.count() == before


def test_a_reversal_needs_a_reason_and_then_reverses_the_entry(alice, disbursed):
    entry = LoanTransaction.objects.get(loan=disbursed)
    refused = alice.post(loan_url("reverse", disbursed), {"transaction": entry.pk, "reason": ""})
    assert refused.status_code == 200
    assert not LoanTransaction.objects.filter(reverses=entry).exists()

    response = alice.post(
        loan_url("reverse", disbursed), {"transaction": entry.pk, "reason": "Nhập nhầm số tiền"}
    )
    assert response.status_code == 302
    reversal = LoanTransaction.objects.get(reverses=entry)
    assert (reversal.kind, reversal.note) == ("reversal", "Nhập nhầm số tiền")
    disbursed.refresh_from_db()
    assert disbursed.outstanding_principal == 0


# --- approval --------------------------------------------------------------------------------


def approval_form(household, **changes) -> dict:
    form = {
        "borrower": household.pk,
        "programme": programme("HN").pk,
        "amount": "30.000.000",
        "term_months": "36",
        "principal_frequency_months": "6",
        "approved_on": "02/01/2024",
    }
    return {**form, **changes}


def test_approving_a_loan_in_the_admin_goes_through_the_service(alice, cast, household):
    response = alice.post(reverse("admin:loans_loan_add"), approval_form(household))
    assert response.status_code == 302
    loan = Loan.objects.get(borrower=household)
    assert (loan.approved_amount, loan.approved_on) == (30_000_000, date(2024, 1, 2))
    assert loan.office == cast.van_quan and loan.due_day == 21
    assert loan.created_by == cast.alice


def test_approving_a_loan_above_the_programme_cap_shows_an_error(alice, household):
    before = Loan.objects.count()
    response = alice.post(
        reverse("admin:loans_loan_add"), approval_form(household, amount="150.000.000")
    )
    assert response.status_code == 200
    assert "vượt mức cho vay tối đa 100.000.000 đồng" in response.text
    assert response.context["form"].errors["amount"]
    assert Loan.objects.count() == before


def test_an_officer_cannot_approve_a_loan_for_another_offices_household(alice, bac_son_household):
    response = alice.post(reverse("admin:loans_loan_add"), approval_form(bac_son_household))
    assert response.status_code == 200
    assert response.context["form"].errors["borrower"]
    assert not Loan.objects.filter(borrower=bac_son_household).exists()


# --- the loan page ---------------------------------------------------------------------------


def test_the_loan_page_shows_amounts_schedule_journal_and_position(alice, disbursed):
    response = alice.get(loan_url("change", disbursed))
    assert response.status_code == 200
    assert "50.000.000 ₫" in response.text
    # 15/03/2024 + 6 months on the point's session day 21: the first instalment, 36 / 6 = 6
    # instalments of 50,000,000 / 6 = 8,333,333 rounded down to 8,333,000.
    assert "21/09/2024" in response.text
    assert "8.333.000 ₫" in response.text
    assert "Gốc quá hạn" in response.text  # the position block
    assert loan_url("repay", disbursed) in response.text
    assert loan_url("reverse", disbursed) in response.text


def test_the_position_can_be_seen_as_of_any_day(alice, disbursed):
    response = alice.get(loan_url("position", disbursed), {"as_of": "21/10/2024"})
    assert response.status_code == 200
    assert "21/10/2024" in response.text
    # The 21/09/2024 instalment of 8,333,000 is unpaid: 31 days past due on 21/10/2024.
    assert "8.333.000 ₫" in response.text


# --- borrowers -------------------------------------------------------------------------------


def borrower_form(**changes) -> dict:
    form = {
        "full_name": "Lường Thị Mai",
        "national_id": "020123456789",
        "date_of_birth": "17/05/1990",
        "gender": "female",
        "ethnicity": "Tày",
        "household_category": "poor",
        "village": "Thôn Nà Lầu",
    }
    return {**form, **changes}


def test_a_household_takes_its_point_and_office_from_its_group(alice, cast, household):
    group = household.savings_group
    response = alice.post(
        reverse("admin:borrowers_borrower_add"), borrower_form(savings_group=group.pk)
    )
    assert response.status_code == 302
    created = Borrower.objects.get(national_id="020123456789")
    assert created.transaction_point == group.transaction_point
    assert created.office == cast.van_quan
    assert created.date_of_birth == date(1990, 5, 17)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"national_id": "02012345678"}, "national_id", "Số CCCD phải gồm đúng 12 chữ số."),
        ({"national_id": "０２０１２３４５６７８９"}, "national_id", "đúng 12 chữ số"),
        ({"date_of_birth": "01/01/2015"}, "date_of_birth", "phải đủ 18 tuổi"),
    ],
)
def test_it_refuses_a_minor_or_a_malformed_citizen_id(alice, household, changes, field, message):
    form = borrower_form(savings_group=household.savings_group_id, **changes)
    response = alice.post(reverse("admin:borrowers_borrower_add"), form)
    assert response.status_code == 200
    assert message in str(response.context["adminform"].form.errors[field])
    assert not Borrower.objects.filter(full_name="Lường Thị Mai").exists()


def test_officers_read_programmes_and_the_branch_edits_them(client, cast):
    url = reverse("admin:programmes_programme_change", args=[programme("HN").pk])
    client.force_login(cast.alice)
    assert 'name="code"' not in client.get(url).text
    assert client.post(url, {"code": "XX"}).status_code == 403
    client.force_login(cast.carol)
    assert 'name="code"' in client.get(url).text


# --- the money field -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("1234567", 1_234_567), ("1.234.567", 1_234_567), ("1.234.567 ₫", 1_234_567)],
)
def test_the_money_field_accepts_vietnamese_grouping(typed, expected):
    assert MoneyField().clean(typed) == expected


@pytest.mark.parametrize("typed", ["1.234,5", "12.34", "abc", "1.234.56", "1.234,567", "١٢٣"])
def test_the_money_field_refuses_fractions_and_garbage(typed):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        MoneyField().clean(typed)


def test_the_admin_is_vietnamese_first_and_switches_to_english(client, cast):
    client.force_login(cast.carol)
    page = client.get("/admin/").content.decode()
    assert 'lang="vi"' in page and "Thoát" in page

    client.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    page = client.get("/admin/").content.decode()
    assert 'lang="en"' in page and "Log out" in page
