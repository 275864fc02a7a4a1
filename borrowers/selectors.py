"""Reads scoped to the user's offices: the one place that decides who sees what."""

from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.db.models import Q, QuerySet

from .models import (
    Association,
    Borrower,
    SavingsGroup,
    TransactionOffice,
    TransactionPoint,
)

User = AbstractUser | AnonymousUser


def office_ids_for(user: User) -> list[int] | None:
    """The ids of the offices a user may see; None means every office (branch level).

    Superusers and staff profiles without an office are branch level. A user with no profile
    sees nothing: access is granted, never assumed.
    """
    if not user or not user.is_authenticated:
        return []
    if user.is_superuser:
        return None
    profile = getattr(user, "staff_profile", None)
    if profile is None:
        return []
    if profile.office_id is None:
        return None
    return [profile.office_id]


def scope(queryset: QuerySet, user: User, *, office_field: str = "office") -> QuerySet:
    """Filter any queryset to the user's offices through the given office lookup."""
    office_ids = office_ids_for(user)
    if office_ids is None:
        return queryset
    return queryset.filter(**{f"{office_field}__in": office_ids})


def offices_for(user: User) -> QuerySet[TransactionOffice]:
    return scope(TransactionOffice.objects.all(), user, office_field="id")


def transaction_points_for(user: User) -> QuerySet[TransactionPoint]:
    return scope(TransactionPoint.objects.select_related("office"), user)


def savings_groups_for(user: User) -> QuerySet[SavingsGroup]:
    return scope(
        SavingsGroup.objects.select_related("association", "transaction_point"),
        user,
        office_field="transaction_point__office",
    )


def associations_for(user: User) -> QuerySet[Association]:
    """Associations are shared above the district; officers see their district's and above."""
    office_ids = office_ids_for(user)
    qs = Association.objects.all()
    if office_ids is None:
        return qs

    return qs.filter(
        Q(office__isnull=True, transaction_point__isnull=True)
        | Q(office__in=office_ids)
        | Q(transaction_point__office__in=office_ids)
    )


def borrowers_for(user: User) -> QuerySet[Borrower]:
    return scope(Borrower.objects.select_related("savings_group", "office"), user)
