"""Every household and group rule at its one home, borrowers.services."""

from datetime import date

import pytest

from borrowers import services
from borrowers.models import Borrower
from borrowers.services import HouseholdError
from tests.conftest import approved_loan
from tests.factories import AssociationFactory, PointFactory, SavingsGroupFactory

MALFORMED_ID = "Số CCCD phải gồm đúng 12 chữ số."
MINOR = "Người đại diện hộ vay phải đủ 18 tuổi trở lên."
STAYS = "Hộ đang có khoản vay: không chuyển sang phòng giao dịch khác."


def fields(group, **changes) -> dict:
    return {
        "full_name": "Vi Văn Thắng",
        "national_id": "020188004455",
        "date_of_birth": date(1988, 4, 12),
        "gender": "male",
        "ethnicity": "Nùng",
        "household_category": "near_poor",
        "village": "Bản Piềng",
        "savings_group": group,
        **changes,
    }


@pytest.fixture
def bac_son_group(cast):
    return SavingsGroupFactory(transaction_point=PointFactory(office=cast.bac_son))


def refused(call, *args, **kwargs) -> HouseholdError:
    with pytest.raises(HouseholdError) as raised:
        call(*args, **kwargs)
    return raised.value


# --- the citizen ID ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "national_id",
    [
        "02018800445",  # 11 digits
        "0201880044556",  # 13 digits
        "02018800445X",
        "０２０１８８００４４５５",  # full-width digits
        "٠٢٠١٨٨٠٠٤٤٥٥",  # Arabic-Indic digits (str.isdigit says yes)
        "020188004455\n",
        "",
    ],
)
def test_a_citizen_id_is_twelve_ascii_digits(db, national_id):
    error = refused(services.clean_national_id, national_id)
    assert (error.field, error.message) == ("national_id", MALFORMED_ID)


def test_a_citizen_id_names_one_household_in_the_whole_bank(cast, household, bac_son_group):
    error = refused(
        services.register_household,
        by=cast.bob,
        **fields(bac_son_group, national_id=household.national_id),
    )
    assert error.field == "national_id"
    assert error.message == "Số CCCD này đã được đăng ký cho một hộ vay khác."


def test_a_household_keeps_its_own_citizen_id_when_corrected(cast, household):
    assert services.clean_national_id(household.national_id, borrower=household)
    services.update_household(household, by=cast.alice, national_id=household.national_id)


# --- the representative's age ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "today", "adult"),
    [
        (date(2006, 5, 17), date(2024, 5, 17), True),  # 18 on the birthday
        (date(2006, 5, 18), date(2024, 5, 17), False),  # 18 tomorrow
        (date(2004, 2, 29), date(2022, 2, 28), False),  # born on 29/02: 18 on 01/03
        (date(2004, 2, 29), date(2022, 3, 1), True),
    ],
)
def test_the_representative_is_an_adult_from_the_eighteenth_birthday(born, today, adult):
    if adult:
        assert services.clean_date_of_birth(born, today=today) == born
    else:
        error = refused(services.clean_date_of_birth, born, today=today)
        assert (error.field, error.message) == ("date_of_birth", MINOR)


@pytest.mark.parametrize(
    ("born", "message"),
    [
        (date(2024, 5, 18), "Ngày sinh không được sau ngày hôm nay."),
        (date(1899, 12, 31), "Ngày sinh không hợp lệ."),
    ],
)
def test_a_date_of_birth_is_neither_future_nor_before_1900(born, message):
    error = refused(services.clean_date_of_birth, born, today=date(2024, 5, 17))
    assert (error.field, error.message) == ("date_of_birth", message)


# --- office and point follow the group ---------------------------------------------------------


def test_a_household_takes_its_groups_point_and_office(cast, bac_son_group):
    elsewhere = PointFactory(office=cast.van_quan)
    borrower = services.register_household(
        by=cast.bob, **fields(bac_son_group, transaction_point=elsewhere)
    )
    assert borrower.transaction_point == bac_son_group.transaction_point
    assert borrower.office == cast.bac_son
    assert borrower.history.get().history_user == cast.bob  # the audit row names who


def test_a_household_without_a_group_names_its_point(cast):
    point = PointFactory(office=cast.van_quan)
    borrower = services.register_household(by=cast.alice, **fields(None, transaction_point=point))
    assert (borrower.transaction_point, borrower.office) == (point, cast.van_quan)


def test_a_household_needs_a_group_or_a_point(cast):
    error = refused(services.register_household, by=cast.alice, **fields(None))
    assert error.field == "transaction_point"
    assert error.message == "Chọn tổ TK&VV, hoặc điểm giao dịch nếu hộ vay trực tiếp."


def test_a_household_without_loans_moves_office_with_its_new_group(cast, household, bac_son_group):
    moved = services.update_household(household, by=cast.carol, savings_group=bac_son_group)
    assert (moved.office, moved.transaction_point) == (
        cast.bac_son,
        bac_son_group.transaction_point,
    )


# --- a household with loans stays in its office ------------------------------------------------


def test_a_household_with_loans_stays_in_its_office(cast, household, bac_son_group):
    approved_loan(household, "HN", amount=20_000_000, term=24, by=cast.alice)
    error = refused(
        services.update_household, household, by=cast.carol, savings_group=bac_son_group
    )
    assert (error.field, error.message) == ("savings_group", STAYS)
    household.refresh_from_db()
    assert household.office == cast.van_quan


def test_a_direct_borrower_with_loans_stays_in_its_office(cast, household):
    approved_loan(household, "HN", amount=20_000_000, term=24, by=cast.alice)
    other_office = PointFactory(office=cast.bac_son)
    error = refused(
        services.update_household,
        household,
        by=cast.carol,
        savings_group=None,
        transaction_point=other_office,
    )
    assert (error.field, error.message) == ("transaction_point", STAYS)


def test_a_household_with_loans_may_change_group_within_its_office(cast, household):
    approved_loan(household, "HN", amount=20_000_000, term=24, by=cast.alice)
    group = SavingsGroupFactory(transaction_point=PointFactory(office=cast.van_quan))
    moved = services.update_household(household, by=cast.alice, savings_group=group)
    assert moved.transaction_point == group.transaction_point


# --- names ------------------------------------------------------------------------------------


def test_household_names_are_stored_in_one_normal_form(cast, bac_son_group):
    borrower = services.register_household(
        by=cast.bob,
        **fields(
            bac_son_group, full_name="  Vi   Văn\u00a0Thắng ", village="Ba\u0309n Piê\u0300ng"
        ),
    )
    borrower.refresh_from_db()
    assert (borrower.full_name, borrower.village) == ("Vi Văn Thắng", "Bản Piềng")


@pytest.mark.parametrize("field", ["full_name", "village"])
def test_a_household_name_with_an_invisible_character_is_refused(cast, household, field):
    error = refused(services.update_household, household, by=cast.alice, **{field: "Vi\u202eVăn"})
    assert error.field == field and error.code == "invalid_name"
    assert not Borrower.objects.filter(**{field: "Vi\u202eVăn"}).exists()


def test_only_a_households_own_fields_are_corrected(cast, household):
    with pytest.raises(TypeError):
        services.update_household(household, by=cast.alice, office=cast.bac_son)


# --- groups -----------------------------------------------------------------------------------


def test_group_names_are_normalised_and_checked(cast, household):
    group = household.savings_group
    services.update_savings_group(group, by=cast.carol, leader=" Hoàng  Văn Tổ ")
    group.refresh_from_db()
    assert group.leader == "Hoàng Văn Tổ"
    error = refused(services.update_savings_group, group, by=cast.carol, name="Tổ\u200b1")
    assert error.field == "name"


def test_a_group_moved_to_another_office_takes_its_members(cast, household):
    point = PointFactory(office=cast.bac_son)
    services.update_savings_group(household.savings_group, by=cast.carol, transaction_point=point)
    household.refresh_from_db()
    assert (household.transaction_point, household.office) == (point, cast.bac_son)
    assert household.history.first().history_user == cast.carol


def test_a_group_whose_members_borrow_stays_in_its_office(cast, household):
    approved_loan(household, "HN", amount=20_000_000, term=24, by=cast.alice)
    error = refused(
        services.update_savings_group,
        household.savings_group,
        by=cast.carol,
        transaction_point=PointFactory(office=cast.bac_son),
    )
    assert error.field == "transaction_point"
    household.refresh_from_db()
    assert household.office == cast.van_quan


def test_a_group_whose_members_borrow_may_move_within_its_office(cast, household):
    approved_loan(household, "HN", amount=20_000_000, term=24, by=cast.alice)
    point = PointFactory(office=cast.van_quan)
    services.update_savings_group(household.savings_group, by=cast.alice, transaction_point=point)
    household.refresh_from_db()
    assert household.transaction_point == point


def test_a_new_group_is_registered_with_normalised_names(cast):
    point = PointFactory(office=cast.van_quan)
    group = services.register_savings_group(
        by=cast.alice,
        code="T-NL-01",
        name=" Tổ  TK&VV thôn Nà Lầu ",
        association=AssociationFactory(),
        transaction_point=point,
        village="Nà Lầu",
        leader="Hoàng Văn Tổ",
    )
    assert group.name == "Tổ TK&VV thôn Nà Lầu"
    assert group.history.get().history_user == cast.alice
