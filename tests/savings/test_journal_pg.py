"""On PostgreSQL the database itself refuses UPDATE and DELETE on the savings journal."""

from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction

from loans.savings import services
from loans.savings.models import SavingsTransaction

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the journal trigger exists on PostgreSQL only"
)


@pytest.mark.postgres
@postgres_only
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE savings_savingstransaction SET amount = 1, delta = 1",
        "DELETE FROM savings_savingstransaction WHERE id = %s",
    ],
)
def test_the_database_refuses_raw_update_and_delete(cast, household, sql):
    entry = services.deposit(household, 10_000, date(2025, 3, 10), cast.alice)
    params = [entry.pk] if "%s" in sql else None
    with (
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)
    assert SavingsTransaction.objects.get().amount == 10_000
