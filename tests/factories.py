"""factory_boy factories for the organisation and borrowers; loans go through the services."""

from datetime import date

import factory
from django.contrib.auth import get_user_model

from borrowers.models import (
    AdministrativeUnit,
    Association,
    Borrower,
    Branch,
    SavingsGroup,
    StaffProfile,
    TransactionOffice,
    TransactionPoint,
)


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch
        django_get_or_create = ("code",)

    code = "LSN"
    name = "Chi nhánh NHCSXH tỉnh Lạng Sơn"


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TransactionOffice

    branch = factory.SubFactory(BranchFactory)
    code = factory.Sequence(lambda n: f"O{n:03d}")
    name = factory.Sequence(lambda n: f"Phòng giao dịch số {n}")


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdministrativeUnit

    code = factory.Sequence(lambda n: f"X{n:05d}")
    name = factory.Sequence(lambda n: f"Xã {n}")
    level = AdministrativeUnit.Level.COMMUNE
    valid_from = date(2000, 1, 1)


class PointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TransactionPoint

    office = factory.SubFactory(OfficeFactory)
    code = factory.Sequence(lambda n: f"P{n:04d}")
    name = factory.Sequence(lambda n: f"Điểm giao dịch xã {n}")
    commune = factory.SubFactory(CommuneFactory)
    session_day = 21


class AssociationFactory(factory.django.DjangoModelFactory):
    """A commune-level association (the level that manages groups)."""

    class Meta:
        model = Association

    kind = Association.Kind.FARMERS
    level = Association.Level.COMMUNE
    name = factory.Sequence(lambda n: f"Hội Nông dân xã {n}")


class SavingsGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SavingsGroup

    code = factory.Sequence(lambda n: f"T{n:05d}")
    name = factory.Sequence(lambda n: f"Tổ TK&VV thôn {n}")
    association = factory.SubFactory(AssociationFactory)
    transaction_point = factory.SubFactory(PointFactory)
    village = "Thôn Nà Lầu"
    leader = "Hoàng Văn Tổ"


class BorrowerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Borrower

    full_name = factory.Sequence(lambda n: f"Nông Văn {n}")
    national_id = factory.Sequence(lambda n: f"020{n:09d}")
    date_of_birth = date(1980, 5, 17)
    gender = Borrower.Gender.MALE
    ethnicity = "Tày"
    household_category = "poor"
    category_list_ref = "QĐ 123/QĐ-UBND"
    category_list_year = 2024
    village = "Thôn Nà Lầu"
    savings_group = factory.SubFactory(SavingsGroupFactory)
    transaction_point = factory.LazyAttribute(lambda o: o.savings_group.transaction_point)
    office = factory.LazyAttribute(lambda o: o.transaction_point.office)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "secret-pass-123")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


def staff_user(username: str, *, office: TransactionOffice | None, branch: Branch, **perms):
    """A staff login tied to an office (None: branch level), with every app permission."""
    from django.contrib.auth.models import Permission

    user = UserFactory(username=username)
    StaffProfile.objects.update_or_create(user=user, defaults={"office": office, "branch": branch})
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=[
                "borrowers",
                "loans",
                "origination",
                "point_sessions",
                "reconciliation",
                "reports",
                "tasks",
                "programmes",
                "savings",
                "takeon",
                "approvals",  # with bypass_four_eyes: the cast acts alone (roles: tests/approvals)
            ]
        )
    )
    return user
