"""The loan list: status, outstanding, overdue, days past due and bucket from the last
snapshot, filters on them, Vietnamese words for every status; the pickers' labels."""

from datetime import date

from django.urls import reverse

from loans.admin_columns import bucket_labels, bucket_words

from .conftest import browser

LOANS = "/admin/loans/loan/"


def listed(client, **params) -> list:
    response = client.get(LOANS, params)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def test_the_list_shows_the_last_nights_position_in_words(night, cast):
    # The HN loan at 31 Oct 2025: 8,333,000 overdue since its 10 Jul instalment:
    # 31 Oct - 10 Jul = 113 days, + 1 = 114 days past due, bucket 91-180.
    page = browser(cast.alice).get(LOANS).content.decode()
    assert "114" in page
    assert "Quá hạn 91–180 ngày" in page
    assert "8.333.000 ₫" in page
    assert "50.000.000 ₫" in page
    assert "Đang vay" in page  # the loan's status in words, never "active"
    assert ">overdue<" not in page and ">active<" not in page


def test_the_filters_on_the_snapshot(night, cast):
    client = browser(cast.alice)
    loans = night.loans
    assert listed(client, position="overdue") == [loans["overdue"]]
    assert listed(client, bucket="91-180") == [loans["overdue"]]
    assert set(listed(client, position="owing")) == {loans["overdue"], loans["housing"]}
    assert listed(client, position="current") == [loans["housing"]]
    bob = browser(cast.bob)
    assert listed(bob, position="frozen") == [loans["frozen"]]
    assert loans["overdue"] not in listed(bob, position="overdue")  # scoping holds


def test_the_due_filter_lists_loans_with_an_instalment_this_week(night, cast, monkeypatch):
    # Bắc Sơn's HN loan falls due 5,000,000 on 5 Nov 2025 (20,000,000 / 4, every 3 months
    # from 5 May); the week of Wednesday 5 Nov runs from 3 to 9 Nov.
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *args: date(2025, 11, 5))
    assert listed(browser(cast.bob), due="week") == [night.loans["land_hn"]]
    assert listed(browser(cast.alice), due="week") == []


def test_the_list_without_any_night_shows_dashes(book, cast):
    page = browser(cast.alice).get(LOANS)
    assert page.status_code == 200
    assert len(page.context["cl"].result_list) == 3


def test_every_bucket_has_words():
    assert bucket_labels() == ["current", "1-30", "31-90", "91-180", "181-360", ">360"]
    assert bucket_words("current") == "Trong hạn"
    assert bucket_words(">360") == "Quá hạn trên 360 ngày"


def test_pickers_name_a_group_by_code_village_and_point(book, cast):
    group = book.groups["tri_le"]
    point = book.points["tri_le"]
    response = browser(cast.alice).get(
        reverse("admin:autocomplete"),
        {
            "term": group.name[:4],
            "app_label": "borrowers",
            "model_name": "borrower",
            "field_name": "savings_group",
        },
    )
    assert response.status_code == 200
    texts = [row["text"] for row in response.json()["results"]]
    assert f"{group.code} – {group.name} – {group.village} – {point}" in texts


def test_pickers_name_a_household_by_citizen_id_village_and_point(book, cast):
    household = book.loans["overdue"].borrower
    response = browser(cast.alice).get(
        reverse("admin:autocomplete"),
        {
            "term": household.national_id,
            "app_label": "loans",
            "model_name": "loan",
            "field_name": "borrower",
        },
    )
    assert response.status_code == 200
    texts = [row["text"] for row in response.json()["results"]]
    expected = (
        f"{household.national_id} – {household.full_name} – {household.village} – "
        f"{household.transaction_point}"
    )
    assert texts == [expected]


def test_a_group_is_named_with_its_code(book):
    group = book.groups["tri_le"]
    assert str(group) == f"{group.code} – {group.name}"


def test_the_end_of_day_list_says_status_and_bucket_in_words(night, cast):
    client = browser(cast.alice)
    page = client.get("/admin/loans/positionsnapshot/", {"status": "overdue"})
    assert page.status_code == 200
    rows = list(page.context["cl"].result_list)
    # The HN loan, overdue at both month ends the job ran (30 Sep and 31 Oct 2025).
    assert {row.loan_id for row in rows} == {night.loans["overdue"].pk} and len(rows) == 2
    text = page.content.decode()
    assert "Quá hạn 91–180 ngày" in text and ">overdue<" not in text and ">91-180<" not in text
