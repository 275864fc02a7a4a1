"""Borrower (household) validation: the 12-digit citizen ID (CCCD), its uniqueness, and the 54
ethnic groups (DOMAIN.md §1). Forms and imports call full_clean(); the database refuses what
slips past them."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction

from borrowers.models import ETHNICITY_CHOICES, Borrower
from borrowers.reference_data import ETHNICITIES

from .factories import BorrowerFactory, PointFactory

VALID_ID = "020123456789"


@pytest.fixture
def applicant(db) -> Borrower:
    return BorrowerFactory.build(
        savings_group=None,
        transaction_point=(point := PointFactory()),
        office=point.office,
        national_id=VALID_ID,
    )


def errors(borrower: Borrower) -> dict:
    with pytest.raises(ValidationError) as caught:
        borrower.full_clean()
    return caught.value.message_dict


def raw_create(template: Borrower, **fields) -> Borrower:
    """Borrower.objects.create() with no validation, as a bulk import or a bug would."""
    values = {
        f.attname: getattr(template, f.attname)
        for f in Borrower._meta.concrete_fields
        if not f.primary_key and f.attname != "created_at"
    }
    return Borrower.objects.create(**(values | fields))


def test_a_valid_household_passes_full_clean(applicant):
    applicant.full_clean()
    applicant.save()


@pytest.mark.parametrize(
    "national_id",
    ["123", "02012345678", "0201234567890", "02012345678a", "020 12345678", "", "020123456789\n"],
    ids=["short", "11-digits", "13-digits", "letter", "space", "empty", "trailing-newline"],
)
def test_full_clean_requires_exactly_12_digits(applicant, national_id):
    applicant.national_id = national_id
    assert "national_id" in errors(applicant)


@pytest.mark.parametrize(
    "national_id", ["٠٢٠١٢٣٤٥٦٧٨٩", "０２０１２３４５６７８９"], ids=["arabic-indic", "fullwidth"]
)
def test_full_clean_refuses_digits_of_other_scripts(applicant, national_id):
    applicant.national_id = national_id
    assert "national_id" in errors(applicant)


@pytest.mark.parametrize("national_id", ["123", "02012345678a", "٠٢٠١٢٣٤٥٦٧٨٩"])
def test_the_database_refuses_an_id_that_is_not_12_digits(applicant, national_id):
    with pytest.raises(IntegrityError), transaction.atomic():
        raw_create(applicant, national_id=national_id)
    assert not Borrower.objects.exists()


def test_the_database_refuses_an_id_with_a_trailing_newline(applicant):
    with pytest.raises(DatabaseError), transaction.atomic():
        raw_create(applicant, national_id=VALID_ID + "\n")


def test_the_database_refuses_the_short_id_of_the_issue(applicant):
    # The check constraint, not only the form: Borrower.objects.create(national_id="123").
    with pytest.raises(IntegrityError), transaction.atomic():
        Borrower.objects.create(
            full_name="Hoàng Văn A",
            national_id="123",
            date_of_birth=applicant.date_of_birth,
            gender="male",
            ethnicity="Tày",
            household_category="poor",
            village="Thôn Nà Lầu",
            transaction_point=applicant.transaction_point,
            office=applicant.office,
        )


def test_a_national_id_belongs_to_one_household(applicant):
    applicant.save()
    twin = BorrowerFactory.build(
        transaction_point=applicant.transaction_point,
        office=applicant.office,
        savings_group=None,
        national_id=VALID_ID,
    )
    assert "national_id" in errors(twin)
    with pytest.raises(IntegrityError), transaction.atomic():
        raw_create(twin)
    assert Borrower.objects.filter(national_id=VALID_ID).count() == 1


def test_there_are_54_ethnic_groups_and_kinh_is_one(applicant):
    assert len(ETHNICITIES) == len(ETHNICITY_CHOICES) == 54
    assert len({name for _code, name in ETHNICITIES}) == 54
    for name in ("Kinh", "Tày", "Nùng", "Mông", "Dao", "Sán Chay"):
        applicant.ethnicity = name
        applicant.full_clean()


@pytest.mark.parametrize("ethnicity", ["Klingon", "", "tay", "H'Mông"])
def test_full_clean_refuses_an_ethnicity_outside_the_54(applicant, ethnicity):
    applicant.ethnicity = ethnicity
    assert "ethnicity" in errors(applicant)
