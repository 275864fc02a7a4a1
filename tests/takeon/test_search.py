"""Households found by citizen-ID prefix and by name without diacritics."""

import importlib

import pytest
from django.apps import apps as django_apps

from borrowers.models import Borrower
from core.text import fold
from tests.factories import BorrowerFactory

pytestmark = pytest.mark.django_db


def test_fold():
    assert fold("Bùi Hải Tuyết") == "bui hai tuyet"
    assert fold("  Đặng   Thị Ánh ") == "dang thi anh"


@pytest.fixture
def carol_client(client, cast, household):
    BorrowerFactory(full_name="Bùi Hải Tuyết", national_id="020184000111")
    BorrowerFactory(full_name="Bùi Văn Hải", national_id="020185000222")
    client.force_login(cast.carol)
    return client


def found(client, q: str) -> set[str]:
    page = client.get("/admin/borrowers/borrower/", {"q": q})
    return {b.full_name for b in page.context["cl"].result_list}


def test_search_without_diacritics(carol_client):
    assert found(carol_client, "Bui Hai Tuyet") == {"Bùi Hải Tuyết"}
    assert found(carol_client, "bui hai") == {"Bùi Hải Tuyết", "Bùi Văn Hải"}
    assert found(carol_client, "Bùi Hải") == {"Bùi Hải Tuyết", "Bùi Văn Hải"}


def test_search_by_citizen_id_prefix(carol_client):
    assert found(carol_client, "020184") == {"Bùi Hải Tuyết"}
    assert found(carol_client, "0201850") == {"Bùi Văn Hải"}


def test_the_folded_name_follows_the_name(household):
    household.full_name = "Lương Thị Đào"
    household.save(update_fields=["full_name"])
    household.refresh_from_db()
    assert household.full_name_folded == "luong thi dao"


def test_the_data_migration_fills_existing_names(household):
    Borrower.objects.filter(pk=household.pk).update(full_name_folded="")  # as before 0003
    migration = importlib.import_module("borrowers.migrations.0003_borrower_full_name_folded")
    migration.fill_folded_names(django_apps, None)
    assert Borrower.objects.get(pk=household.pk).full_name_folded == fold(household.full_name)
