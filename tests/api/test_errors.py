"""The one exception handler: domain errors become 400 or 409 answers, never a 500."""

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError

from borrowers.services import HouseholdError
from config.api import exception_handler
from core.errors import DomainError
from loans.models import JournalIsAppendOnly
from loans.services import IdempotencyConflict, LoanError


class View:
    loan_error_fields = {"frequency": "principal_frequency_months"}


def handle(exc):
    return exception_handler(exc, {"view": View(), "request": None})


@pytest.mark.parametrize(
    ("exc", "status", "body"),
    [
        (
            LoanError("Số tiền phải lớn hơn 0.", field="amount"),
            400,
            {"amount": ["Số tiền phải lớn hơn 0."]},
        ),
        (
            LoanError("Sai kỳ hạn.", field="frequency"),
            400,
            {"principal_frequency_months": ["Sai kỳ hạn."]},
        ),
        (LoanError("Không hợp lệ."), 400, {"non_field_errors": ["Không hợp lệ."]}),
        (
            LoanError("Khoản vay đã tất toán.", field="value_date", code="loan_state"),
            409,
            {"detail": "Khoản vay đã tất toán.", "code": "loan_state"},
        ),
        (
            IdempotencyConflict("Khóa đã dùng.", code="idempotency_conflict"),
            409,
            {"detail": "Khóa đã dùng.", "code": "idempotency_conflict"},
        ),
        # Any app's DomainError, not only the loans': the handler knows no app's errors.
        (
            HouseholdError("Số CCCD phải gồm đúng 12 chữ số.", field="national_id"),
            400,
            {"national_id": ["Số CCCD phải gồm đúng 12 chữ số."]},
        ),
        (
            DomainError("Đã đóng.", code="loan_state"),
            409,
            {"detail": "Đã đóng.", "code": "loan_state"},
        ),
        (DjangoValidationError({"village": ["Bắt buộc."]}), 400, {"village": ["Bắt buộc."]}),
        (DjangoValidationError("Sai."), 400, {"non_field_errors": ["Sai."]}),
        (
            JournalIsAppendOnly("Chỉ ghi thêm."),
            409,
            {"detail": "Chỉ ghi thêm.", "code": "append_only"},
        ),
    ],
)
def test_domain_errors_become_field_messages_or_conflicts(exc, status, body):
    response = handle(exc)
    assert response.status_code == status
    assert response.data == body


def test_an_integrity_error_is_a_conflict_not_a_server_error():
    response = handle(IntegrityError("duplicate key value violates unique constraint"))
    assert response.status_code == 409
    assert response.data["code"] == "conflict"


def test_other_exceptions_are_left_to_django():
    assert handle(RuntimeError("bug")) is None
