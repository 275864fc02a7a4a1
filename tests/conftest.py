"""Shared fixtures: a small named cast of two offices, their officers and a province analyst."""

from dataclasses import dataclass
from datetime import date

import pytest
from django.conf import settings
from django.test import override_settings

from borrowers.models import Branch, TransactionOffice
from loans import services
from loans.models import Loan
from programmes.models import Programme

from .factories import (
    BorrowerFactory,
    BranchFactory,
    OfficeFactory,
    PointFactory,
    SavingsGroupFactory,
    staff_user,
)


@dataclass
class Cast:
    """Văn Quan and Bắc Sơn offices, their officers alice and bob, and carol at the branch."""

    branch: Branch
    van_quan: TransactionOffice
    bac_son: TransactionOffice
    alice: object  # officer of Văn Quan
    bob: object  # officer of Bắc Sơn
    carol: object  # province analyst (branch level)


@pytest.fixture(autouse=True, scope="session")
def static_files_without_collectstatic():
    # Production serves the hashed files collectstatic gathered (whitenoise's manifest); the
    # tests read the apps' own static folders, as Django advises for a manifest storage, and
    # whitenoise finds them there as it does with DEBUG.
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(
        STORAGES={**settings.STORAGES, "staticfiles": plain},
        WHITENOISE_USE_FINDERS=True,
        WHITENOISE_AUTOREFRESH=True,
    ):
        yield


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The cast hashes three passwords per test; PBKDF2 would cost ~0.4 s each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def jobs_in_the_request(settings):
    # The job pages run a job in a background thread without a broker; a test's database
    # transaction is not visible from another thread, so the request runs it (tests/desk
    # checks the background path).
    settings.JOB_PAGES_IN_BACKGROUND = False


@pytest.fixture
def cast(db) -> Cast:
    branch = BranchFactory()
    van_quan = OfficeFactory(branch=branch, code="VQU", name="PGD NHCSXH huyện Văn Quan")
    bac_son = OfficeFactory(branch=branch, code="BSO", name="PGD NHCSXH huyện Bắc Sơn")
    return Cast(
        branch=branch,
        van_quan=van_quan,
        bac_son=bac_son,
        alice=staff_user("alice", office=van_quan, branch=branch),
        bob=staff_user("bob", office=bac_son, branch=branch),
        carol=staff_user("carol", office=None, branch=branch),
    )


@pytest.fixture
def household(cast):
    """A poor Tày household in a Văn Quan group whose point meets on the 21st."""
    point = PointFactory(office=cast.van_quan, session_day=21)
    group = SavingsGroupFactory(transaction_point=point)
    return BorrowerFactory(savings_group=group)


def programme(code: str) -> Programme:
    return Programme.objects.get(code=code)


def approved_loan(borrower, code: str, *, amount: int, term: int, by, **terms) -> Loan:
    """An approved loan through the service, with terms given as DOMAIN.md names them."""
    terms.setdefault("approved_on", date(2020, 1, 1))
    if code.startswith("ND28"):
        terms.setdefault("approved_list_ref", "QĐ 456/QĐ-UBND ngày 01/03/2024")
    return services.create_loan(
        borrower=borrower,
        programme=programme(code),
        amount=amount,
        term_months=term,
        by=by,
        **terms,
    )
