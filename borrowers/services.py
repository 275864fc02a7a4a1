"""Every rule about the branch's households and its organisation, written once.

The admin's forms and the API's serializers call the checks below from their clean/validate hooks
(so one mistake gets one message everywhere, next to its field) and save through the functions at
the end, which check again under a row lock and write in one transaction.
"""

import re
from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from core.errors import DomainError
from core.text import InvalidName, normalise_name

from .models import (
    NATIONAL_ID_MESSAGE,
    NATIONAL_ID_PATTERN,
    AdministrativeUnit,
    Association,
    Borrower,
    SavingsGroup,
    TransactionPoint,
)

ADULT_AGE = 18  # the representative signs the loan contract: an adult (Civil Code 2015, art. 20)
EARLIEST_BIRTH = date(1900, 1, 1)
NATIONAL_ID = re.compile(NATIONAL_ID_PATTERN)
HOUSEHOLD_NAMES = ("full_name", "village")
GROUP_NAMES = ("name", "village", "leader")


class HouseholdError(DomainError):
    """A household or an organisation record breaks one of the branch's rules."""


# --- checks, one per rule ----------------------------------------------------------------------


def clean_name(value: str, *, field: str) -> str:
    """A person's or a place's name, normalised (core.text); never empty."""
    try:
        name = normalise_name(value, field=field)
    except InvalidName as exc:
        raise HouseholdError(exc.message, field=field, code=exc.code) from exc
    if not name:
        raise HouseholdError(_("Tên không được để trống."), field=field, code="blank")
    return name


def clean_national_id(value: str, *, borrower: Borrower | None = None) -> str:
    """A citizen ID (CCCD) is 12 ASCII digits and names one household in the whole bank."""
    if not NATIONAL_ID.match(value):
        raise HouseholdError(str(NATIONAL_ID_MESSAGE), field="national_id")
    others = Borrower.objects.filter(national_id=value)
    if borrower is not None and borrower.pk is not None:
        others = others.exclude(pk=borrower.pk)
    if others.exists():
        raise HouseholdError(
            _("Số CCCD này đã được đăng ký cho một hộ vay khác."),
            field="national_id",
            code="unique",
        )
    return value


def clean_date_of_birth(value: date, *, today: date | None = None) -> date:
    """The household's representative signs the contract, so is an adult: 18 on the birthday."""
    today = today or timezone.localdate()
    if value > today:
        raise HouseholdError(_("Ngày sinh không được sau ngày hôm nay."), field="date_of_birth")
    if value < EARLIEST_BIRTH:
        raise HouseholdError(_("Ngày sinh không hợp lệ."), field="date_of_birth")
    age = today.year - value.year - ((today.month, today.day) < (value.month, value.day))
    if age < ADULT_AGE:
        raise HouseholdError(
            _("Người đại diện hộ vay phải đủ %(n)s tuổi trở lên.") % {"n": ADULT_AGE},
            field="date_of_birth",
        )
    return value


def place_household(
    *,
    savings_group: SavingsGroup | None,
    transaction_point: TransactionPoint | None = None,
    borrower: Borrower | None = None,
) -> TransactionPoint:
    """A household meets at its group's transaction point (and so belongs to that office); only
    a household borrowing directly, without a group, names its point. A household with loans
    stays in its office: its loans and their journal belong to that office."""
    point = savings_group.transaction_point if savings_group is not None else transaction_point
    field = "savings_group" if savings_group is not None else "transaction_point"
    if point is None:
        raise HouseholdError(
            _("Chọn tổ TK&VV, hoặc điểm giao dịch nếu hộ vay trực tiếp."), field=field
        )
    moves = borrower is not None and borrower.pk is not None
    if moves and borrower and point.office_id != borrower.office_id and borrower.loans.exists():
        raise HouseholdError(
            _("Hộ đang có khoản vay: không chuyển sang phòng giao dịch khác."), field=field
        )
    return point


def check_group_move(group: SavingsGroup, *, transaction_point: TransactionPoint) -> None:
    """A group's members follow it to another point; members with loans keep their office."""
    if group.pk is None or transaction_point.office_id == group.transaction_point.office_id:
        return
    if Borrower.objects.filter(savings_group=group, loans__isnull=False).exists():
        raise HouseholdError(
            _("Tổ có hộ đang vay: không chuyển sang điểm giao dịch của phòng giao dịch khác."),
            field="transaction_point",
        )


# --- households ------------------------------------------------------------------------------


def _checked_household(fields: dict[str, Any], *, borrower: Borrower | None) -> dict[str, Any]:
    """The fields with every household check applied (names normalised)."""
    checked = dict(fields)
    for name in HOUSEHOLD_NAMES:
        if name in checked:
            checked[name] = clean_name(checked[name], field=name)
    if "national_id" in checked:
        checked["national_id"] = clean_national_id(checked["national_id"], borrower=borrower)
    if "date_of_birth" in checked:
        checked["date_of_birth"] = clean_date_of_birth(checked["date_of_birth"])
    return checked


def _save(obj: Borrower | SavingsGroup, *, by: AbstractBaseUser | None) -> None:
    obj._history_user = by  # type: ignore[union-attr]  # who changed it, in the audit history
    obj.full_clean(validate_unique=False)  # the model's own guards; uniqueness is checked above
    obj.save()


@transaction.atomic
def register_household(
    *,
    by: AbstractBaseUser | None,
    full_name: str,
    national_id: str,
    date_of_birth: date,
    gender: str,
    ethnicity: str,
    household_category: str,
    village: str,
    savings_group: SavingsGroup | None = None,
    transaction_point: TransactionPoint | None = None,
    commune: AdministrativeUnit | None = None,
    phone: str = "",
    category_list_ref: str = "",
    category_list_year: int | None = None,
) -> Borrower:
    """Register a borrowing household (hộ vay) in its group's point and office."""
    point = place_household(savings_group=savings_group, transaction_point=transaction_point)
    borrower = Borrower(
        full_name=clean_name(full_name, field="full_name"),
        national_id=clean_national_id(national_id),
        date_of_birth=clean_date_of_birth(date_of_birth),
        gender=gender,
        ethnicity=ethnicity,
        household_category=household_category,
        village=clean_name(village, field="village"),
        savings_group=savings_group,
        transaction_point=point,
        office_id=point.office_id,
        commune=commune,
        phone=phone,
        category_list_ref=category_list_ref,
        category_list_year=category_list_year,
    )
    _save(borrower, by=by)
    return borrower


HOUSEHOLD_EDITABLE = frozenset(
    {
        "full_name",
        "national_id",
        "date_of_birth",
        "gender",
        "ethnicity",
        "phone",
        "household_category",
        "category_list_ref",
        "category_list_year",
        "village",
        "commune",
        "savings_group",
        "transaction_point",
    }
)


@transaction.atomic
def update_household(
    borrower: Borrower, *, by: AbstractBaseUser | None, **changes: Any
) -> Borrower:
    """Correct a household's record; a move to another group takes its point and office, and a
    household with loans may not leave its office. Returns the saved, locked row."""
    unknown = set(changes) - HOUSEHOLD_EDITABLE
    if unknown:
        raise TypeError(f"not a household's editable field: {sorted(unknown)}")
    locked = Borrower.objects.select_for_update().get(pk=borrower.pk)
    checked = _checked_household(changes, borrower=locked)
    if {"savings_group", "transaction_point"} & set(changes):
        group = checked.get("savings_group", locked.savings_group)
        chosen = checked.get("transaction_point", locked.transaction_point)
        point = place_household(savings_group=group, transaction_point=chosen, borrower=locked)
        checked |= {"transaction_point": point, "office_id": point.office_id}
    for name, value in checked.items():
        setattr(locked, name, value)
    _save(locked, by=by)
    return locked


# --- savings groups --------------------------------------------------------------------------


@transaction.atomic
def register_savings_group(
    *,
    by: AbstractBaseUser | None,
    code: str,
    name: str,
    association: Association,
    transaction_point: TransactionPoint,
    village: str,
    leader: str,
    leader_phone: str = "",
    is_active: bool = True,
) -> SavingsGroup:
    """Register a savings-and-loan group (Tổ TK&VV) of one village at a transaction point."""
    group = SavingsGroup(
        code=code,
        name=clean_name(name, field="name"),
        association=association,
        transaction_point=transaction_point,
        village=clean_name(village, field="village"),
        leader=clean_name(leader, field="leader"),
        leader_phone=leader_phone,
        is_active=is_active,
    )
    _save(group, by=by)
    return group


GROUP_EDITABLE = frozenset(
    {
        "code",
        "name",
        "association",
        "transaction_point",
        "village",
        "leader",
        "leader_phone",
        "is_active",
    }
)


@transaction.atomic
def update_savings_group(
    group: SavingsGroup, *, by: AbstractBaseUser | None, **changes: Any
) -> SavingsGroup:
    """Correct a group's record. Moved to another point, it takes its members along (their
    point and office follow the group); a group with members who borrow keeps its office."""
    unknown = set(changes) - GROUP_EDITABLE
    if unknown:
        raise TypeError(f"not a group's editable field: {sorted(unknown)}")
    locked = SavingsGroup.objects.select_for_update().get(pk=group.pk)
    checked: dict[str, Any] = {
        field: clean_name(value, field=field) if field in GROUP_NAMES else value
        for field, value in changes.items()
    }
    point = checked.get("transaction_point", locked.transaction_point)
    moved = point.pk != locked.transaction_point_id
    if moved:
        check_group_move(locked, transaction_point=point)
    for field, value in checked.items():
        setattr(locked, field, value)
    _save(locked, by=by)
    if moved:
        _follow_group(locked, by=by)
    return locked


def _follow_group(group: SavingsGroup, *, by: AbstractBaseUser | None) -> None:
    """The group's members meet at its new point (each change in their audit history)."""
    members = list(Borrower.objects.select_for_update().filter(savings_group=group))
    for member in members:
        member.transaction_point_id = group.transaction_point_id
        member.office_id = group.transaction_point.office_id
    bulk_update_with_history(members, Borrower, ["transaction_point", "office"], default_user=by)


# --- deactivation and deletion ---------------------------------------------------------------


def has_business(borrower: Borrower) -> bool:
    """Whether anything but the household's own history points at it: an application, a loan,
    a savings account... (found through the model's relations, so this app imports none)."""
    for relation in Borrower._meta.related_objects:
        model = relation.related_model
        if model._meta.app_label == "borrowers" or not relation.field.concrete:
            continue
        if model._default_manager.filter(**{relation.field.name: borrower}).exists():
            return True
    return False


@transaction.atomic
def set_household_active(borrower: Borrower, *, active: bool, by: AbstractBaseUser | None) -> None:
    """Stop (or resume) a household's business with the bank: the way out for a household that
    ever had an application, a loan or savings, which is never deleted."""
    locked = Borrower.objects.select_for_update().get(pk=borrower.pk)
    if locked.is_active != active:
        locked.is_active = active
        _save(locked, by=by)


@transaction.atomic
def delete_household(borrower: Borrower, *, by: AbstractBaseUser | None) -> None:
    """Delete a household entered by mistake; one with any business record is only deactivated."""
    locked = Borrower.objects.select_for_update().get(pk=borrower.pk)
    if has_business(locked):
        raise DomainError(
            _("Hộ vay đã có hồ sơ vay hoặc tiết kiệm: không xóa được, hãy ngừng giao dịch."),
            code="household_in_use",
        )
    locked.delete()
