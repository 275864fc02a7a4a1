"""Groups are entered in the admin only; it checks them through borrowers.services."""

import pytest
from django.urls import reverse

from borrowers.models import SavingsGroup
from tests.conftest import approved_loan
from tests.factories import PointFactory

from .test_admin_and_api_agree import change_form, form_errors


@pytest.fixture
def carol(client, cast):
    client.force_login(cast.carol)
    return client


def group_url(group: SavingsGroup) -> str:
    return reverse("admin:borrowers_savingsgroup_change", args=[group.pk])


def test_a_group_moved_to_another_office_in_the_admin_takes_its_members(carol, cast, household):
    group, point = household.savings_group, PointFactory(office=cast.bac_son)
    url = group_url(group)
    assert carol.post(url, change_form(carol, url, transaction_point=point.pk)).status_code == 302
    household.refresh_from_db()
    assert (household.transaction_point, household.office) == (point, cast.bac_son)


def test_the_admin_keeps_a_group_whose_members_borrow_in_its_office(carol, cast, household):
    approved_loan(household, "HN", amount=20_000_000, term=24, by=cast.alice)
    url = group_url(household.savings_group)
    point = PointFactory(office=cast.bac_son)
    response = carol.post(url, change_form(carol, url, transaction_point=point.pk))
    assert form_errors(response, "transaction_point") == [
        "Tổ có hộ đang vay: không chuyển sang điểm giao dịch của phòng giao dịch khác."
    ]


@pytest.mark.parametrize("field", ["name", "village", "leader"])
def test_the_admin_refuses_a_group_name_with_an_invisible_character(carol, household, field):
    url = group_url(household.savings_group)
    response = carol.post(url, change_form(carol, url, **{field: "Tổ\u2066 1"}))
    assert form_errors(response, field)[0].startswith("Tên không được chứa ký tự điều khiển")


def test_the_admin_stores_a_group_leader_in_one_normal_form(carol, household):
    url = group_url(household.savings_group)
    carol.post(url, change_form(carol, url, leader="  Hoàng   Văn Tổ "))
    household.savings_group.refresh_from_db()
    assert household.savings_group.leader == "Hoàng Văn Tổ"


def test_a_group_registered_in_the_admin_goes_through_the_service(carol, cast, household):
    point = household.savings_group.transaction_point
    form = {
        "code": "T-NL-02",
        "name": " Tổ  TK&VV thôn Nà Lầu 2",
        "association": household.savings_group.association_id,
        "transaction_point": point.pk,
        "village": "Nà Lầu",
        "leader": "Hoàng Thị Tổ",
        "is_active": "on",
    }
    response = carol.post(reverse("admin:borrowers_savingsgroup_add"), form)
    assert response.status_code == 302
    created = SavingsGroup.objects.get(code="T-NL-02")
    assert created.name == "Tổ TK&VV thôn Nà Lầu 2"
    assert created.history.get().history_user == cast.carol
