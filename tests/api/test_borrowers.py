"""Households through the API: what a registration must carry, and what the server decides."""

from datetime import timedelta

import pytest
from django.utils import timezone

from borrowers.models import Borrower
from tests.factories import PointFactory, SavingsGroupFactory

from .conftest import API

TODAY = timezone.localdate()  # the branch's day (Asia/Ho_Chi_Minh), as the server sees it
TOMORROW = (TODAY + timedelta(days=1)).isoformat()
SEVENTEEN_YEARS_AGO = (TODAY - timedelta(days=17 * 365)).isoformat()


@pytest.fixture
def group(cast):
    return SavingsGroupFactory(transaction_point=PointFactory(office=cast.van_quan))


def household(group, **changes) -> dict:
    return {
        "full_name": "Vi Văn Thắng",
        "national_id": "020188004455",
        "date_of_birth": "1988-04-12",
        "gender": "male",
        "ethnicity": "Nùng",
        "household_category": "near_poor",
        "savings_group": group.pk,
        "village": "Bản Piềng",
        **changes,
    }


def test_it_registers_a_household_in_the_groups_office_and_point(cast, alice_api, group):
    response = alice_api.post(f"{API}/borrowers/", household(group), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["office"] == cast.van_quan.pk
    assert body["transaction_point"] == group.transaction_point_id
    assert Borrower.objects.get(pk=body["id"]).office_id == cast.van_quan.pk


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"national_id": "02018800445"}, "national_id"),  # 11 digits
        ({"national_id": "02018800445X"}, "national_id"),
        ({"national_id": "０２０１８８００４４５５"}, "national_id"),  # full-width digits
        ({"date_of_birth": TOMORROW}, "date_of_birth"),
        ({"date_of_birth": SEVENTEEN_YEARS_AGO}, "date_of_birth"),
        ({"gender": "other"}, "gender"),
        ({"ethnicity": "Tay"}, "ethnicity"),  # the official name is "Tày"
        ({"household_category": "rich"}, "household_category"),
        ({"savings_group": None}, "savings_group"),
        ({"village": ""}, "village"),
    ],
)
def test_it_rejects_an_invalid_household(alice_api, group, changes, field):
    response = alice_api.post(f"{API}/borrowers/", household(group, **changes), format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_a_citizen_id_is_registered_once_across_offices(cast, alice_api, bob_api, group):
    assert alice_api.post(f"{API}/borrowers/", household(group), format="json").status_code == 201
    other_group = SavingsGroupFactory(transaction_point=PointFactory(office=cast.bac_son))
    response = bob_api.post(f"{API}/borrowers/", household(other_group), format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["national_id"]


def test_an_adult_turns_eighteen_on_the_birthday(alice_api, group):
    today = timezone.localdate()
    try:
        birthday = today.replace(year=today.year - 18)
    except ValueError:  # 29 February
        birthday = today.replace(year=today.year - 18, day=28)
    response = alice_api.post(
        f"{API}/borrowers/", household(group, date_of_birth=birthday.isoformat()), format="json"
    )
    assert response.status_code == 201, response.json()


def test_server_owned_fields_cannot_be_written(cast, alice_api, group):
    created = alice_api.post(f"{API}/borrowers/", household(group), format="json").json()
    response = alice_api.patch(
        f"{API}/borrowers/{created['id']}/",
        {"office": cast.bac_son.pk, "transaction_point": 1, "full_name": "Vi Văn Thành"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["office"] == cast.van_quan.pk
    assert response.json()["full_name"] == "Vi Văn Thành"


def test_moving_to_a_group_follows_its_point(cast, alice_api, group):
    created = alice_api.post(f"{API}/borrowers/", household(group), format="json").json()
    other = SavingsGroupFactory(transaction_point=PointFactory(office=cast.van_quan))
    response = alice_api.patch(
        f"{API}/borrowers/{created['id']}/", {"savings_group": other.pk}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["transaction_point"] == other.transaction_point_id


def test_a_household_with_loans_stays_in_its_office(cast, carol_api, sites):
    borrower = sites["van_quan"].borrower
    response = carol_api.patch(
        f"{API}/borrowers/{borrower.pk}/",
        {"savings_group": sites["bac_son"].group.pk},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["savings_group"]


def test_messages_follow_accept_language(alice_api, group):
    bad = household(group, full_name="")
    english = alice_api.post(
        f"{API}/borrowers/", bad, format="json", headers={"Accept-Language": "en"}
    )
    vietnamese = alice_api.post(
        f"{API}/borrowers/", bad, format="json", headers={"Accept-Language": "vi"}
    )
    assert english.json()["full_name"] == ["This field may not be blank."]
    assert vietnamese.json()["full_name"] != english.json()["full_name"]


def test_borrowers_cannot_be_deleted(sites, carol_api):
    response = carol_api.delete(f"{API}/borrowers/{sites['van_quan'].borrower.pk}/")
    assert response.status_code == 405


def test_a_reader_without_the_add_permission_cannot_register(cast, alice_api, group):
    cast.alice.user_permissions.remove(*cast.alice.user_permissions.filter(codename="add_borrower"))
    response = alice_api.post(f"{API}/borrowers/", household(group), format="json")
    assert response.status_code == 403
