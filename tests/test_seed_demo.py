"""seed_demo and create_demo_logins: the Lạng Sơn organisation, households whose loans are posted
through the services, and both commands safe to run twice."""

import io
import re
from collections import defaultdict
from datetime import date

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction

from borrowers.models import (
    AdministrativeUnit,
    Association,
    Borrower,
    SavingsGroup,
    TransactionOffice,
    TransactionPoint,
)
from loans.models import Loan, LoanFreeze, LoanStatus, LoanTransaction
from loans.selectors import positions
from tasks.synthetic import demo

AS_OF = date(2026, 11, 28)
KINDS = {
    "disbursement": "disbursed_total",
    "principal_repayment": "principal_repaid_total",
    "write_off": "written_off_total",
    "interest_payment": "interest_paid_total",
    "interest_write_off": "interest_written_off_total",
}


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def table_counts() -> dict[str, int]:
    """Rows in every table, history tables included."""
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


# --- organisation ----------------------------------------------------------------------------


def seeded_once(django_db_blocker, **options):
    """Seed once for a test class, inside a transaction rolled back when the class is done."""
    with django_db_blocker.unblock(), transaction.atomic():
        seed(**options)
        yield
        transaction.set_rollback(True)


@pytest.fixture(scope="class")
def organisation(django_db_setup, django_db_blocker):
    yield from seeded_once(django_db_blocker, borrowers=0)


@pytest.mark.usefixtures("organisation")
class TestOrganisation:
    def test_it_has_the_offices_points_groups_and_associations_but_no_borrowers(self, db):
        assert TransactionOffice.objects.count() == 11
        assert TransactionPoint.objects.count() == 194
        assert Borrower.objects.count() == 0
        assert 250 <= SavingsGroup.objects.count() <= 350
        levels = defaultdict(int)
        for level in Association.objects.values_list("level", flat=True):
            levels[level] += 1
        # 4 kinds: central and province once, district per office (11), commune per point (194).
        assert levels == {"central": 4, "province": 4, "district": 44, "commune": 776}
        khang_chien = TransactionPoint.objects.get(commune__name="Xã Kháng Chiến")
        assert khang_chien.session_day == 21
        assert khang_chien.office.code == "TDI"

    def test_former_communes_point_to_the_commune_that_took_them_over(self, db):
        units = AdministrativeUnit.objects
        assert units.get(level="province").name == "Tỉnh Lạng Sơn"
        assert units.filter(level="district", valid_to=date(2025, 6, 30)).count() == 11
        former = units.filter(level="commune", valid_to=date(2025, 6, 30))
        assert former.count() == 194
        assert not former.filter(successor__isnull=True).exists()
        assert units.filter(level="commune", valid_from=date(2025, 7, 1)).count() == 65
        codes = units.values_list("code", flat=True)
        assert all(re.fullmatch(r"[a-z0-9-]{1,20}", code) for code in codes)
        long_dong = TransactionPoint.objects.get(commune__name="Xã Long Đống")
        assert long_dong.commune.parent.name == "Huyện Bắc Sơn"
        assert long_dong.commune.current().valid_to is None

    def test_groups_are_managed_by_a_commune_association_of_their_point(self, db):
        for group in SavingsGroup.objects.select_related("association"):
            assert group.association.level == "commune"
            assert group.association.transaction_point_id == group.transaction_point_id
            assert group.village and group.leader

    def test_loading_it_again_changes_nothing(self, db):
        before = table_counts()

        seed(borrowers=0)

        assert table_counts() == before


# --- households and their loans --------------------------------------------------------------


@pytest.fixture(scope="class")
def seeded_30(django_db_setup, django_db_blocker):
    yield from seeded_once(django_db_blocker, borrowers=30)


@pytest.mark.usefixtures("seeded_30")
class TestThirtyHouseholds:
    def test_households_have_valid_unique_citizen_ids(self, db):
        borrowers = list(Borrower.objects.all())
        assert len(borrowers) == 30
        assert len({b.national_id for b in borrowers}) == 30
        for b in borrowers:
            assert re.fullmatch(r"020\d{9}", b.national_id)
            # 4th digit: gender and century (0/1 born 19xx, 2/3 born 20xx; odd = female).
            century_digit = int(b.national_id[3])
            assert century_digit % 2 == (b.gender == "female")
            born = 1900 + 100 * (century_digit // 2) + int(b.national_id[4:6])
            assert born == b.date_of_birth.year
            assert 20 <= AS_OF.year - b.date_of_birth.year <= 70
            assert b.savings_group.transaction_point_id == b.transaction_point_id
            assert b.transaction_point.office_id == b.office_id

    def test_loans_span_programmes_including_decree_28(self, db):
        loans = Loan.objects.select_related("programme", "borrower", "transaction_point")
        assert len({loan.programme.code for loan in loans}) >= 4
        decree_28 = [loan for loan in loans if loan.programme.is_decree_28]
        assert decree_28
        for loan in decree_28:
            assert loan.borrower.household_category == "poor"
            assert loan.approved_list_ref and loan.approved_list_date
        for loan in loans:
            assert loan.approved_amount % 1_000_000 == 0
            assert loan.term_months <= loan.programme.max_term_months
            assert loan.due_day == loan.transaction_point.session_day
            assert date(2021, 1, 1) <= loan.first_disbursed_on <= date(2026, 9, 30)

    def test_some_are_overdue_and_those_who_pay_on_time_owe_nothing(self, db):
        frame = positions(Loan.objects.all(), as_of=AS_OF).set_index("loan_id")
        assert (frame["overdue_principal"] > 0).any()
        for loan in Loan.objects.all():
            index = int(loan.contract_number.split("-")[1]) - 1
            if demo.behaviour_of(index) == "on_time":
                row = frame.loc[loan.pk]
                assert (row["overdue_principal"], row["interest_arrears"]) == (0, 0), loan

    def test_cached_balances_equal_the_journal(self, db):
        sums: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        entries = LoanTransaction.objects.values_list("loan_id", "kind", "amount", "reverses__kind")
        for loan_id, kind, amount, reversed_kind in entries:
            if kind == "reversal":
                sums[loan_id][KINDS[reversed_kind]] -= amount
            elif kind in KINDS:
                sums[loan_id][KINDS[kind]] += amount
        for loan in Loan.objects.all():
            for field in KINDS.values():
                assert getattr(loan, field) == sums[loan.pk][field], (loan, field)
            expected = loan.disbursed_total - loan.principal_repaid_total - loan.written_off_total
            assert loan.outstanding_principal == expected
        assert not LoanTransaction.objects.filter(value_date__gt=AS_OF).exists()

    def test_they_include_a_reversal_a_freeze_and_a_write_off(self, db):
        assert LoanTransaction.objects.filter(kind="reversal").exists()
        assert LoanFreeze.objects.exists()
        assert Loan.objects.filter(status=LoanStatus.FROZEN).exists()
        assert Loan.objects.filter(status=LoanStatus.WRITTEN_OFF).exists()

    def test_seeding_them_again_changes_nothing(self, db):
        before = table_counts()

        output = seed(borrowers=30)

        assert table_counts() == before
        assert "Hộ vay mới: 0" in output
        assert re.search(r"Dư nợ\s+\d{1,3}(\.\d{3})+ ₫", output)


# --- logins ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("organisation")
class TestDemoLogins:
    def test_they_are_created_once_with_their_offices(self, db, monkeypatch):
        monkeypatch.delenv("DEMO_PASSWORD", raising=False)
        out = io.StringIO()
        call_command("create_demo_logins", stdout=out)
        call_command("create_demo_logins", stdout=out)

        users = get_user_model().objects
        assert users.filter(username="admin").count() == 1
        admin = users.get(username="admin")
        # No DEMO_PASSWORD: a new random password each run, printed (the last run's holds).
        printed = re.findall(r"user: admin  password: (\S+)", out.getvalue())
        assert len(printed) == 2 and printed[0] != printed[1]
        assert admin.is_superuser and admin.check_password(printed[-1])
        van_quan = users.get(username="canbo.vanquan")
        assert van_quan.staff_profile.office.code == "VQU"
        assert users.get(username="canbo.bacson").staff_profile.office.code == "BSO"
        assert van_quan.is_staff and van_quan.has_perm("loans.add_loantransaction")
        assert van_quan.has_perm("programmes.view_programme")
        assert not van_quan.has_perm("programmes.change_programme")
        analyst = users.get(username="phantich.tinh")
        assert analyst.staff_profile.office is None
        assert analyst.has_perm("loans.view_loan") and not analyst.has_perm("loans.add_loan")

    def test_the_password_comes_from_the_environment(self, db, monkeypatch):
        monkeypatch.setenv("DEMO_PASSWORD", "mat-khau-rieng-123")
        call_command("create_demo_logins", stdout=io.StringIO())

        user = get_user_model().objects.get(username="canbo.bacson")
        assert user.check_password("mat-khau-rieng-123")

    def test_officers_record_applications_and_the_analyst_reads_them(self, db):
        call_command("create_demo_logins", stdout=io.StringIO())
        users = get_user_model().objects
        officer = users.get(username="canbo.vanquan")
        assert officer.has_perm("origination.add_loanapplication")
        assert officer.has_perm("origination.change_loanapplication")
        assert not officer.has_perm("origination.decide_loanapplication")  # the director's
        analyst = users.get(username="phantich.tinh")
        assert analyst.has_perm("origination.view_loanapplication")
        assert not analyst.has_perm("origination.add_loanapplication")


# --- the whole book: generated in bulk, the first households through the services ------------


@pytest.fixture(scope="class")
def seeded_book(django_db_setup, django_db_blocker):
    # 100 households: the 40 of the plan through the services, 60 from the generator.
    yield from seeded_once(django_db_blocker, borrowers=100)


@pytest.mark.usefixtures("seeded_book")
class TestBook:
    def test_it_has_the_households_asked_for_in_every_office(self, db):
        from tasks.synthetic.demo.book import SERVICE_HOUSEHOLDS

        assert Borrower.objects.count() == 100
        posted = Borrower.objects.filter(national_id__startswith="020")
        assert posted.count() == SERVICE_HOUSEHOLDS == 40
        # The generated households are drawn into every group, so every office has some.
        offices = set(Borrower.objects.values_list("office__code", flat=True))
        assert len(offices) >= 9

    def test_cached_balances_equal_the_journal_for_generated_and_posted_loans(self, db):
        from tasks.synthetic.generator import journal_mismatches

        assert journal_mismatches() == 0
        assert not LoanTransaction.objects.filter(value_date__gt=AS_OF).exists()

    def test_the_posted_households_include_an_extension(self, db):
        from loans.models import ScheduleVersion

        extended = ScheduleVersion.objects.get(reason="extension")
        assert extended.loan.borrower.national_id.startswith("020")
        assert extended.effective_from == date(2026, 11, 21)  # a week before the history ends

    def test_seeding_it_again_adds_nothing(self, db):
        before = table_counts()

        output = seed(borrowers=100)

        assert table_counts() == before
        assert "Hộ vay mới: 0" in output
