"""Two directors approve the same application at once (PostgreSQL, real threads): the
application's row lock makes them take turns, so one loan is created and the second is told the
application has already been decided."""

import threading

import pytest
from django.db import connection

from loans.models import Loan
from loans.origination import services
from loans.origination.models import ApplicationStatus
from loans.origination.services import ApplicationError

from .conftest import DECIDED_ON, certified

THREADS = 2


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency: PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_directors_approving_at_once_create_one_loan(cast, applicant):
    application = certified(applicant, by=cast.alice)
    directors = [cast.alice, cast.carol]  # Văn Quan's director and the branch
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []

    def approve(director) -> None:
        try:
            barrier.wait()
            services.approve_application(application, by=director, decided_on=DECIDED_ON)
            outcomes.append("approved")
        except ApplicationError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(d,)) for d in directors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)

    assert sorted(outcomes) == ["application_state", "approved"]
    assert Loan.objects.filter(borrower=applicant).count() == 1
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert application.loan == Loan.objects.get(borrower=applicant)
