"""A report's request: its dates, groupings, filters and the user's office scope."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.utils.translation import gettext_noop

from borrowers.models import (
    AdministrativeUnit,
    Association,
    SavingsGroup,
    TransactionOffice,
    TransactionPoint,
)
from borrowers.selectors import User, office_ids_for
from programmes.models import Programme

from .dimensions import association_q, commune_q

FILTER_NAMES = (
    "office",
    "programme",
    "transaction_point",
    "association",
    "commune",
    "savings_group",
)


@dataclass(frozen=True)
class ReportFilters:
    """Which loans a report covers: the user's offices (None = all) narrowed by the filters.

    The filter objects come already checked against the user's scope (a serializer or a form
    looks them up through `borrowers.selectors`)."""

    office_ids: list[int] | None = None
    office: TransactionOffice | None = None
    programme: Programme | None = None
    transaction_point: TransactionPoint | None = None
    association: Association | None = None
    commune: AdministrativeUnit | None = None
    savings_group: SavingsGroup | None = None
    decree_28_only: bool = False

    @classmethod
    def for_user(cls, user: User, **filters) -> "ReportFilters":
        return cls(office_ids=office_ids_for(user), **filters)

    def q(self, prefix: str = "", *, own_office: bool = False) -> Q:
        """The filter as a Q on a model that reaches the loan through `prefix` ("loan__");
        `own_office`: the model has its own copy of the loan's office (snapshot, journal)."""
        q = Q()
        office = "office_id" if own_office else f"{prefix}office_id"
        if self.office_ids is not None:
            q &= Q(**{f"{office}__in": self.office_ids})
        if self.office is not None:
            q &= Q(**{office: self.office.pk})
        for name in ("programme", "transaction_point", "savings_group"):
            obj = getattr(self, name)
            if obj is not None:
                q &= Q(**{f"{prefix}{name}_id": obj.pk})
        if self.association is not None:
            q &= association_q(self.association.pk, prefix)
        if self.commune is not None:
            q &= commune_q(self.commune.pk, prefix)
        if self.decree_28_only:
            q &= Q(**{f"{prefix}programme__is_decree_28": True})
        return q

    def journal_office_ids(self) -> list[int] | None:
        """The offices whose postings can change this report (for the staleness check)."""
        if self.office is not None:
            return [self.office.pk]
        return self.office_ids

    def described(self) -> list[tuple[str, str]]:
        """The filters as (Vietnamese label, value) lines for a report's header."""
        labels = [
            ("office", gettext_noop("Phòng giao dịch")),
            ("programme", gettext_noop("Chương trình")),
            ("transaction_point", gettext_noop("Điểm giao dịch")),
            ("association", gettext_noop("Hội đoàn thể")),
            ("commune", gettext_noop("Xã/phường")),
            ("savings_group", gettext_noop("Tổ TK&VV")),
        ]
        lines = [(label, str(getattr(self, name))) for name, label in labels if getattr(self, name)]
        if self.office_ids is not None and self.office is None:
            names = TransactionOffice.objects.filter(pk__in=self.office_ids).values_list(
                "name", flat=True
            )
            lines.insert(0, (gettext_noop("Phạm vi"), ", ".join(names) or "—"))
        return lines


@dataclass(frozen=True)
class ReportRequest:
    """What to report: `as_of` (end of that day) or the period [`start`, `end`], grouped by
    `group_by`, over the loans of `filters`; `source` forces the snapshot or the engine."""

    filters: ReportFilters
    group_by: tuple[str, ...] = ()
    as_of: date | None = None
    start: date | None = None
    end: date | None = None
    source: str = "auto"
