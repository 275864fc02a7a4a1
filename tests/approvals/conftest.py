"""The roles' cast: one login per role (Văn Quan for the office roles), in the groups the data
migration made, and a disbursed Văn Quan loan to operate on."""

from dataclasses import dataclass
from datetime import date

import pytest
from django.apps import apps
from django.contrib.auth.models import Group

from borrowers.models import StaffProfile
from loans import services
from loans.approvals.groups import sync_groups
from loans.approvals.roles import ROLE_BY_KEY, ROLES
from tests.api.conftest import token_client
from tests.conftest import approved_loan
from tests.factories import UserFactory

DISBURSED_ON = date(2025, 1, 10)


def role_user(username: str, role: str, *, office, branch):
    """A login in one role's group; branch-level roles have no office."""
    user = UserFactory(username=username, is_superuser=role == "administrator")
    office = None if ROLE_BY_KEY[role].branch_level else office
    StaffProfile.objects.update_or_create(user=user, defaults={"office": office, "branch": branch})
    user.groups.add(Group.objects.get(name=ROLE_BY_KEY[role].name))
    return user


@dataclass
class Roles:
    users: dict  # role key -> user (Văn Quan for the office roles)
    other_controller: object  # a controller of Bắc Sơn


@pytest.fixture
def roles(cast) -> Roles:
    sync_groups(apps)  # the groups survive a transactional test's flush this way too
    users = {
        role.key: role_user(f"{role.key}.vq", role.key, office=cast.van_quan, branch=cast.branch)
        for role in ROLES
    }
    other = role_user("controller.bs", "controller", office=cast.bac_son, branch=cast.branch)
    return Roles(users, other)


@pytest.fixture
def clients(roles) -> dict:
    return {key: token_client(user) for key, user in roles.users.items()}


@pytest.fixture
def loan(household, cast):
    """20,000,000 đồng HN over 24 months, disbursed whole on 10/01/2025."""
    loan = approved_loan(
        household, "HN", amount=20_000_000, term=24, by=cast.alice, approved_on=date(2025, 1, 2)
    )
    services.disburse(loan, amount=20_000_000, on=DISBURSED_ON, by=cast.alice)
    loan.refresh_from_db()
    return loan
