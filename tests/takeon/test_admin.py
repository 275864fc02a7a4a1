"""The admin page "Chuyển đổi dữ liệu": upload, preview with every error, then confirm."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from loans.models import Loan
from tests.factories import SavingsGroupFactory

from . import book
from .test_errors import bad_tables

pytestmark = pytest.mark.django_db
URL = "/admin/takeon/importbatch/import/"


@pytest.fixture
def client_(client, cast):
    SavingsGroupFactory(code="T-TAKEON", transaction_point__office=cast.van_quan)
    cast.carol.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_importbatch", "view_importbatch"])
    )
    client.force_login(cast.carol)
    return client


def upload(client, tables):
    data = {"file": SimpleUploadedFile("b.xlsx", book.as_file(tables)), "as_of": "20/07/2025"}
    return client.post(URL, data)


def test_preview_then_confirm(client_):
    page = upload(client_, book.fifty("T-TAKEON"))
    assert page.status_code == 200 and Loan.objects.count() == 0
    assert page.context["report"].loans == 50
    confirm = page.context["confirm"]
    done = client_.post(URL, {k: confirm[k].value() for k in ("token", "as_of", "file_name")})
    assert done.status_code == 302 and Loan.objects.count() == 50


def test_preview_lists_every_error_and_offers_no_confirmation(client_):
    page = upload(client_, bad_tables())
    assert "confirm" not in page.context
    assert "takeon-errors" in page.content.decode()
    assert len(page.context["report"].errors) >= 10


def test_template_download_and_list(client_):
    response = client_.get("/admin/takeon/importbatch/template/")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    assert client_.get("/admin/takeon/importbatch/").status_code == 200
