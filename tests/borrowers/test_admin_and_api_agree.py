"""The admin and the API refuse the same mistake with the same message, and place a household
the same way: both go through borrowers.services (one rule, one message)."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from borrowers.models import Borrower
from tests.api.conftest import API, token_client
from tests.conftest import approved_loan
from tests.factories import BorrowerFactory, PointFactory, SavingsGroupFactory

TODAY = timezone.localdate()
ADD = reverse("admin:borrowers_borrower_add")


def household(group, **changes) -> dict:
    return {
        "full_name": "Lường Thị Mai",
        "national_id": "020123456789",
        "date_of_birth": date(1990, 5, 17),
        "gender": "female",
        "ethnicity": "Tày",
        "household_category": "poor",
        "village": "Thôn Nà Lầu",
        "savings_group": group.pk,
        **changes,
    }


def as_form(data: dict) -> dict:
    """The admin's form posts dates as the officer types them (dd/mm/yyyy)."""
    return {k: f"{v:%d/%m/%Y}" if isinstance(v, date) else v for k, v in data.items()}


def as_json(data: dict) -> dict:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in data.items()}


def form_errors(response, field: str) -> list[str]:
    assert response.status_code == 200, "the admin saved what it should refuse"
    return list(response.context["adminform"].form.errors[field])


def api_errors(response, field: str) -> list[str]:
    assert response.status_code == 400, response.content
    return response.json()[field]


@pytest.fixture
def group(cast):
    return SavingsGroupFactory(transaction_point=PointFactory(office=cast.van_quan))


@pytest.fixture
def admin_client(client, cast):
    client.force_login(cast.alice)
    return client


@pytest.fixture
def api(cast):
    return token_client(cast.alice)


def both_refuse(admin_client, api, data: dict, field: str) -> str:
    """Post the same registration to the admin and the API; the same one message on `field`."""
    on_form = form_errors(admin_client.post(ADD, as_form(data)), field)
    on_api = api_errors(api.post(f"{API}/borrowers/", as_json(data), format="json"), field)
    assert on_form == on_api
    assert not Borrower.objects.filter(full_name=data["full_name"]).exists()
    return on_form[0]


# --- the citizen ID ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "national_id",
    ["02012345678", "0201234567890", "02012345678X", "０２０１２３４５６７８９"],
)
def test_a_malformed_citizen_id_gets_one_message(admin_client, api, group, national_id):
    message = both_refuse(
        admin_client, api, household(group, national_id=national_id), "national_id"
    )
    assert message == "Số CCCD phải gồm đúng 12 chữ số."


def test_a_citizen_id_registered_elsewhere_gets_one_message(cast, admin_client, api, group):
    other = SavingsGroupFactory(transaction_point=PointFactory(office=cast.bac_son))
    BorrowerFactory(savings_group=other, national_id="020123456789")
    message = both_refuse(admin_client, api, household(group), "national_id")
    assert message == "Số CCCD này đã được đăng ký cho một hộ vay khác."


# --- the representative's age -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "expected"),
    [
        (TODAY - timedelta(days=17 * 365), "Người đại diện hộ vay phải đủ 18 tuổi trở lên."),
        (TODAY + timedelta(days=1), "Ngày sinh không được sau ngày hôm nay."),
        (date(1899, 12, 31), "Ngày sinh không hợp lệ."),
    ],
)
def test_an_impossible_representative_gets_one_message(admin_client, api, group, born, expected):
    message = both_refuse(admin_client, api, household(group, date_of_birth=born), "date_of_birth")
    assert message == expected


# --- names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "typed"),
    [("full_name", "Lường\u202eThị Mai"), ("village", "Thôn\u200bNà Lầu")],
)
def test_a_name_with_an_invisible_character_gets_one_message(
    admin_client, api, group, field, typed
):
    message = both_refuse(admin_client, api, household(group, **{field: typed}), field)
    assert message.startswith("Tên không được chứa ký tự điều khiển")


def test_both_store_a_name_in_one_normal_form(admin_client, api, group):
    typed = {"full_name": " Lường  Thị\u00a0Mai ", "village": "Tho\u0302n Na\u0300 La\u0302\u0300u"}
    admin_client.post(ADD, as_form(household(group, **typed)))
    api.post(
        f"{API}/borrowers/",
        as_json(household(group, national_id="020123456780", **typed)),
        format="json",
    )
    stored = Borrower.objects.filter(full_name="Lường Thị Mai", village="Thôn Nà Lầu")
    assert stored.count() == 2


# --- office and point follow the group --------------------------------------------------------


def test_both_place_a_household_at_its_groups_point_and_office(cast, admin_client, api, group):
    elsewhere = PointFactory(office=cast.van_quan).pk
    admin_client.post(ADD, as_form(household(group, transaction_point=elsewhere)))
    body = household(group, national_id="020123456780", transaction_point=elsewhere)
    api.post(f"{API}/borrowers/", as_json(body), format="json")
    placed = Borrower.objects.values_list("transaction_point", "office")
    assert list(placed) == [(group.transaction_point_id, cast.van_quan.pk)] * 2


# --- a household with loans stays in its office -----------------------------------------------


def change_form(client, url: str, **changes) -> dict:
    """A change page's form as the admin renders it, with `changes` typed in."""
    page = client.get(url)
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data |= {
            management.add_prefix(name): management[name].value() for name in management.fields
        }
    data |= changes
    return as_form({k: "" if v is None else v for k, v in data.items()})


def test_a_household_with_loans_stays_in_its_office_in_both(client, cast, household):
    approved_loan(household, "HN", amount=20_000_000, term=24, by=cast.alice)
    elsewhere = SavingsGroupFactory(transaction_point=PointFactory(office=cast.bac_son))
    client.force_login(cast.carol)  # branch level: sees, and may choose, every office's groups
    url = reverse("admin:borrowers_borrower_change", args=[household.pk])
    on_form = form_errors(
        client.post(url, change_form(client, url, savings_group=elsewhere.pk)),
        "savings_group",
    )
    on_api = api_errors(
        token_client(cast.carol).patch(
            f"{API}/borrowers/{household.pk}/", {"savings_group": elsewhere.pk}, format="json"
        ),
        "savings_group",
    )
    assert on_form == on_api == ["Hộ đang có khoản vay: không chuyển sang phòng giao dịch khác."]
    household.refresh_from_db()
    assert household.office == cast.van_quan


def test_a_household_without_loans_moves_with_its_group_in_both(client, cast, household):
    elsewhere = SavingsGroupFactory(transaction_point=PointFactory(office=cast.bac_son))
    client.force_login(cast.carol)
    url = reverse("admin:borrowers_borrower_change", args=[household.pk])
    response = client.post(url, change_form(client, url, savings_group=elsewhere.pk))
    assert response.status_code == 302
    household.refresh_from_db()
    assert (household.transaction_point, household.office) == (
        elsewhere.transaction_point,
        cast.bac_son,
    )
    back_home = SavingsGroupFactory(transaction_point=PointFactory(office=cast.van_quan))
    response = token_client(cast.carol).patch(
        f"{API}/borrowers/{household.pk}/", {"savings_group": back_home.pk}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["transaction_point"] == back_home.transaction_point_id
    assert response.json()["office"] == cast.van_quan.pk
